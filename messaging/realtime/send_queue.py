"""Group commit of the WebSocket `send` frames of one server process (one event loop).

A socket's `send` joins the process's queue and waits for its result. One writer task per
process stores whatever is queued, whatever the room, in one database call and one
transaction (`posting.post_to_rooms`: the look-ups of every room in one round trip, one lock
per room, one commit, one channel-layer notice per room), then answers each sender, then
takes what queued meanwhile. Each sender's `ack` is on its way before the batch's notice
leaves, so a sender sees its `ack` before its message's `event`. A quiet server therefore
writes each message alone, as soon as it comes; a busy one writes many per transaction, and
pays the round trips, the commit and the thread hand-off per batch instead of per message.

A send not stored within its wait (the consumer's SEND_WAIT_SECONDS) is answered without
waiting further; if it was still queued it is withdrawn, so nothing unacknowledged is written
after its sender was told `unavailable`.

Sends waiting or being written are bounded per process (`COUNTERPART_MAX_PENDING_SENDS`):
past the bound a send is refused at once with `rate_limited`, nothing stored, so a saturated
process keeps its latency bounded instead of queueing every socket's sends behind each other.
"""

import asyncio
import logging
import uuid
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from messaging import access, actions, posting
from messaging.models import Room
from messaging.realtime.db import run_in_db_announcing_later
from messaging.realtime.outage import is_database_outage
from messaging.realtime.prepared import PreparedQuery

logger = logging.getLogger(__name__)

BATCH_MAX = 200
ROOMS_REMEMBERED = 10_000


class Busy(Exception):
    """The process has its limit of sends in progress."""


@dataclass
class _Waiting:
    room_id: str
    request: posting.SendRequest
    result: asyncio.Future


# In the model's field order, as Model.from_db expects.
_ROOM_FIELDS = tuple(
    f.attname
    for f in Room._meta.concrete_fields
    if f.attname in {"id", "kind", "network_id", "key_epoch", "head_seq"}
)
_room_rows = PreparedQuery(
    lambda rooms: Room.objects.filter(pk__in=rooms).values_list(*_ROOM_FIELDS).order_by()
)


def _write(batches: list[tuple[str, list[posting.SendRequest]]], known: dict) -> tuple:
    """Store the sends of several rooms: (the rooms' fields, by id; for each room, a
    PostResult or an exception per request, in order). `known` holds the fields of rooms
    written before: a room's kind and network never change, and the seq and key epoch are
    taken under the lock."""
    missing = sorted({uuid.UUID(room_id) for room_id, _ in batches if room_id not in known})
    fields = {room_id: known[room_id] for room_id, _ in batches if room_id in known}
    if missing:
        for row in _room_rows.rows(None, rooms=missing):
            fields[str(row[0])] = row
    rooms = [
        (Room.from_db(connection.alias, _ROOM_FIELDS, fields[room_id]), requests)
        for room_id, requests in batches
        if room_id in fields
    ]
    stored = iter(posting.post_to_rooms(rooms))
    results = []
    for room_id, requests in batches:
        if room_id not in fields:
            results.append([access.UnknownRoom(room_id)] * len(requests))
            continue
        results.append(
            [
                access.UnknownRoom(room_id)
                if isinstance(result, actions.MessagingError) and result.code == "unknown_room"
                else result
                for result in next(stored)
            ]
        )
    return fields, results


class SendQueue:
    def __init__(self):
        self.waiting: list[_Waiting] = []
        self.writing = False
        self.in_progress = 0
        self.rooms: dict[str, tuple] = {}  # fields of rooms written before

    async def post(
        self, room_id: str, request: posting.SendRequest, *, wait: float | None = None
    ) -> posting.PostResult:
        """Store `request` in room `room_id` (a canonical UUID string); returns after commit.
        Raises Busy, UnknownRoom or MessagingError; TimeoutError when it was not stored
        within `wait` seconds (the database unreachable or stalled): a send still queued is
        then withdrawn, one being written may still commit (its resend is a duplicate)."""
        if self.in_progress >= settings.COUNTERPART_MAX_PENDING_SENDS:
            raise Busy
        waiting = _Waiting(room_id, request, asyncio.get_running_loop().create_future())
        waiting.result.add_done_callback(_retrieve)
        self.waiting.append(waiting)
        self.in_progress += 1
        try:
            if not self.writing:
                self.writing = True
                asyncio.ensure_future(self._writer())
            # Shielded: a socket that closes meanwhile does not cancel a write in progress.
            try:
                return await asyncio.wait_for(asyncio.shield(waiting.result), wait)
            except TimeoutError:
                self.waiting = [other for other in self.waiting if other is not waiting]
                raise
        finally:
            self.in_progress -= 1

    async def _writer(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:BATCH_MAX], self.waiting[BATCH_MAX:]
                by_room: dict[str, list[_Waiting]] = {}
                for waiting in batch:
                    by_room.setdefault(waiting.room_id, []).append(waiting)
                announce = None
                try:
                    outcome, announce = await run_in_db_announcing_later(_write)(
                        [(room, [w.request for w in ws]) for room, ws in by_room.items()],
                        dict(self.rooms),
                    )
                    if isinstance(outcome, Exception):
                        raise outcome
                    fields, results = outcome
                    if len(self.rooms) > ROOMS_REMEMBERED:
                        self.rooms.clear()
                    self.rooms.update(fields)
                except Exception as exc:  # nothing of the batch was acknowledged
                    if is_database_outage(exc):
                        logger.warning("a batch of sends failed: the database is unreachable")
                    else:
                        logger.exception("a batch of sends failed")
                    results = [[exc] * len(ws) for ws in by_room.values()]
                for waitings, room_results in zip(by_room.values(), results, strict=True):
                    for waiting, result in zip(waitings, room_results, strict=True):
                        if waiting.result.done():
                            continue
                        if isinstance(result, Exception):
                            waiting.result.set_exception(result)
                        else:
                            waiting.result.set_result(result)
                # The senders are answered first; waiting here for the notice to leave
                # paces the writer (docs/benchmarks.md).
                if announce is not None:
                    await announce()
        finally:
            self.writing = False


def _retrieve(future: asyncio.Future) -> None:
    """Mark an outcome as seen even if its socket closed before it came."""
    if not future.cancelled():
        future.exception()


_queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SendQueue]" = (
    weakref.WeakKeyDictionary()
)


def get_send_queue() -> SendQueue:
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = SendQueue()
    return queue
