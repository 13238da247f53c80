"""Daphne as Counterpart runs it: `python -m messaging.realtime.server [daphne options] app`.

Daphne's own command line, with two things set explicitly:

- the largest WebSocket message and frame it reads, MAX_MESSAGE_BYTES (1 MiB; an option
  given on the command line still wins). Frames up to 64 KiB are the protocol's
  (messaging/realtime/protocol.py); larger ones up to this limit are read and answered with
  `frame_too_large`, the socket kept;
- a close frame for a message over that limit. Daphne leaves autobahn's `failByDrop` on, so a
  socket that failed was dropped without a close frame (the client saw 1006 and no reason);
  here it is closed with 1009 and autobahn's reason, "received WebSocket message size N
  exceeds payload limit of 1048576 octets" (docs/protocol.md). Protocol violations are
  closed with their code (1002, 1007) the same way.

This module imports nothing of Django: Daphne loads the application itself.
"""

import sys

from daphne.cli import CommandLineInterface
from daphne.server import Server

MAX_MESSAGE_BYTES = 1024 * 1024


class CounterpartServer(Server):
    # Daphne builds its WebSocket factory inside `run`, which also starts the reactor; this
    # property is the one place to configure the factory before the first connection.
    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory) -> None:
        factory.setProtocolOptions(failByDrop=False)
        self._ws_factory = factory


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
