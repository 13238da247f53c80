"""Notices on the channel layer, sent after commit.

- `room-events`: `{type: room.events, rooms: {room id: seq}, frames: {room id: [[seq, text],
  …]}, readers: {room id: [user id, …]}}` — the last seq of each room that a database call
  committed, one notice per call whatever the number of rooms; every process hub is in this
  group and delivers the new events of the rooms it has subscribers in (messaging/realtime/hub.py).
  `frames`, when present, are the rendered `event` frames of the messages the call stored
  (the writer has them at hand): a hub delivers them as they are when they continue its room
  without a gap, and loads the events from the database otherwise. They are the only content
  a notice carries, bounded by FRAMES_MAX_CHARS per notice, and like all layer traffic
  encrypted with the layer's `symmetric_encryption_keys` (network/settings.py). `readers`,
  for rooms with frames, are everyone who could read the room when the messages were
  stored (case and direct rooms, up to READERS_MAX_PER_ROOM): a hub whose local sockets of
  the room are all theirs delivers without asking the database. Typing indicators
  (`room.typing`) travel the same way. With Redis this group has a layer of its own, Redis
  pub/sub (`layer_for`, network/settings.py).
- `member.<user id>`: access changed for this member (membership, removal from a room,
  account disabled, every session ended).
- `session.<digest>`: one session ended; the digest hides the session key.

The layer delivers at most once; a lost notice is made up by the database (hubs read their
rooms' heads every few seconds, clients catch up on a gap, and every inbound frame re-checks
access).
"""

import asyncio
import contextlib
import contextvars
import hashlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from messaging.realtime.outage import note_layer_failure

logger = logging.getLogger(__name__)

# Set while a database call of the consumers runs (messaging/realtime/db.py): notices are kept
# here and sent from the event loop after the call, instead of blocking the database thread.
_collected: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "counterpart_notices", default=None
)


# Every process hub is in this group: one notice reaches every process, whatever the rooms.
ROOM_EVENTS_GROUP = "room-events"
# Rendered frames one notice may carry, in characters; the rooms past it carry their seq only
# and are loaded from the database by the hubs.
FRAMES_MAX_CHARS = 256 * 1024
# Readers one notice may name for a room; a room with more carries none, and the hubs ask the
# database who of their local subscribers may read it.
READERS_MAX_PER_ROOM = 1000


def common_readers(known: set | None, named, *, first: bool) -> set | None:
    """The readers common to a room's notices so far (`known`, unless this is the `first`)
    and one more that names `named` (None: it names none, and neither does the result)."""
    if named is None:
        return None
    if first:
        return set(named)
    return None if known is None else known & set(named)


def layer_for(group: str):
    """The channel layer of a group's notices: room events travel on the `room-events` layer
    where one is configured (Redis pub/sub, network/settings.py), the rest on the default."""
    if group == ROOM_EVENTS_GROUP and ROOM_EVENTS_GROUP in settings.CHANNEL_LAYERS:
        return get_channel_layer(ROOM_EVENTS_GROUP)
    return get_channel_layer()


def member_group_name(user_id: int) -> str:
    return f"member.{int(user_id)}"


def session_group_name(session_key: str) -> str:
    return "session." + hashlib.sha256(f"cp-session|{session_key}".encode()).hexdigest()[:32]


@contextlib.contextmanager
def collect_notices():
    """Collect the notices sent inside the block (after commit) instead of sending them."""
    notices: list[tuple[str, dict]] = []
    token = _collected.set(notices)
    try:
        yield notices
    finally:
        _collected.reset(token)


async def send_notices(notices: list[tuple[str, dict]]) -> None:
    """Send collected notices, in order, from the event loop; the room events of every room
    as one notice, where the first of them was."""
    if not notices:
        return
    for group, message in _merged(notices):
        layer = layer_for(group)
        if layer is None:
            continue
        try:
            await layer.group_send(group, message)
        except Exception as exc:  # the commit stands; clients catch up from the database
            if not note_layer_failure(exc):
                logger.exception("channel layer notice to %s failed", group)


def _merged(notices: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The notices, those of room events merged into one where the first of them was. A
    room's frames from several notices keep the readers common to all of them, or none if
    one of them named none."""
    merged, rooms, frames, readers = [], {}, {}, {}
    for group, message in notices:
        if message["type"] != "room.events":
            merged.append((group, message))
            continue
        if not rooms:
            merged.append((group, {"type": "room.events", "rooms": rooms}))
        for room, seq in message["rooms"].items():
            rooms[room] = max(seq, rooms.get(room, 0))
        for room, room_frames in message.get("frames", {}).items():
            named = message.get("readers", {}).get(room)
            readers[room] = common_readers(readers.get(room), named, first=room not in frames)
            frames.setdefault(room, []).extend(room_frames)
    frames = _within_budget(frames)
    readers = {
        room: sorted(readers[room])
        for room in frames
        if readers[room] is not None and len(readers[room]) <= READERS_MAX_PER_ROOM
    }
    if frames:
        for _, message in merged:
            if message["type"] == "room.events":
                message["frames"] = frames
                if readers:
                    message["readers"] = readers
    return merged


def _within_budget(frames: dict[str, list]) -> dict[str, list]:
    """The rooms' frames, whole rooms at a time, up to FRAMES_MAX_CHARS in all."""
    kept, used = {}, 0
    for room, room_frames in frames.items():
        size = sum(len(text) for _, text in room_frames)
        if room_frames and used + size <= FRAMES_MAX_CHARS:
            kept[room], used = room_frames, used + size
    return kept


def _send(group: str, message: dict) -> None:
    collected = _collected.get()
    if collected is not None:
        collected.append((group, message))
        return
    layer = layer_for(group)
    if layer is None:
        return
    ((group, message),) = _merged([(group, message)])
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:  # the commit stands; clients catch up from the database
            logger.exception("channel layer notice to %s failed", group)
        return
    task = asyncio.ensure_future(layer.group_send(group, message))
    task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("channel layer notice failed: %r", task.exception())


def room_event(
    room_id,
    seq: int,
    frames: list[tuple[int, str]] | None = None,
    *,
    readers: set[int] | None = None,
) -> None:
    """Room `room_id` has committed events up to `seq`; `frames` are the `event` frames of
    some of them, (seq, text) in order up to `seq`, and `readers` everyone who could read the
    room when they were stored."""
    room = str(room_id)
    message = {
        "type": "room.events",
        "rooms": {room: seq},
        "frames": {room: [list(frame) for frame in frames or ()]},
    }
    if readers is not None:
        message["readers"] = {room: sorted(readers)}
    _send(ROOM_EVENTS_GROUP, message)


def typing(room_id, *, thread_id: str, user_id: int) -> dict:
    return {
        "type": "room.typing",
        "room": str(room_id),
        "thread": thread_id,
        "user": user_id,
    }


def member_access_changed(user_id: int, *, room_id=None, account_disabled: bool = False) -> None:
    _send(
        member_group_name(user_id),
        {
            "type": "member.access_changed",
            "room": str(room_id) if room_id else None,
            "account_disabled": account_disabled,
        },
    )


def member_notification(user_id: int, notification_id: int, kind: str) -> None:
    """A notice (messaging/translations/notifications.py) was stored for this member."""
    _send(
        member_group_name(user_id),
        {"type": "member.notification", "notification": notification_id, "kind": kind},
    )


def sessions_ended(user_id: int, session_keys: list[str]) -> None:
    if not session_keys:
        _send(member_group_name(user_id), {"type": "member.sessions_ended"})
        return
    for key in session_keys:
        _send(session_group_name(key), {"type": "member.sessions_ended"})
