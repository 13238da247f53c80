"""The WebSocket of docs/protocol.md: one socket per client, multiplexing rooms.

`connect` authenticates and authorises; `receive` checks each frame against the protocol
(messaging/realtime/protocol.py) and routes it to the one handler of its type, which calls
the access getters and actions (through `run_in_db`, messaging/realtime/room_calls.py) or the
send queue; every refusal becomes an `error` frame in `receive`, and the socket stays open.
Live room events arrive from the process hub (messaging/realtime/hub.py) as ready-made JSON
text. The socket leaves its groups and the hub whatever ends it (`__call__`).

Outages (messaging/realtime/outage.py): while the channel layer is unreachable the socket
stays open, is told `service_degraded`, and waits for the layer with the rest of the process;
while the database is unreachable a handshake is refused with HTTP 503 and a `send` is
answered `unavailable` within SEND_WAIT_SECONDS, never acknowledged unless stored. A process
that stops (messaging/realtime/server.py) first lets the sends in progress finish and
acknowledges them (`lifecycle`).
"""

import asyncio
import json
import logging
import random
from dataclasses import dataclass, field

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper
from channels.utils import await_many_dispatch

from messaging import access, posting
from messaging.errors import MessagingError
from messaging.realtime import broadcast, lifecycle, outage, protocol, room_calls
from messaging.realtime.db import run_in_db
from messaging.realtime.flood import FrameBudget
from messaging.realtime.hub import get_hub
from messaging.realtime.protocol import ProtocolError
from messaging.realtime.send_queue import Busy, get_send_queue
from messaging.realtime.session_watch import SessionWatch
from network.accounts import sessions
from network.accounts.sessions import is_two_factor_verified
from network.operations import metrics

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_FLOOD = 4429
# A send not stored within this many seconds (the database unreachable or stalled) is answered
# `unavailable`; the client resends it with the same client_id.
SEND_WAIT_SECONDS = 2.0
# While the channel layer is away, how often a socket re-checks its session and access in the
# database: the notices that would end them cannot come.
DEGRADED_RECHECK_SECONDS = 10.0


@dataclass
class Subscription:
    meta: dict
    delivered: int = 0
    catching_up: bool = False
    buffer: list = field(default_factory=list)


class RoomsConsumer(AsyncWebsocketConsumer):
    subscriptions: dict[str, Subscription]
    groups_joined: list[str]
    watch: SessionWatch | None = None
    _closing = False

    async def __call__(self, scope, receive, send):
        """Channels' entry point, with the clean-up in a `finally`: Channels calls
        `disconnect` only for a `websocket.disconnect` message, not when `connect` or a
        handler raised, nor when the server cancels the instance; the channel then stayed
        in its groups and the hub kept the socket."""
        self.subscriptions, self.groups_joined, self.groups_missing = {}, [], set()
        self.scope, self.base_send = scope, send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        try:
            await await_many_dispatch([receive, self._from_layer], self.dispatch)
        except StopConsumer:
            pass
        finally:
            await self._leave_everything()

    async def _from_layer(self):
        """The next message of this socket's channel. While the layer is unreachable, this
        waits for the process's probe to find it back instead of failing the socket."""
        watch = outage.get_layer_watch()
        while True:
            try:
                return await self.channel_layer.receive(self.channel_name)
            except Exception as exc:
                if not outage.note_layer_failure(exc):
                    raise
                await watch.wait_restored()

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
        self.budget = FrameBudget()
        session = self.scope.get("session")
        signed_in = not (
            self.user is None
            or not self.user.is_authenticated
            or session is None
            or not is_two_factor_verified(session)
            or sessions.is_idle(session)
        )
        # Before the handshake completes: the database unreachable is an HTTP 503
        # (outage.DenyWhileDatabaseAway), not an accepted socket closed a moment later.
        active = signed_in and await run_in_db(room_calls.active_anywhere)(self.user)
        await self.accept()
        if not signed_in:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not active:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        layer_watch = outage.get_layer_watch()
        layer_watch.sockets.add(self)
        for group in (
            broadcast.member_group_name(self.user.pk),
            broadcast.session_group_name(session.session_key or ""),
        ):
            self.groups_joined.append(group)  # before the await: left even if it fails
            await self._join(group)
        self.watch = SessionWatch(session, lambda: self._close(CLOSE_UNAUTHENTICATED))
        await self._send(
            {"type": "hello", "protocol": protocol.PROTOCOL_VERSION, "user": self.user.pk}
        )
        if layer_watch.degraded:
            await self.layer_degraded(layer_watch.retry_after)

    async def _join(self, group: str) -> None:
        """Join a group; while the layer is unreachable, join it once it is back."""
        try:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_missing.discard(group)
        except Exception as exc:
            if not outage.note_layer_failure(exc):
                raise
            self.groups_missing.add(group)

    async def disconnect(self, code):
        await self._leave_everything()

    async def _leave_everything(self) -> None:
        """Idempotent: runs at disconnect, at a close of the server's and in `__call__`."""
        if self.watch is not None:
            self.watch.stop()
        outage.get_layer_watch().sockets.discard(self)
        self.groups_missing.clear()
        hub = get_hub()
        subscriptions, self.subscriptions = self.subscriptions, {}
        for room in subscriptions:
            await hub.unsubscribe(self, room)
        groups, self.groups_joined = self.groups_joined, []
        for group in groups:
            await outage.leave_group(self.channel_layer, group, self.channel_name)

    async def _close(self, code: int) -> None:
        self._closing = True
        await self._leave_everything()
        await self.close(code=code)

    # --- Inbound frames --------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        wait = self.budget.admit()
        if wait:
            if self.budget.exhausted:
                await self._close(CLOSE_FLOOD)
                return
            await self._refuse(
                ProtocolError(
                    "rate_limited",
                    "too many frames; wait before sending again",
                    retry_after=wait,
                ),
                None,
            )
            return
        if self.watch is None:
            return  # a socket refused in `connect`, being closed
        frame = None
        try:
            frame = protocol.validate(text_data, bytes_data)
            metrics.frame_in(frame["type"])
            # The page's heartbeat is not the member's activity.
            if frame["type"] != "ping" and not await self.watch.note_activity():
                return
            await self.HANDLERS[frame["type"]](self, frame)
        except MessagingError as error:
            await self._refuse(error, getattr(error, "ref", None) if frame is None else frame)
        except access.UnknownRoom:
            await self._refuse(MessagingError("unknown_room", "no such room", field="room"), frame)
            if frame.get("room"):
                await self.room_lost(frame["room"])  # the notice may have been lost
        except Exception as exc:
            # A fault of the server's (the database or the channel layer unreachable, a bug):
            # logged without the frame's content; the socket stays open.
            kind = frame["type"] if frame else "unchecked"
            if outage.is_database_outage(exc):
                logger.warning("a %s frame failed: the database is unreachable", kind)
                await self._refuse(_unavailable(), frame)
                return
            logger.error("a %s frame failed: %s", kind, type(exc).__name__)
            await self._refuse(
                ProtocolError(
                    "server_error", "the server could not handle this frame", retry_after=1.0
                ),
                frame,
            )

    async def _subscribe(self, frame: dict) -> None:
        meta = await run_in_db(room_calls.readable_meta)(self.user, frame["room"])
        room = meta["id"]
        subscription = self.subscriptions.get(room)
        if subscription is None:
            subscription = self.subscriptions[room] = Subscription(meta, catching_up=True)
            await get_hub().subscribe(self, meta, self.user.pk)
        await self._catch_up(room, frame["after"], protocol.CATCH_UP_DEFAULT, subscribed=True)

    async def _unsubscribe(self, frame: dict) -> None:
        room = self._subscribed(frame)
        self.subscriptions.pop(room, None)
        await get_hub().unsubscribe(self, room)
        await self._send({"type": "unsubscribed", "room": room})

    async def _catch_up_frame(self, frame: dict) -> None:
        await self._catch_up(self._subscribed(frame), frame["after"], frame["limit"])

    async def _catch_up(self, room: str, after, limit: int, *, subscribed: bool = False) -> None:
        subscription = self.subscriptions[room]
        subscription.catching_up = True
        try:
            try:
                frames, head = await run_in_db(room_calls.events_after)(
                    self.user, room, after, limit
                )
            except (access.UnknownRoom, MessagingError):
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

    @metrics.times_send_ack
    async def _send_message(self, frame: dict) -> None:
        request = posting.SendRequest.from_payload(self.user, frame)
        with lifecycle.send_in_progress():
            try:
                result = await get_send_queue().post(frame["room"], request, wait=SEND_WAIT_SECONDS)
            except Busy as busy:
                raise ProtocolError(
                    "rate_limited",
                    "the server is busy; wait a moment and send again",
                    retry_after=0.5,
                ) from busy
            except TimeoutError as slow:
                raise _unavailable() from slow
            metrics.send_stored(result)
            await self._send({"type": "ack", **result.receipt()})

    async def _typing(self, frame: dict) -> None:
        room = self._subscribed(frame)
        if not await run_in_db(room_calls.typing_shown)(self.user, room, frame["thread"]):
            return  # a restricted thread's typing is shown to nobody
        await broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP).group_send(
            broadcast.ROOM_EVENTS_GROUP,
            broadcast.typing(room, thread_id=frame["thread"], user_id=self.user.pk),
        )

    async def _read(self, frame: dict) -> None:
        room = frame["room"]
        marker = await run_in_db(room_calls.mark_read)(self.user, room, frame["seq"])
        await self._send({"type": "read_ok", "room": room, "seq": marker})

    async def _ping(self, frame: dict) -> None:
        await self._send({"type": "pong", "nonce": frame["nonce"]})

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
        if frame["room"] not in self.subscriptions:
            raise ProtocolError("not_subscribed", "subscribe to the room first", field="room")
        return frame["room"]

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
        readable, active = await run_in_db(room_calls.still_readable)(
            self.user, list(self.subscriptions)
        )
        for room in [room for room in self.subscriptions if room not in readable]:
            await self.room_lost(room)
        if not active:
            await self._close(CLOSE_FORBIDDEN)

    async def member_sessions_ended(self, message: dict) -> None:
        await self._close(CLOSE_UNAUTHENTICATED)

    # --- The channel layer away and back (messaging/realtime/outage.py) -------------------

    async def layer_degraded(self, retry_after: float) -> None:
        await self._refuse(
            ProtocolError(
                "service_degraded",
                "live delivery is delayed; messages are still stored and acknowledged",
                retry_after=retry_after,
            ),
            None,
        )
        if self.watch is not None:
            asyncio.ensure_future(self._recheck_while_degraded())

    async def layer_restored(self) -> None:
        """Join the groups missed, then re-check what the lost notices may have ended."""
        for group in list(self.groups_missing):
            await self._join(group)
        if await self._recheck_access():
            await self._send({"type": "service_restored"})

    async def _recheck_while_degraded(self) -> None:
        layer_watch = outage.get_layer_watch()
        while layer_watch.degraded and self.watch is not None:
            await asyncio.sleep(DEGRADED_RECHECK_SECONDS * random.uniform(0.5, 1.5))  # noqa: S311
            if layer_watch.degraded:
                await self._recheck_access()

    async def _recheck_access(self) -> bool:
        """False if the session or the access ended (the socket is then closed)."""
        if self.watch is None:
            return False
        try:
            if await run_in_db(sessions.last_activity)(self.watch.session.session_key) is None:
                await self._close(CLOSE_UNAUTHENTICATED)
                return False
            await self.member_access_changed({})
        except Exception as exc:
            if not outage.is_database_outage(exc):
                raise
        return not self._closing

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

    async def _refuse(self, error: MessagingError, answering) -> None:
        """The one place refusals become `error` frames. `answering`: the checked frame the
        error answers, or the `ref` of a frame that could not be checked."""
        metrics.refused(answering, error)
        ref = protocol.ref_of(answering) if isinstance(answering, dict) else answering
        await self._send(protocol.error_frame(error, ref))


def _unavailable() -> ProtocolError:
    return ProtocolError(
        "unavailable",
        "the database is unreachable; nothing was acknowledged: send again with the same client_id",
        retry_after=outage.DATABASE_RETRY_AFTER,
    )
