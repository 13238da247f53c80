"""The two middleware of operations, first in MIDDLEWARE.

`operations_endpoints` answers /healthz, /readyz and /metrics before anything else: no host
check (a kubelet's Host is the pod's address), no HTTPS redirect (a probe speaks plain HTTP
to the process, and a 301 would count as success), no session, no second factor.

`request_context` gives every other request its id (the `X-Request-ID` nginx sets, if it
looks like one, else a new one), echoes it in the response, and on the way out counts the
request and writes its access line.
"""

import logging
import re
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.utils.decorators import async_only_middleware, sync_and_async_middleware
from django.utils.functional import empty

from network.operations import health, metrics
from network.operations.logs import REQUEST_ID, route_of

access_log = logging.getLogger("counterpart.http")

REQUEST_ID_HEADER = "X-Request-ID"
STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")


async def _answer(request):
    if request.path == "/readyz":
        return _allowed(request) or await health.readyz(request)
    return _answer_other(request)


def _answer_other(request):
    if request.path == "/healthz":
        return _allowed(request) or health.healthz(request)
    return _allowed(request) or metrics.exposition(request)


def _allowed(request):
    if request.method in ("GET", "HEAD"):
        return None
    return HttpResponseNotAllowed(["GET", "HEAD"])


ENDPOINTS = frozenset({"/healthz", "/readyz", "/metrics"})


@async_only_middleware
def operations_endpoints(get_response):
    """Async only: the probes are answered on the event loop, never waiting for (or holding)
    the thread that runs the synchronous middleware and views."""

    async def middleware(request):
        if request.path in ENDPOINTS:
            return await _answer(request)
        return await get_response(request)

    return middleware


@sync_and_async_middleware
def request_context(get_response):
    if iscoroutinefunction(get_response):

        async def middleware(request):
            token, started = _begin(request)
            try:
                response = await get_response(request)
                _finish(request, response, started)
                return response
            finally:
                REQUEST_ID.reset(token)

        return markcoroutinefunction(middleware)

    def middleware(request):
        token, started = _begin(request)
        try:
            response = get_response(request)
            _finish(request, response, started)
            return response
        finally:
            REQUEST_ID.reset(token)

    return middleware


def _begin(request):
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return REQUEST_ID.set(request.request_id), time.perf_counter()


def _finish(request, response, started: float) -> None:
    seconds = time.perf_counter() - started
    match = getattr(request, "resolver_match", None)
    if match is not None:
        route = match.route or "/"
    elif request.path_info.startswith(STATIC_PREFIX):
        route = "static"  # served by the static files middleware, before URL resolution
    else:
        route = route_of(request.path_info)
    response[REQUEST_ID_HEADER] = request.request_id
    metrics.http_request(route, request.method, response.status_code, seconds)
    access_log.info(
        "request",
        extra={
            "method": request.method,
            "route": route,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": _user_id(request),
        },
    )


def _user_id(request) -> int | None:
    """The user's id if the request's user was loaded (never a query from here)."""
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)
