"""One delivery hub per server process (per event loop).

The tutorial pattern — every consumer in the room's group, one layer message and one decode
per recipient — costs a channel-layer round trip per delivery. Here the process's hub channel
is the process's only listener for room events: while the process has a subscribed socket,
the hub is in the `room-events` group (messaging/realtime/broadcast.py). A database call that
commits events sends one notice, `{room: seq, ...}` for every room it wrote, whatever the number of
rooms, with the frames of the messages it stored and, for case and direct rooms, everyone
who could read the room when they were stored. Each hub keeps the rooms it has local
subscribers in. A room whose new frames all came with the notices, and whose local
subscribers are all among the readers they name, is delivered at once, without a database
call. For the other rooms the hub asks the database, per batch of notices and in one round
trip, who of the local subscribers may still read each room, and loads the new events whose
frames did not come with the notices (events other than new messages, a notice over its size
budget, a gap). Each frame's JSON text is rendered once and handed as it is to every local
socket of the room.

An event of a restricted thread (messaging/access.py) is loaded, never carried, and reaches
only the thread's readers; the room's other subscribers get its seq alone (`kind`
"restricted"), so that they see no gap. So does an event of an open thread for a participant
in a limited capacity (support, observer) who is not a named reader of it: the notices name
only those who read every open thread, so a room with such a subscriber is loaded.

Who may read a new message is therefore decided when it is stored, in the sending
transaction, or, where the notice names no readers, when it is delivered. A participant
removed from the room is no reader of any message numbered after the removal (the removal
is a room event, loaded and checked in order); a member suspended while a message is being
stored may still receive that one message, milliseconds after, while their sockets close
(messaging/realtime/consumer.py, within a second).

Notices that arrive while a load is under way are loaded together by the next one, and their
frames reach each socket in the same write; with group commit one notice already covers a
whole batch of sends. A hub may also linger `COUNTERPART_DELIVERY_LINGER_MS` after the first
notice of a quiet moment before it loads (default 0: measured, waiting cost more latency
than it saved work; docs/benchmarks.md).

The layer may drop a notice (a full inbox, a connection to Redis that drops): the next
notice of the room loads everything after the last seq the hub delivered, and every
RESYNC_SECONDS the hub reads the heads of its rooms and loads what no notice announced, so
that a message whose notice was lost in a room that then falls quiet still arrives. Clients
catch up from the database on a gap and after reconnecting. While the layer is unreachable
(messaging/realtime/outage.py) the hub neither fails its sockets' subscriptions nor retries on
its own: it reads the heads every DEGRADED_RESYNC_SECONDS, and once the layer is back joins
its group again and loads at once what its rooms missed.
"""

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass, field

from django.conf import settings

from messaging import access, events
from messaging.models import Room
from messaging.realtime import outage, prepared
from messaging.realtime.broadcast import ROOM_EVENTS_GROUP, common_readers, layer_for
from messaging.realtime.db import run_in_db
from network.operations import metrics

logger = logging.getLogger(__name__)

BATCH_LIMIT = 500
GROUP_REFRESH_SECONDS = 3600
RESYNC_SECONDS = 5.0


@dataclass
class RoomState:
    meta: dict
    last_seq: int
    subscribers: dict = field(default_factory=dict)  # consumer -> user id


@dataclass
class Carried:
    """What the notices of a room brought since the hub last delivered it: frames by seq, and
    the readers common to all of them (None: some notice named none)."""

    frames: dict = field(default_factory=dict)
    readers: set | None = None

    def add(self, frames: list, readers: list | None) -> None:
        self.readers = common_readers(self.readers, readers, first=not self.frames)
        self.frames.update(frames)


def _room_head(room_id) -> int:
    return _room_heads([room_id]).get(str(room_id), 0)


def _room_heads(room_ids: list[str]) -> dict[str, int]:
    rows = Room.objects.filter(pk__in=room_ids).values_list("pk", "head_seq")
    return {str(room): head for room, head in rows}


def _load_batches(
    requests: list[tuple[dict, int, int, set[int]]],
) -> tuple[list[tuple[list, set[int]]], bool]:
    """For each (room meta, after, upto, user ids): the rendered events after `after` up to
    `upto` (the seq of the room's last notice; none if `upto` is `after`: the hub has them)
    and who of the users may read them; and whether the load stopped at BATCH_LIMIT events
    (the rest is for the next load). Up to three queries for all the rooms (access to case
    and direct rooms, to network channels; events), sent to the database together (one
    round trip)."""
    wanted = [(meta["id"], after, upto) for meta, after, upto, _ in requests if upto > after]
    with prepared.together():
        allowed = access.users_with_access_in([(meta, users) for meta, _, _, users in requests])
        loaded = wanted and events.events_after_in(wanted, BATCH_LIMIT)
        allowed, loaded = allowed(), iter(loaded() if loaded else [])
    rows_of = [next(loaded) if upto > after else [] for _, after, upto, _ in requests]
    batches = [
        (_frames(rows, readers) if readers else Frames(), readers)
        for rows, readers in zip(rows_of, allowed, strict=True)
    ]
    return batches, sum(len(rows) for rows in rows_of) >= BATCH_LIMIT


class Frames(list):
    """Loaded frames, (seq, text) in order, with `hidden`: for the events of restricted
    threads among them, {seq: (who reads it, the frame the others get instead)}."""

    hidden: dict

    def __init__(self, frames=(), hidden=None):
        super().__init__(frames)
        self.hidden = hidden or {}


def _frames(rows, readers) -> Frames:
    # Who of the room's subscribers is in a limited capacity came with `readers`; a query
    # only if some event is of a restricted thread, or of an open one with such subscribers.
    limited = getattr(readers, "limited", set())
    only = access.restricted_readers(rows, {rows[0].room_id: limited} if rows else {})
    return Frames(
        [(row.seq, events.event_frame(row)) for row in rows],
        {row.seq: (only[row.seq], events.hidden_frame(row)) for row in rows if row.seq in only},
    )


class RoomHub:
    def __init__(self, layer):
        self.layer = layer
        self.channel_name: str | None = None
        self.joined_at = 0.0
        self.rooms: dict[str, RoomState] = {}
        self._joining: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._pending: dict[str, int] = {}
        self._carried: dict[str, Carried] = {}  # what came with the notices
        self._receiver: asyncio.Task | None = None
        self._resyncer: asyncio.Task | None = None
        self._drainer: asyncio.Task | None = None
        self._watched = False

    # --- Local subscribers ---------------------------------------------------------------

    async def subscribe(self, consumer, meta: dict, user_id: int) -> None:
        """Register a local socket; the first one makes this process listen for room events."""
        room = str(meta["id"])
        async with self._lock(room):
            state = self.rooms.get(room)
            if state is None:
                # Notices that come while the head is read are kept for the room (_receive):
                # none can fall between the two.
                self._joining.add(room)
                try:
                    await self._start()
                    head = await run_in_db(_room_head)(room)
                except BaseException:
                    self._joining.discard(room)
                    if not self.rooms and not self._joining:
                        await self._stop()
                    raise
                self._joining.discard(room)
                state = self.rooms[room] = RoomState(meta, head)
                if self._pending.get(room, 0) > head:
                    self._drain_soon()
            state.subscribers[consumer] = user_id

    async def unsubscribe(self, consumer, room: str) -> None:
        async with self._lock(room):
            state = self.rooms.get(room)
            if state is None or state.subscribers.pop(consumer, None) is None:
                return
            if not state.subscribers:
                del self.rooms[room]
                self._carried.pop(room, None)
            if not self.rooms and not self._joining:
                await self._stop()

    def _lock(self, room: str) -> asyncio.Lock:
        return self._locks.setdefault(room, asyncio.Lock())

    # --- Notices from the layer -------------------------------------------------------------

    async def _start(self) -> None:
        if self._receiver is None or self._receiver.done():
            # The default prefix: channels_redis reads every process-local channel through
            # one shared inbox per prefix, and a second prefix would wait behind the first.
            self.channel_name = await self.layer.new_channel()
            self._receiver = asyncio.ensure_future(self._receive())
            self._resyncer = asyncio.ensure_future(self._resync())
            self.joined_at = 0.0
        if not self._watched:
            self._watched = True
            outage.get_layer_watch().listeners.append(self._layer_restored)
        await self._stay_in_group()

    async def _stay_in_group(self) -> None:
        """Join the group, and join again within the layer's group expiry (a day). While the
        layer is unreachable the join waits for its return (_layer_restored); the rooms are
        loaded from the database meanwhile."""
        if time.monotonic() - self.joined_at > GROUP_REFRESH_SECONDS or not self.joined_at:
            try:
                await self.layer.group_add(ROOM_EVENTS_GROUP, self.channel_name)
            except Exception as exc:
                if not outage.note_layer_failure(exc):
                    raise
                return
            self.joined_at = time.monotonic()

    async def _layer_restored(self) -> None:
        """The layer is back: join the group again (a restarted Redis forgot it) and load
        whatever the rooms committed while notices could not come."""
        if self._receiver is None:
            return
        self.joined_at = 0.0
        await self._stay_in_group()
        await self._load_heads()

    async def _stop(self) -> None:
        if self._receiver is not None:
            self._receiver.cancel()
            self._receiver = None
            if self._resyncer is not None:
                self._resyncer.cancel()
                self._resyncer = None
            self._pending.clear()
            self._carried.clear()
            try:
                await self.layer.group_discard(ROOM_EVENTS_GROUP, self.channel_name)
            except Exception as exc:  # the group's expiry drops it
                outage.note_layer_failure(exc)

    async def _receive(self) -> None:
        channel = self.channel_name
        while True:
            try:
                message = await self.layer.receive(channel)
                kind = message.get("type")
                if kind == "room.events":
                    frames, readers = message.get("frames", {}), message.get("readers", {})
                    for room, seq in message.get("rooms", {}).items():
                        if room not in self.rooms and room not in self._joining:
                            continue
                        self._pending[room] = max(seq, self._pending.get(room, 0))
                        if room in frames:
                            carried = self._carried.setdefault(room, Carried())
                            carried.add(frames[room], readers.get(room))
                    self._drain_soon()
                elif kind == "room.typing":
                    await self._typing(message)
                await self._stay_in_group()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if outage.note_layer_failure(exc):
                    await outage.get_layer_watch().wait_restored()
                else:
                    logger.exception("hub could not read from the channel layer")
                    await asyncio.sleep(0.5)

    async def _resync(self) -> None:
        """Load what the layer did not announce: every RESYNC_SECONDS, the rooms whose head is
        past both what the hub delivered and what it was told (one query)."""
        watch = outage.get_layer_watch()
        while True:
            waited = 0.0
            while waited < RESYNC_SECONDS:
                step = outage.DEGRADED_RESYNC_SECONDS if watch.degraded else RESYNC_SECONDS
                await asyncio.sleep(step)
                waited += step
                if watch.degraded:
                    break
            try:
                await self._load_heads()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                level = logging.WARNING if outage.is_database_outage(exc) else logging.ERROR
                logger.log(level, "hub could not read the heads of its rooms: %r", exc)

    async def _load_heads(self) -> None:
        if not self.rooms:
            return
        heads = await run_in_db(_room_heads)(list(self.rooms))
        for room, head in heads.items():
            state = self.rooms.get(room)
            if state is not None and head > max(state.last_seq, self._pending.get(room, 0)):
                self._pending[room] = head
        self._drain_soon()

    def _drain_soon(self) -> None:
        if self._pending and (self._drainer is None or self._drainer.done()):
            self._drainer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        try:
            linger = settings.COUNTERPART_DELIVERY_LINGER_MS / 1000
            if linger > 0:
                await asyncio.sleep(linger)
            await self._drain_pending()
        except Exception:
            logger.exception("hub delivery failed; the next notice retries from the database")

    async def _drain_pending(self) -> None:
        # A room still being joined keeps its notice until subscribe has read its head.
        while any(room not in self._joining for room in self._pending):
            pending = {r: s for r, s in self._pending.items() if r not in self._joining}
            self._pending = {r: s for r, s in self._pending.items() if r in self._joining}
            states = [
                (room, self.rooms[room])
                for room, seq in pending.items()
                if room in self.rooms and seq > self.rooms[room].last_seq
            ]
            for room in pending.keys() - {room for room, _ in states}:
                self._carried.pop(room, None)  # delivered already, or no longer subscribed
            at_hand = {
                room: self._frames_at_hand(room, state, pending[room]) for room, state in states
            }
            # Each room with the sockets it is for now: one that subscribes meanwhile caught
            # up from the database after these events were committed.
            targets = {room: list(state.subscribers.items()) for room, state in states}
            loads = []
            for room, state in states:
                frames, readers = at_hand[room] or (None, None)
                if readers is not None and all(user in readers for _, user in targets[room]):
                    await self._deliver(room, state, state.last_seq, frames, readers, targets[room])
                else:
                    loads.append((room, state))
            if not loads:
                continue
            requests = [
                (
                    state.meta,
                    state.last_seq,
                    state.last_seq if at_hand[room] else pending[room],
                    {user for _, user in targets[room]},
                )
                for room, state in loads
            ]
            try:
                results, truncated = await run_in_db(_load_batches)(requests)
            except Exception:
                logger.exception("hub could not load room events")
                continue
            for (room, state), (frames, allowed), (_, after, _, _) in zip(
                loads, results, requests, strict=True
            ):
                # Frames that came with notices are never of a restricted thread (posting
                # carries none of those): only loaded ones may be hidden. Notices name those
                # who read every open thread: a subscriber in a limited capacity (support,
                # observer) gets the room's frames loaded (the notices' frames are spent, so
                # the next load reads them from the database).
                if at_hand[room] and getattr(allowed, "limited", None):
                    self._pending[room] = max(self._pending.get(room, 0), pending[room])
                    self._drain_soon()
                    continue
                frames = at_hand[room][0] if at_hand[room] else frames
                await self._deliver(room, state, after, frames, allowed, targets[room])
                if truncated and state.last_seq < pending[room]:
                    # The load stopped at BATCH_LIMIT events: the rest comes in the next.
                    self._pending[room] = max(self._pending.get(room, 0), pending[room])

    def _frames_at_hand(self, room: str, state: RoomState, upto: int) -> tuple | None:
        """(frames, readers): the frames that came with the notices for the room's seqs after
        its last delivered one up to `upto`, if they cover them all, and the readers the
        notices named (or None); else None (they are loaded). Either way what the room's
        notices brought is spent."""
        carried = self._carried.pop(room, Carried())
        seqs = range(state.last_seq + 1, upto + 1)
        if not seqs or any(seq not in carried.frames for seq in seqs):
            return None
        return [(seq, carried.frames[seq]) for seq in seqs], carried.readers

    async def _deliver(
        self, room, state: RoomState, after: int, frames, allowed, targets: list
    ) -> None:
        hidden = getattr(frames, "hidden", None)
        metrics.delivered(frames)
        if frames and state.last_seq == after:
            state.last_seq = frames[-1][0]
        for consumer, user_id in targets:
            if state.subscribers.get(consumer) != user_id or self.rooms.get(room) is not state:
                continue  # unsubscribed meanwhile
            try:
                if user_id not in allowed:
                    await self.unsubscribe(consumer, room)
                    await consumer.room_lost(room)
                    continue
                for seq, text in frames:
                    if hidden and seq in hidden and user_id not in hidden[seq][0]:
                        text = hidden[seq][1]
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
        hub = _hubs[loop] = RoomHub(layer_for(ROOM_EVENTS_GROUP))
    return hub
