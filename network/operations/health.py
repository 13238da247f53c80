"""Liveness and readiness of one server process.

`/healthz` says the process answers HTTP: it checks nothing else, so that an orchestrator
restarts a process only when the process itself is stuck. `/readyz` says whether the process
can serve now: PostgreSQL answers `SELECT 1` and the channel layer answers a PING, each
within READY_TIMEOUT, the checks run side by side. A load balancer or Kubernetes stops
sending traffic to a process that is not ready and sends it again once it is; nothing here
keeps state between probes, so a process recovers as soon as its dependencies do.
"""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from channels.layers import get_channel_layer
from django.db import connections
from django.http import HttpResponse, JsonResponse

READY_TIMEOUT = 1.0  # seconds per check; a probe is answered within this
# Database checks run in threads of their own: a hung connection attempt must not hold a
# thread that requests need. At most one check at a time; a probe that comes while the last
# one still hangs reports the database as not ready instead of piling up threads.
_probe_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")
_database_check: asyncio.Future | None = None


class NotReady(Exception):
    """A dependency that did not answer as it should; the message names why."""


def _select_one() -> None:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # back to the pool, or closed: never kept by the probe thread


async def check_database() -> str:
    global _database_check
    if _database_check is not None and not _database_check.done():
        raise NotReady("the previous check has not finished")
    loop = asyncio.get_running_loop()
    _database_check = asyncio.wrap_future(_probe_threads.submit(_select_one), loop=loop)
    await asyncio.shield(_database_check)
    return connections["default"].vendor


async def check_channel_layer() -> str:
    layer = get_channel_layer()
    if not hasattr(layer, "connection"):
        return "in-memory"  # the embedded default: part of the process
    for index in range(layer.ring_size):
        if not await layer.connection(index).ping():
            raise NotReady("no PONG")
    return "redis"


CHECKS = {"database": check_database, "channel_layer": check_channel_layer}


async def _run(check) -> dict:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(check(), READY_TIMEOUT)
    except TimeoutError:
        result = {"ok": False, "error": f"no answer within {READY_TIMEOUT:g} s"}
    except Exception as exc:
        # The exception's class only: its message may name hosts or carry a password.
        error = str(exc) if isinstance(exc, NotReady) else type(exc).__name__
        result = {"ok": False, "error": error}
    else:
        result = {"ok": True, "backend": detail}
    result["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


async def readiness() -> dict:
    """{"ready": bool, "checks": {name: {"ok", "backend" or "error", "duration_ms"}}}"""
    results = await asyncio.gather(*(_run(check) for check in CHECKS.values()))
    checks = dict(zip(CHECKS, results, strict=True))
    return {"ready": all(result["ok"] for result in results), "checks": checks}


def healthz(request) -> HttpResponse:
    return _no_store(HttpResponse("ok\n", content_type="text/plain"))


async def readyz(request) -> JsonResponse:
    report = await readiness()
    return _no_store(JsonResponse(report, status=200 if report["ready"] else 503))


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response
