"""Daphne as Counterpart runs it: `python -m messaging.realtime.server [daphne options] app`.

Daphne's own command line, with these set explicitly:

- the largest WebSocket message and frame it reads, MAX_MESSAGE_BYTES (1 MiB; an option
  given on the command line still wins). Frames up to 64 KiB are the protocol's
  (messaging/realtime/protocol.py); larger ones up to this limit are read and answered with
  `frame_too_large`, the socket kept;
- a close frame for a message over that limit. Daphne leaves autobahn's `failByDrop` on, so a
  socket that failed was dropped without a close frame (the client saw 1006 and no reason);
  here it is closed with 1009 and autobahn's reason, "received WebSocket message size N
  exceeds payload limit of 1048576 octets" (docs/protocol.md). Protocol violations are
  closed with their code (1002, 1007) the same way;
- back-pressure: what the process has written to a socket and the kernel has not yet taken
  (the Twisted transport's write buffer) is bounded by COUNTERPART_WS_OUTBOUND_BYTES. A
  frame that would pass the bound is not written; the socket is closed with 4408 (behind the
  frames already buffered, all whole) and dropped if the client has not read up to the close
  within OVERLOADED_CLOSE_SECONDS. The client catches up from the database when it
  reconnects. Without the bound, a client that never reads made its process buffer without
  limit until the keep-alive ping reset it;
- the ASGI WebSocket denial response (`websocket.http.response.start` / `.body` before the
  handshake completes): a handshake refused because the database is unreachable gets HTTP 503
  with Retry-After (messaging/realtime/outage.py) instead of Daphne's 403 or 500;
- graceful shutdown: on SIGTERM the process stops listening, lets the `send` frames in
  progress finish and acknowledges them (messaging/realtime/lifecycle.py; new sends are
  refused `unavailable`), closes every socket with 1012 (service restart: reconnect at once,
  elsewhere) and exits, all within COUNTERPART_SHUTDOWN_SECONDS (default 10).

This module imports nothing of Django at import time: Daphne loads the application itself.
"""

import asyncio
import logging
import os
import signal
import sys
import time
from http import HTTPStatus

from autobahn.websocket.types import ConnectionDeny
from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import defer, reactor

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1024 * 1024
CLOSE_TOO_SLOW = 4408
CLOSE_SERVICE_RESTART = 1012
OVERLOADED_CLOSE_SECONDS = 2.0
# The part of the shutdown time kept for the close handshakes after the sends have drained.
CLOSING_SECONDS = 2.0


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    try:
        number = float(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {value!r}") from None
    if number <= 0:
        raise SystemExit(f"{name} must be positive, not {value!r}")
    return number


OUTBOUND_BYTES = int(_env_number("COUNTERPART_WS_OUTBOUND_BYTES", 4 * 1024 * 1024))
SHUTDOWN_SECONDS = _env_number("COUNTERPART_SHUTDOWN_SECONDS", 10.0)


def unsent_bytes(transport) -> int:
    """What was written to a Twisted transport and is still in its buffer (a TLS wrapper's
    underlying transport included)."""
    total = 0
    while transport is not None:
        total += (
            len(getattr(transport, "dataBuffer", b""))
            - getattr(transport, "offset", 0)
            + getattr(transport, "_tempDataLen", 0)
        )
        transport = getattr(transport, "transport", None)
    return total


class CounterpartWebSocketProtocol(WebSocketProtocol):
    overloaded = False
    denial: tuple[int, list] | None = None

    def serverSend(self, content, binary=False):
        if self.overloaded:
            return
        if unsent_bytes(self.transport) + len(content) > OUTBOUND_BYTES:
            self.overloaded = True
            logger.warning("a socket did not read its frames: closed with %d", CLOSE_TOO_SLOW)
            self.closeHandshakeTimeout = OVERLOADED_CLOSE_SECONDS
            self.sendClose(code=CLOSE_TOO_SLOW, reason="the client did not read fast enough")
            return
        super().serverSend(content, binary)

    def handle_reply(self, message):
        kind = message.get("type")
        if kind == "websocket.http.response.start" and self.state == self.STATE_CONNECTING:
            self.denial = (int(message.get("status", 403)), list(message.get("headers", [])))
            return
        if kind == "websocket.http.response.body" and self.denial is not None:
            if not message.get("more_body") and hasattr(self, "handshake_deferred"):
                status = self.denial[0]
                self.handshake_deferred.errback(ConnectionDeny(status, HTTPStatus(status).phrase))
                del self.handshake_deferred
                self.server.protocol_disconnected(self)
            return
        super().handle_reply(message)

    def sendHttpErrorResponse(self, code, reason, responseHeaders=None):
        headers = list(responseHeaders or [])
        if self.denial is not None:
            headers += [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.denial[1]]
            headers.append(("Content-Length", "0"))
        super().sendHttpErrorResponse(code, reason, headers)


class CounterpartServer(Server):
    stopping = False

    # Daphne builds its WebSocket factory inside `run`, which also starts the reactor; this
    # property is the one place to configure the factory before the first connection.
    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory) -> None:
        factory.setProtocolOptions(failByDrop=False)
        factory.protocol = CounterpartWebSocketProtocol
        self._ws_factory = factory

    def run(self):
        self.ports = []
        reactor.callWhenRunning(self._on_sigterm_drain)
        super().run()

    def listen_success(self, port):
        self.ports.append(port)
        super().listen_success(port)

    def create_application(self, protocol, scope):
        if scope.get("type") == "websocket":
            scope["extensions"] = {"websocket.http.response": {}}
        return super().create_application(protocol, scope)

    # --- Graceful shutdown --------------------------------------------------------------

    def _on_sigterm_drain(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: reactor.callFromThread(self.shut_down))

    def shut_down(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        done = defer.Deferred.fromFuture(asyncio.ensure_future(self._drain_and_close()))
        done.addErrback(lambda failure: logger.error("shutdown: %s", failure.getErrorMessage()))
        done.addBoth(lambda _: self.stop())

    async def _drain_and_close(self) -> None:
        deadline = time.monotonic() + SHUTDOWN_SECONDS
        for port in self.ports:
            port.stopListening()
        from messaging.realtime import lifecycle  # the application, loaded by now

        await lifecycle.drain(max(0.0, deadline - time.monotonic() - CLOSING_SECONDS))
        sockets = [p for p in list(self.connections) if isinstance(p, WebSocketProtocol)]
        for protocol in sockets:
            if protocol.state == protocol.STATE_OPEN:
                # autobahn's sendClose accepts 1000 and 3000-4999 only; 1012 is RFC 6455's
                # "service restart" (IANA registry), written as the frame itself.
                protocol.sendCloseFrame(code=CLOSE_SERVICE_RESTART, reasonUtf8=b"service restart")
        while time.monotonic() < deadline and any(
            "disconnected" not in self.connections.get(p, {"disconnected": True}) for p in sockets
        ):
            await asyncio.sleep(0.05)


class CommandLine(CommandLineInterface):
    server_class = CounterpartServer


def main(argv: list[str] | None = None) -> None:
    limits = [
        f"--websocket-max-message-size={MAX_MESSAGE_BYTES}",
        f"--websocket-max-frame-size={MAX_MESSAGE_BYTES}",
    ]
    CommandLine().run(limits + (sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
