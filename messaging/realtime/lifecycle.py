"""A server process that stops (SIGTERM, messaging/realtime/server.py) finishes the sends in
progress and acknowledges them before it closes its sockets with 1012.

`send_in_progress()` spans a `send` frame from its arrival to its `ack` (or its refusal);
`drain()` stops new sends (`unavailable`, retry after reconnecting elsewhere) and waits until
those in progress are answered.
"""

import asyncio
import contextlib
import time

from messaging.realtime.protocol import ProtocolError

_state = {"draining": False, "in_progress": 0}


def draining() -> bool:
    return _state["draining"]


@contextlib.contextmanager
def send_in_progress():
    if _state["draining"]:
        raise ProtocolError(
            "unavailable",
            "the server is restarting; reconnect and send again with the same client_id",
            retry_after=0.0,
        )
    _state["in_progress"] += 1
    try:
        yield
    finally:
        _state["in_progress"] -= 1


async def drain(timeout: float) -> int:
    """Refuse new sends and wait, at most `timeout` seconds, for those in progress to be
    answered; returns how many were still in progress."""
    _state["draining"] = True
    deadline = time.monotonic() + timeout
    while _state["in_progress"] and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return _state["in_progress"]
