"""The WebSocket side of operations: an ASGI wrapper around the socket application.

Inside the authentication middleware (the scope's user is loaded) and outside the consumer,
it sees every message between Daphne and the consumer: it gives each socket an id for its
log lines, counts the sockets open and the frames sent by type, and writes one line when the
socket ends (duration, close code, frames in and out; no content).
"""

import asyncio
import logging
import time
import uuid

from network.operations import metrics
from network.operations.logs import SOCKET

socket_log = logging.getLogger("counterpart.websocket")


class SocketObserver:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        user_id = user.pk if getattr(user, "is_authenticated", False) else None
        token = SOCKET.set((asyncio.current_task(), uuid.uuid4().hex[:16], user_id))
        seen = {"accepted": False, "in": 0, "out": 0, "code": None}
        started = time.perf_counter()

        async def observed_receive():
            message = await receive()
            kind = message["type"]
            if kind == "websocket.receive":
                seen["in"] += 1
            elif kind == "websocket.disconnect" and seen["code"] is None:
                seen["code"] = message.get("code")
            return message

        async def observed_send(message):
            kind = message["type"]
            if kind == "websocket.send":
                seen["out"] += 1
                text = message.get("text")
                metrics.frame_out(text if text is not None else "")
            elif kind == "websocket.accept":
                seen["accepted"] = True
                metrics.SOCKETS_OPEN.inc()
            elif kind == "websocket.close" and seen["code"] is None:
                seen["code"] = message.get("code", 1000)
            await send(message)

        try:
            await self.application(scope, observed_receive, observed_send)
        finally:
            if seen["accepted"]:
                metrics.SOCKETS_OPEN.dec()
            socket_log.info(
                "socket closed" if seen["accepted"] else "socket refused",
                extra={
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "close_code": seen["code"],
                    "frames_in": seen["in"],
                    "frames_out": seen["out"],
                },
            )
            SOCKET.reset(token)
