"""One delivery hub per server process (per event loop).

The tutorial pattern — every consumer in the room's group, one layer message and one decode
per recipient — costs a channel-layer round trip per delivery. Here the process's hub channel
is the only member of a room's group in this process: it joins when the first local socket
subscribes and leaves when the last one goes. An action's after-commit notice is one
`group_send` of `{room, seq}`; per batch of notices the hub loads the new events once (one
query, one decryption), re-checks in one query which local subscribers may still read the
room, renders each frame's JSON text once and hands that same text to every local socket.

A hub lingers `COUNTERPART_DELIVERY_LINGER_MS` after the first notice of a quiet moment
before it loads: the notices that arrive meanwhile are loaded by the same query and their
frames reach each socket in the same write. Every frame written costs the server framework
(Daphne, Twisted, autobahn) about 0.1 ms when written alone against a few hundredths when
several go out together, so a few milliseconds of waiting buy most of a busy room's
throughput (docs/benchmarks.md).

The layer may drop a notice: the next notice of the room loads everything after the last
seq the hub delivered, and clients catch up from the database on a gap.
"""

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass, field

from channels.layers import get_channel_layer
from django.conf import settings

from messaging import access, events, prepared
from messaging.db import run_in_db
from messaging.models import Room, room_group_name

logger = logging.getLogger(__name__)

BATCH_LIMIT = 500
GROUP_REFRESH_SECONDS = 3600


@dataclass
class RoomState:
    meta: dict
    last_seq: int
    joined_at: float
    subscribers: dict = field(default_factory=dict)  # consumer -> user id


def _room_head(room_id) -> int:
    return Room.objects.filter(pk=room_id).values_list("head_seq", flat=True).first() or 0


def _load_batches(requests: list[tuple[dict, int, set[int]]]) -> list[tuple[list, set[int]]]:
    """For each (room meta, after, user ids): the rendered new events and who may read them.
    The queries of every room travel to the database together (one round trip)."""
    with prepared.together():
        later = [
            (
                access.users_with_access_later(meta, user_ids),
                events.events_after_later(meta["id"], after, BATCH_LIMIT),
            )
            for meta, after, user_ids in requests
        ]
        loaded = [(allowed(), rows()) for allowed, rows in later]
    return [
        ([(row.seq, events.event_frame(row)) for row in rows] if allowed else [], allowed)
        for allowed, rows in loaded
    ]


class RoomHub:
    def __init__(self, layer):
        self.layer = layer
        self.channel_name: str | None = None
        self.rooms: dict[str, RoomState] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._pending: dict[str, int] = {}
        self._receiver: asyncio.Task | None = None
        self._drainer: asyncio.Task | None = None

    # --- Local subscribers ---------------------------------------------------------------

    async def subscribe(self, consumer, meta: dict, user_id: int) -> None:
        """Register a local socket; the first one makes this process join the room's group."""
        room = str(meta["id"])
        async with self._lock(room):
            state = self.rooms.get(room)
            if state is None or time.monotonic() - state.joined_at > GROUP_REFRESH_SECONDS:
                await self._start()
                await self.layer.group_add(room_group_name(room), self.channel_name)
                if state is None:
                    # Read the head after joining: no notice can fall between the two.
                    head = await run_in_db(_room_head)(room)
                    state = self.rooms[room] = RoomState(meta, head, time.monotonic())
                state.joined_at = time.monotonic()
            state.subscribers[consumer] = user_id

    async def unsubscribe(self, consumer, room: str) -> None:
        async with self._lock(room):
            state = self.rooms.get(room)
            if state is None or state.subscribers.pop(consumer, None) is None:
                return
            if not state.subscribers:
                del self.rooms[room]
                await self.layer.group_discard(room_group_name(room), self.channel_name)
            if not self.rooms:
                self._stop()

    def _lock(self, room: str) -> asyncio.Lock:
        return self._locks.setdefault(room, asyncio.Lock())

    # --- Notices from the layer -------------------------------------------------------------

    async def _start(self) -> None:
        if self._receiver is None or self._receiver.done():
            # The default prefix: channels_redis reads every process-local channel through
            # one shared inbox per prefix, and a second prefix would wait behind the first.
            self.channel_name = await self.layer.new_channel()
            self._receiver = asyncio.ensure_future(self._receive())

    def _stop(self) -> None:
        if self._receiver is not None:
            self._receiver.cancel()
            self._receiver = None

    async def _receive(self) -> None:
        channel = self.channel_name
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub could not read from the channel layer")
                await asyncio.sleep(0.5)
                continue
            kind = message.get("type")
            if kind == "room.event":
                room, seq = str(message.get("room")), int(message.get("seq", 0))
                if seq > self._pending.get(room, 0):
                    self._pending[room] = seq
                if self._drainer is None or self._drainer.done():
                    self._drainer = asyncio.ensure_future(self._drain())
            elif kind == "room.typing":
                await self._typing(message)

    async def _drain(self) -> None:
        try:
            linger = settings.COUNTERPART_DELIVERY_LINGER_MS / 1000
            if linger > 0:
                await asyncio.sleep(linger)
            await self._drain_pending()
        except Exception:
            logger.exception("hub delivery failed; the next notice retries from the database")

    async def _drain_pending(self) -> None:
        while self._pending:
            pending, self._pending = self._pending, {}
            states = [
                (room, self.rooms[room])
                for room, seq in pending.items()
                if room in self.rooms and seq > self.rooms[room].last_seq
            ]
            if not states:
                continue
            requests = [
                (state.meta, state.last_seq, set(state.subscribers.values())) for _, state in states
            ]
            try:
                results = await run_in_db(_load_batches)(requests)
            except Exception:
                logger.exception("hub could not load room events")
                continue
            for (room, state), (frames, allowed), (_, after, _) in zip(
                states, results, requests, strict=True
            ):
                await self._deliver(room, state, after, frames, allowed)
                if len(frames) == BATCH_LIMIT:
                    self._pending[room] = max(self._pending.get(room, 0), frames[-1][0] + 1)

    async def _deliver(self, room, state: RoomState, after: int, frames, allowed) -> None:
        if frames and state.last_seq == after:
            state.last_seq = frames[-1][0]
        for consumer, user_id in list(state.subscribers.items()):
            try:
                if user_id not in allowed:
                    await self.unsubscribe(consumer, room)
                    await consumer.room_lost(room)
                    continue
                for seq, text in frames:
                    await consumer.deliver(room, seq, text)
            except Exception:
                # One broken socket must not stop delivery to the others.
                logger.exception("delivery to a socket failed; dropping its subscription")
                await self.unsubscribe(consumer, room)

    async def _typing(self, message: dict) -> None:
        state = self.rooms.get(str(message.get("room")))
        if state is None:
            return
        for consumer, user_id in list(state.subscribers.items()):
            if user_id != message.get("user"):
                try:
                    await consumer.deliver_typing(message)
                except Exception:
                    logger.exception("typing notice to a socket failed")


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub]" = weakref.WeakKeyDictionary()


def get_hub() -> RoomHub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = RoomHub(get_channel_layer())
    return hub
