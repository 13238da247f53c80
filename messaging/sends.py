"""Group commit of the WebSocket `send` frames of one server process (one event loop).

A socket's `send` joins its room's queue in this process and waits for its result. One
writer task per room and process stores whatever is queued for that room in one database
call and one transaction (`actions.post_messages`: one access query, one room lock, one
commit, one channel-layer notice for the whole batch), then answers each sender, then takes
what queued meanwhile. A quiet room therefore writes each message alone, as soon as it
comes; a busy room writes several per transaction, and its lock, commit and notice are paid
per batch instead of per message. Rooms are written side by side (the database thread pool).

Sends waiting or being written are bounded per process (`COUNTERPART_MAX_PENDING_SENDS`):
past the bound a send is refused at once with `rate_limited`, nothing stored, so a saturated
process keeps its latency bounded instead of queueing every socket's sends behind each other.
"""

import asyncio
import logging
import uuid
import weakref
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from messaging import access, actions
from messaging.db import run_in_db
from messaging.models import Room
from messaging.prepared import PreparedQuery

logger = logging.getLogger(__name__)

BATCH_MAX = 100


class Busy(Exception):
    """The process has its limit of sends in progress."""


@dataclass
class _Waiting:
    request: actions.SendRequest
    result: asyncio.Future


# In the model's field order, as Model.from_db expects.
_ROOM_FIELDS = tuple(
    f.attname
    for f in Room._meta.concrete_fields
    if f.attname in {"id", "kind", "network_id", "key_epoch", "head_seq"}
)
_room_row = PreparedQuery(lambda room: Room.objects.filter(pk=room).values_list(*_ROOM_FIELDS))


def _room_fields(room_id: str) -> tuple | None:
    rows = _room_row.rows(None, room=uuid.UUID(room_id))
    if not rows:
        return None
    # The id as a UUID whatever the database returns (it goes into associated data).
    row = dict(zip(_ROOM_FIELDS, rows[0], strict=True), id=uuid.UUID(room_id))
    return tuple(row[name] for name in _ROOM_FIELDS)


def _write(room_id: str, fields: tuple | None, requests: list[actions.SendRequest]) -> tuple:
    """Store a batch of one room: (the room's fields, a PostResult or an exception per
    request, in order). `fields` are those of an earlier batch, if any: a room's kind and
    network never change, and the seq and key epoch are taken under the lock."""
    fields = fields or _room_fields(room_id)
    if fields is None:
        return None, [access.UnknownRoom(room_id)] * len(requests)
    room = Room.from_db(connection.alias, _ROOM_FIELDS, fields)
    results = actions.post_messages(room=room, requests=requests)
    return fields, [
        access.UnknownRoom(room_id)
        if isinstance(result, actions.MessagingError) and result.code == "unknown_room"
        else result
        for result in results
    ]


@dataclass
class _Room:
    waiting: list = field(default_factory=list)
    writing: bool = False
    fields: tuple | None = None


class SendQueue:
    def __init__(self):
        self.rooms: dict[str, _Room] = {}
        self.in_progress = 0

    async def post(self, room_id: str, request: actions.SendRequest) -> actions.PostResult:
        """Store `request` in room `room_id`; returns after commit. Raises Busy, UnknownRoom
        or MessagingError."""
        if self.in_progress >= settings.COUNTERPART_MAX_PENDING_SENDS:
            raise Busy
        waiting = _Waiting(request, asyncio.get_running_loop().create_future())
        waiting.result.add_done_callback(_retrieve)
        room = self.rooms.setdefault(room_id, _Room())
        room.waiting.append(waiting)
        self.in_progress += 1
        try:
            if not room.writing:
                room.writing = True
                asyncio.ensure_future(self._writer(room_id, room))
            # Shielded: a socket that closes meanwhile does not cancel a write in progress.
            return await asyncio.shield(waiting.result)
        finally:
            self.in_progress -= 1

    async def _writer(self, room_id: str, room: _Room) -> None:
        try:
            while room.waiting:
                batch, room.waiting[:] = room.waiting[:BATCH_MAX], room.waiting[BATCH_MAX:]
                try:
                    fields, results = await run_in_db(_write)(
                        room_id, room.fields, [w.request for w in batch]
                    )
                    room.fields = fields
                except Exception as exc:  # nothing of the batch was acknowledged
                    logger.exception("a batch of sends failed")
                    results = [exc] * len(batch)
                for waiting, result in zip(batch, results, strict=True):
                    if waiting.result.done():
                        continue
                    if isinstance(result, Exception):
                        waiting.result.set_exception(result)
                    else:
                        waiting.result.set_result(result)
        finally:
            room.writing = False
            if not room.waiting and self.rooms.get(room_id) is room:
                del self.rooms[room_id]


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
