"""A second ceiling of the fan-out benchmark: the bare relay, served by Daphne and Channels.

The same frames as bench/ceiling_relay.py (hello, subscribe → subscribed, send → ack, then an
`event` to every subscriber of the room; ping → pong), in one Daphne process, as a Channels
`AsyncWebsocketConsumer` whose subscribers share a dict in the process: no persistence, no
authentication, no channel layer, no validation. Each event is encoded once and handed to
every subscriber's `send`. The gap between this and the `websockets` relay is what Daphne,
Twisted, autobahn and Channels cost per frame; the gap between this and the real server is
what Counterpart's own work costs (persistence, encryption, log, access, crossing processes).

    python -m daphne -b 127.0.0.1 -p 8765 daphne_relay:application   # from bench/
"""

import itertools
import json
from collections import defaultdict

from django.conf import settings

if not settings.configured:
    settings.configure(CHANNEL_LAYERS={})

import relay_frames  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402

subscribers: dict = defaultdict(set)
heads: dict = defaultdict(int)
message_ids = itertools.count(1)
user_ids = itertools.count(1)


class Relay(AsyncWebsocketConsumer):
    async def connect(self):
        self.user = next(user_ids)
        self.rooms: set = set()
        await self.accept()
        await self.send_json({"type": "hello", "protocol": 1, "user": self.user})

    async def disconnect(self, code):
        for room in self.rooms:
            subscribers[room].discard(self)

    async def send_json(self, frame: dict) -> None:
        await self.send(text_data=json.dumps(frame))

    async def receive(self, text_data=None, bytes_data=None):
        try:
            frame = json.loads(text_data)
            kind = frame["type"]
        except (ValueError, KeyError, TypeError):
            await self.send_json({"type": "error", "code": "bad_json", "message": "", "ref": None})
            return
        room = frame.get("room")
        if kind == "send":
            if room not in self.rooms:
                await self.send_json({"type": "error", "code": "not_subscribed", "ref": None})
                return
            heads[room] += 1
            seq, message = heads[room], next(message_ids)
            await self.send(text_data=relay_frames.ack(frame, room, seq, message))
            event = relay_frames.event(frame, room, seq, message, self.user)
            for subscriber in list(subscribers[room]):
                await subscriber.send(text_data=event)
        elif kind == "subscribe":
            self.rooms.add(room)
            subscribers[room].add(self)
            await self.send_json({"type": "subscribed", "room": room, "head": heads[room]})
        elif kind == "catch_up":
            await self.send_json(
                {"type": "caught_up", "room": room, "head": heads[room], "more": False}
            )
        elif kind == "ping":
            await self.send_json({"type": "pong", "nonce": frame.get("nonce")})
        else:
            await self.send_json({"type": "error", "code": "unknown_type", "ref": kind})


async def not_found(scope, receive, send):
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


application = ProtocolTypeRouter({"http": not_found, "websocket": Relay.as_asgi()})
