"""The WebSocket of docs/protocol.md: one socket per client, multiplexing rooms.

Thin over the actions: authenticate in `connect`, validate each frame, hand writes to
messaging.actions in small `run_in_db` helpers (each closes old connections),
answer with the protocol's frames. Live room events arrive from the process hub
(messaging/realtime/hub.py) as ready-made JSON text.
"""

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.sessions import InstanceSessionWrapper

from messaging import access, actions, events, posting
from messaging.errors import MessagingError
from messaging.models import Room
from messaging.realtime import broadcast
from messaging.realtime.db import run_in_db
from messaging.realtime.hub import get_hub
from messaging.realtime.send_queue import Busy, get_send_queue
from network import membership
from network.accounts import sessions
from network.accounts.sessions import LAST_SEEN_KEY, is_two_factor_verified

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 64 * 1024
CATCH_UP_DEFAULT = 200
RATE_CAPACITY = 40
RATE_PER_SECOND = 20.0
RATE_STRIKES_BEFORE_CLOSE = 50
ACTIVITY_SAVE_SECONDS = 60

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_FLOOD = 4429


@dataclass
class Subscription:
    meta: dict
    delivered: int = 0
    catching_up: bool = False
    buffer: list = field(default_factory=list)


class TokenBucket:
    def __init__(self, capacity: int, rate: float):
        self.capacity, self.rate = capacity, rate
        self.tokens, self.stamp = float(capacity), time.monotonic()

    def take(self) -> float:
        """0 when a frame may pass; else the seconds to wait for the next token."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class FrameError(Exception):
    def __init__(self, code: str, message: str, *, retry: float | None = None):
        super().__init__(message)
        self.code, self.message, self.retry = code, message, retry


# --- Database helpers (sync; each runs in database_sync_to_async) ------------------------------


def _room_meta(room: Room) -> dict:
    return {"id": str(room.pk), "kind": room.kind, "network_id": room.network_id}


def _readable_meta(user, room_id) -> dict:
    return _room_meta(access.get_room_for_member(user, room_id))


def _catch_up(user, room_id, after: int | None, limit: int) -> tuple[list, int]:
    """(rendered events after `after`, head); access re-checked in the same call."""
    room = access.get_room_for_member(user, room_id)
    if after is None:
        return [], room.head_seq
    if after > room.head_seq:
        raise FrameError("invalid_field", "after is beyond the room's last seq")
    rows = events.events_after(room.pk, after, limit, upto=room.head_seq)
    return [(row.seq, events.event_frame(row)) for row in rows], room.head_seq


def _mark_read(user, room_id, seq) -> int:
    return actions.mark_read(room=access.get_room_for_member(user, room_id), user=user, seq=seq)


def _still_readable(user, room_ids: list[str]) -> tuple[set[str], bool]:
    rooms = access.readable_rooms(user).filter(pk__in=room_ids).values_list("pk", flat=True)
    return {str(pk) for pk in rooms}, membership.is_active_anywhere(user)


def _active_anywhere(user) -> bool:
    return membership.is_active_anywhere(user)


# --- The consumer ------------------------------------------------------------------------------


class RoomsConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message):
        """Channels' dispatch without its `close_old_connections` before every frame (a
        thread hop each): this consumer touches the database only through `run_in_db`,
        which closes connections around each call itself (messaging/realtime/db.py)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        await handler(message)

    def _event_sender(self):
        """Where live events are written: the server's own `send`, past Channels' session
        wrapper. That wrapper saves the session only with an HTTP response; for a WebSocket
        frame it merely inspects the lazy session object, which cost a tenth of the event
        loop's time when a room's events reach many sockets (docs/benchmarks.md)."""
        wrapper = getattr(self.base_send, "__self__", None)
        if isinstance(wrapper, InstanceSessionWrapper):
            return wrapper.real_send
        return self.base_send

    async def connect(self):
        self.user = self.scope.get("user")
        self.send_event = self._event_sender()
        self.subscriptions: dict[str, Subscription] = {}
        self.bucket = TokenBucket(RATE_CAPACITY, RATE_PER_SECOND)
        self.strikes = 0
        self.groups_joined: list[str] = []
        session = self.scope.get("session")
        await self.accept()
        if (
            self.user is None
            or not self.user.is_authenticated
            or session is None
            or not is_two_factor_verified(session)
            or sessions.is_idle(session)
        ):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await run_in_db(_active_anywhere)(self.user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        for group in (
            broadcast.member_group_name(self.user.pk),
            broadcast.session_group_name(session.session_key or ""),
        ):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        # A socket must not outlive its session (Daphne keeps sockets for up to 24 hours),
        # nor its session's inactivity limit.
        self.expiry = asyncio.get_running_loop().call_later(
            max(0.0, session.get_expiry_age()),
            lambda: asyncio.ensure_future(self._close(CLOSE_UNAUTHENTICATED)),
        )
        self.active_at = self.activity_saved_at = session.get(LAST_SEEN_KEY) or time.time()
        self._watch_idleness(sessions.idle_deadline_after(self.active_at))
        await self._send({"type": "hello", "protocol": PROTOCOL_VERSION, "user": self.user.pk})

    async def disconnect(self, code):
        for timer in (getattr(self, "expiry", None), getattr(self, "idle_timer", None)):
            if timer is not None:
                timer.cancel()
        await self._leave_everything()

    # --- Inactivity ------------------------------------------------------------------------

    def _watch_idleness(self, deadline: float) -> None:
        self.idle_timer = asyncio.get_running_loop().call_later(
            max(0.0, deadline - time.time()), lambda: asyncio.ensure_future(self._idle_check())
        )

    async def _idle_check(self) -> None:
        """At the inactivity deadline: close, unless the member was active meanwhile, on this
        socket or anywhere else in the session (another tab's requests)."""
        deadline = sessions.idle_deadline_after(self.active_at)
        if time.time() > deadline:
            stored = await run_in_db(sessions.last_activity)(self.scope["session"].session_key)
            if stored is None:
                await self._close(CLOSE_UNAUTHENTICATED)
                return
            deadline = sessions.idle_deadline_after(max(self.active_at, stored))
            if time.time() > deadline:
                await self._close(CLOSE_UNAUTHENTICATED)
                return
        self._watch_idleness(deadline)

    async def _note_activity(self) -> bool:
        """A frame of the member's own: activity of the session, stored at most once a
        minute (the pages' idle check reads it). False, and the socket closed, if the
        session has ended."""
        self.active_at = now = time.time()
        if now - self.activity_saved_at >= ACTIVITY_SAVE_SECONDS:
            self.activity_saved_at = now
            key = self.scope["session"].session_key
            if not await run_in_db(sessions.record_activity)(key, now):
                await self._close(CLOSE_UNAUTHENTICATED)
                return False
        return True

    async def _leave_everything(self) -> None:
        hub = get_hub()
        for room in list(getattr(self, "subscriptions", {})):
            await hub.unsubscribe(self, room)
        self.subscriptions = {}
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def _close(self, code: int) -> None:
        await self._leave_everything()
        await self.close(code=code)

    # --- Inbound frames --------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        ref = frame = None
        try:
            wait = self.bucket.take()
            if wait:
                self.strikes += 1
                if self.strikes > RATE_STRIKES_BEFORE_CLOSE:
                    await self._close(CLOSE_FLOOD)
                    return
                await self._send(
                    {
                        "type": "error",
                        "code": "rate_limited",
                        "message": "too many frames; wait before sending again",
                        "retry_after": max(0.001, round(wait, 3)),
                        "ref": None,
                    }
                )
                return
            self.strikes = 0
            frame = _parse(text_data, bytes_data)
            ref = frame.get("type") if isinstance(frame.get("type"), str) else None
            handler = self.HANDLERS.get(frame.get("type"))
            if handler is None:
                raise FrameError("unknown_type", "type is missing or not a frame type of v1")
            if frame["type"] == "send" and isinstance(frame.get("client_id"), str):
                ref = frame["client_id"]
            # The page's heartbeat is not the member's activity.
            if frame["type"] != "ping" and not await self._note_activity():
                return
            await handler(self, frame)
        except FrameError as error:
            await self._error(error.code, error.message, ref, retry_after=error.retry)
        except MessagingError as error:
            await self._error(error.code, error.message, ref)
        except access.UnknownRoom:
            await self._error("unknown_room", "no such room", ref)
            room = frame.get("room") if isinstance(frame, dict) else None
            if isinstance(room, str) and _is_uuid(room):
                await self.room_lost(str(uuid.UUID(room)))  # the notice may have been lost

    async def _subscribe(self, frame: dict) -> None:
        room_id = _room_field(frame)
        after = _optional_seq(frame, "after")
        meta = await run_in_db(_readable_meta)(self.user, room_id)
        room = meta["id"]
        subscription = self.subscriptions.get(room)
        if subscription is None:
            subscription = self.subscriptions[room] = Subscription(meta, catching_up=True)
            await get_hub().subscribe(self, meta, self.user.pk)
        await self._catch_up(room, after, CATCH_UP_DEFAULT, subscribed=True)

    async def _unsubscribe(self, frame: dict) -> None:
        room = self._subscribed(frame)
        self.subscriptions.pop(room, None)
        await get_hub().unsubscribe(self, room)
        await self._send({"type": "unsubscribed", "room": room})

    async def _catch_up_frame(self, frame: dict) -> None:
        room = self._subscribed(frame)
        after = _optional_seq(frame, "after")
        if after is None:
            raise FrameError("missing_field", "after is required")
        limit = frame.get("limit", CATCH_UP_DEFAULT)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 500:
            raise FrameError("invalid_field", "limit must be an integer from 1 to 500")
        await self._catch_up(room, after, limit)

    async def _catch_up(self, room: str, after, limit: int, *, subscribed: bool = False) -> None:
        subscription = self.subscriptions[room]
        subscription.catching_up = True
        try:
            try:
                frames, head = await run_in_db(_catch_up)(self.user, room, after, limit)
            except (access.UnknownRoom, FrameError):
                if subscribed and not subscription.delivered:
                    self.subscriptions.pop(room, None)
                    await get_hub().unsubscribe(self, room)
                raise
            if subscribed:
                await self._send({"type": "subscribed", "room": room, "head": head})
            for _, text in frames:
                await self.send(text_data=text)
            subscription.delivered = frames[-1][0] if frames else (head if after is None else after)
            more = subscription.delivered < head
            await self._send({"type": "caught_up", "room": room, "head": head, "more": more})
        finally:
            subscription.catching_up = False
            buffered, subscription.buffer = subscription.buffer, []
        for seq, text in sorted(buffered):
            await self.deliver(room, seq, text)

    async def _send_message(self, frame: dict) -> None:
        room = _room_field(frame)
        try:
            result = await get_send_queue().post(
                room, posting.SendRequest.from_payload(self.user, frame)
            )
        except Busy as busy:
            raise FrameError(
                "rate_limited", "the server is busy; wait a moment and send again", retry=0.5
            ) from busy
        await self._send({"type": "ack", **result.receipt()})

    async def _typing(self, frame: dict) -> None:
        room = self._subscribed(frame)
        thread = frame.get("thread")
        if not isinstance(thread, str) or not _is_uuid(thread):
            raise FrameError("invalid_field", "thread must be a thread id")
        await run_in_db(_readable_meta)(self.user, room)
        await broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP).group_send(
            broadcast.ROOM_EVENTS_GROUP,
            broadcast.typing(room, thread_id=thread, user_id=self.user.pk),
        )

    async def _read(self, frame: dict) -> None:
        room = _room_field(frame)
        seq = _optional_seq(frame, "seq")
        if seq is None:
            raise FrameError("missing_field", "seq is required")
        marker = await run_in_db(_mark_read)(self.user, room, seq)
        await self._send({"type": "read_ok", "room": room, "seq": marker})

    async def _ping(self, frame: dict) -> None:
        nonce = frame.get("nonce")
        if nonce is not None and (not isinstance(nonce, str | int) or len(str(nonce)) > 100):
            raise FrameError("invalid_field", "nonce must be a short string or integer")
        await self._send({"type": "pong", "nonce": nonce})

    HANDLERS = {
        "subscribe": _subscribe,
        "unsubscribe": _unsubscribe,
        "catch_up": _catch_up_frame,
        "send": _send_message,
        "typing": _typing,
        "read": _read,
        "ping": _ping,
    }

    def _subscribed(self, frame: dict) -> str:
        room = _room_field(frame)
        key = str(uuid.UUID(room)) if _is_uuid(room) else room
        if key not in self.subscriptions:
            raise FrameError("not_subscribed", "subscribe to the room first")
        return key

    # --- From the hub and the layer --------------------------------------------------------

    async def deliver(self, room: str, seq: int, text: str) -> None:
        """A live event from the hub: sent in order, once; held back while catching up."""
        subscription = self.subscriptions.get(room)
        if subscription is None:
            return
        if subscription.catching_up:
            subscription.buffer.append((seq, text))
            return
        if seq != subscription.delivered + 1:
            return  # a duplicate, or a gap the client closes with catch_up
        subscription.delivered = seq
        await self.send_event({"type": "websocket.send", "text": text})

    async def deliver_typing(self, message: dict) -> None:
        if message.get("room") in self.subscriptions:
            await self._send(
                {
                    "type": "typing",
                    "room": message["room"],
                    "thread": message.get("thread"),
                    "user": message.get("user"),
                }
            )

    async def room_lost(self, room: str) -> None:
        if self.subscriptions.pop(room, None) is not None:
            await get_hub().unsubscribe(self, room)
            await self._send({"type": "room_closed", "room": room, "reason": "access_ended"})

    async def member_access_changed(self, message: dict) -> None:
        if message.get("account_disabled"):
            await self._close(CLOSE_FORBIDDEN)
            return
        readable, active = await run_in_db(_still_readable)(self.user, list(self.subscriptions))
        for room in [room for room in self.subscriptions if room not in readable]:
            await self.room_lost(room)
        if not active:
            await self._close(CLOSE_FORBIDDEN)

    async def member_sessions_ended(self, message: dict) -> None:
        await self._close(CLOSE_UNAUTHENTICATED)

    async def member_notification(self, message: dict) -> None:
        """A stored notice for this member (messaging/translations/notifications.py)."""
        await self._send(
            {
                "type": "notification",
                "notification": message.get("notification"),
                "kind": message.get("kind"),
            }
        )

    # --- Outbound --------------------------------------------------------------------------

    async def _send(self, frame: dict) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":"), ensure_ascii=False))

    async def _error(self, code: str, message: str, ref, *, retry_after=None) -> None:
        frame = {"type": "error", "code": code, "message": message, "ref": ref}
        if retry_after is not None:
            frame["retry_after"] = retry_after
        await self._send(frame)


# --- Frame validation ----------------------------------------------------------------------------


def _parse(text_data, bytes_data) -> dict:
    if text_data is None:
        if bytes_data is not None and len(bytes_data) > MAX_FRAME_BYTES:
            raise FrameError("frame_too_large", "frames are at most 64 KiB")
        raise FrameError("binary_refused", "binary frames are not part of the protocol")
    if len(text_data) > MAX_FRAME_BYTES or len(text_data.encode("utf-8", "replace")) > (
        MAX_FRAME_BYTES
    ):
        raise FrameError("frame_too_large", "frames are at most 64 KiB")
    try:
        frame = json.loads(text_data)
    except ValueError as exc:
        raise FrameError("bad_json", "the frame is not valid JSON") from exc
    if not isinstance(frame, dict):
        raise FrameError("bad_json", "a frame is a JSON object")
    try:
        json.dumps(frame, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FrameError("bad_json", "the frame holds text that is not valid UTF-8") from exc
    return frame


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _room_field(frame: dict) -> str:
    room = frame.get("room")
    if room is None:
        raise FrameError("missing_field", "room is required")
    if not isinstance(room, str):
        raise FrameError("invalid_field", "room must be a room id")
    if not _is_uuid(room):
        raise FrameError("unknown_room", "no such room")
    return str(uuid.UUID(room))


def _optional_seq(frame: dict, name: str) -> int | None:
    value = frame.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError("invalid_field", f"{name} must be a non-negative integer")
    return value
