"""Degrade, don't disconnect: what a server process does while Redis or PostgreSQL is away.

**The channel layer (Redis).** A call to the layer that fails because Redis cannot be reached
(`is_layer_outage`) marks the process's `LayerWatch` degraded. The watch then probes the
layer alone, with exponential backoff (RETRY_FIRST doubling up to RETRY_MAX seconds, with
jitter), while everything else that needs the layer waits for it (`wait_restored`) instead of
retrying on its own: sockets stay open, their own channel's reads and the hub's wait. Every
socket is told once, with an `error` frame `service_degraded` and the current `retry_after`;
sends are still stored and acknowledged (the database is the source of truth), and the hub
delivers from the database every DEGRADED_RESYNC_SECONDS. When a probe answers, the watch
calls its listeners (the hub joins its group again and loads what its rooms missed), then
every socket: it joins the groups it could not join, re-checks its session and access (the
notices that would have ended them may have been lost) and gets a `service_restored` frame.

**The database (PostgreSQL).** `is_database_outage` recognises a failure to reach it (a
refused or dropped connection, the pool's wait for a connection running out): a `send` is
answered `unavailable` with `retry_after` instead of `server_error`, and a handshake HTTP 503
(messaging/realtime/consumer.py).
"""

import asyncio
import logging
import random
import time
import weakref

from channels.layers import get_channel_layer
from django.db import DatabaseError, InterfaceError, OperationalError
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

RETRY_FIRST = 0.5
RETRY_MAX = 5.0
PROBE_TIMEOUT = 2.0
# How often the hub loads its rooms' new events from the database while notices cannot come.
DEGRADED_RESYNC_SECONDS = 1.0
# How long a `send` may wait for the database before it is answered `unavailable`.
DATABASE_RETRY_AFTER = 2.0

_LAYER_OUTAGES = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.BusyLoadingError,
    redis_errors.ReadOnlyError,  # a primary turned replica by a Sentinel failover
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


def is_layer_outage(exc: BaseException) -> bool:
    return isinstance(exc, _LAYER_OUTAGES)


def is_database_outage(exc: BaseException) -> bool:
    """A failure to reach PostgreSQL, as opposed to a refused query."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    # psycopg_pool's PoolTimeout, raised unwrapped by Django's pooled connections.
    if type(exc).__name__ in {"PoolTimeout", "TooManyRequests"}:
        return True
    return isinstance(exc, DatabaseError) and "connection" in str(exc).lower()


async def _ping_layer() -> None:
    layer = get_channel_layer()
    connection = getattr(layer, "connection", None)
    if connection is None:
        return  # the in-memory layer cannot be away
    for index in range(len(layer.hosts)):
        await asyncio.wait_for(connection(index).ping(), PROBE_TIMEOUT)


class LayerWatch:
    """The channel layer's health as one process (one event loop) sees it."""

    def __init__(self):
        self.down_since: float | None = None
        self.retry_after = RETRY_FIRST
        self.sockets: weakref.WeakSet = weakref.WeakSet()
        self.listeners: list = []  # coroutine functions called once the layer is back
        self.outages = 0
        self.leaves: set[tuple[str, str]] = set()  # (group, channel) to leave once it is back
        self._restored = asyncio.Event()
        self._restored.set()
        self._prober: asyncio.Task | None = None

    @property
    def degraded(self) -> bool:
        return self.down_since is not None

    def failed(self, exc: BaseException) -> None:
        """A call to the layer failed for `exc`; the first failure starts the probe."""
        if self.degraded:
            return
        self.outages += 1
        self.down_since = time.monotonic()
        self._restored.clear()
        logger.warning("channel layer unreachable (%s); retrying", type(exc).__name__)
        for socket in list(self.sockets):
            asyncio.ensure_future(socket.layer_degraded(self.retry_after))
        self._prober = asyncio.ensure_future(self._probe())

    async def wait_restored(self) -> None:
        await self._restored.wait()

    async def _probe(self) -> None:
        delay = RETRY_FIRST
        while True:
            self.retry_after = delay
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 - jitter
            try:
                await _ping_layer()
                break
            except asyncio.CancelledError:
                raise
            except Exception:  # still away
                delay = min(delay * 2, RETRY_MAX)
        logger.warning(
            "channel layer reachable again after %.1f s", time.monotonic() - self.down_since
        )
        self.down_since, self.retry_after = None, RETRY_FIRST
        self._restored.set()
        leaves, self.leaves = self.leaves, set()
        for group, channel in leaves:
            await leave_group(get_channel_layer(), group, channel)
        for listener in list(self.listeners):
            try:
                await listener()
            except Exception as exc:
                self.failed(exc) if is_layer_outage(exc) else logger.exception("after restore")
        for socket in list(self.sockets):
            asyncio.ensure_future(socket.layer_restored())


_watches: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LayerWatch]" = (
    weakref.WeakKeyDictionary()
)


def get_layer_watch() -> LayerWatch:
    loop = asyncio.get_running_loop()
    watch = _watches.get(loop)
    if watch is None:
        watch = _watches[loop] = LayerWatch()
    return watch


def note_layer_failure(exc: BaseException) -> bool:
    """Report a failed layer call; True if it was an outage (now being retried)."""
    if not is_layer_outage(exc):
        return False
    get_layer_watch().failed(exc)
    return True


async def leave_group(layer, group: str, channel: str) -> None:
    """Leave a group; while the layer is unreachable, leave it once it is back, so that a
    mass disconnect during an outage leaves no stale entries behind."""
    try:
        await layer.group_discard(group, channel)
    except Exception as exc:
        if note_layer_failure(exc):
            get_layer_watch().leaves.add((group, channel))
        else:
            logger.warning("leaving a group failed: %s", type(exc).__name__)


class DenyWhileDatabaseAway:
    """ASGI middleware for the WebSocket: a handshake that fails because the database is
    unreachable (loading the session, the user, the memberships) is answered HTTP 503 with
    Retry-After, through the ASGI WebSocket denial response that messaging/realtime/server.py
    gives Daphne, instead of a 500 a second later or no answer at all."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        answered = False

        async def send_tracked(message):
            nonlocal answered
            answered = True
            await send(message)

        try:
            return await self.app(scope, receive, send_tracked)
        except Exception as exc:
            if answered or not is_database_outage(exc):
                raise
            logger.warning("handshake refused: the database is unreachable")
            await deny_handshake(scope, send, 503, retry_after=DATABASE_RETRY_AFTER)


async def deny_handshake(scope, send, status: int, *, retry_after: float) -> None:
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1013})
        return
    headers = [(b"retry-after", str(int(retry_after + 0.999)).encode())]
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": b""})
