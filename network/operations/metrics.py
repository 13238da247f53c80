"""Every Prometheus metric of a server process, and `/metrics`.

Each Daphne process keeps its own registry and is scraped on its own (there is no shared
state between processes to aggregate; Prometheus sums over instances). The hot path pays a
counter increment or a histogram observation (a lock and an addition); labels come from
small fixed sets (frame types, error codes, URL patterns — never paths, users or rooms).
Gauges that describe state (pool use, hub lag) are read when Prometheus scrapes, at no cost
in between. docs/operations.md lists them with sample queries.
"""

import ipaddress
import time
from datetime import datetime
from functools import cache, wraps

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# --- WebSockets ------------------------------------------------------------------------------

SOCKETS_OPEN = Gauge(
    "counterpart_websockets_open", "WebSockets accepted and not yet closed", registry=REGISTRY
)
FRAMES_IN = Counter(
    "counterpart_websocket_frames_in",
    "Frames received, by type (unchecked: refused before its type was known)",
    ["type"],
    registry=REGISTRY,
)
FRAMES_OUT = Counter(
    "counterpart_websocket_frames_out", "Frames sent, by type", ["type"], registry=REGISTRY
)
SENDS = Counter(
    "counterpart_sends",
    "send frames by outcome: stored, duplicate (a resend of a stored message) or refused, "
    "with the error code",
    ["outcome", "code"],
    registry=REGISTRY,
)
SEND_ACK_SECONDS = Histogram(
    "counterpart_send_ack_seconds",
    "From a valid send frame to its ack on the sender's socket",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
SEND_DELIVERY_SECONDS = Histogram(
    "counterpart_send_delivery_seconds",
    "From an event's time (taken in the transaction that stored it) to its frame being "
    "handed to this process's sockets",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
CHANNEL_LAYER_ERRORS = Counter(
    "counterpart_channel_layer_errors",
    "Channel-layer calls that failed, by layer and operation",
    ["layer", "operation"],
    registry=REGISTRY,
)

# --- HTTP ------------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "counterpart_http_requests",
    "HTTP requests by URL pattern, method and status",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "counterpart_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL pattern",
    ["route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def http_request(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in HTTP_METHODS else "other"
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_SECONDS.labels(route).observe(seconds)


# --- Hooks of the WebSocket consumer (messaging/realtime/) ---------------------------------


@cache
def _frame_in(kind: str):
    return FRAMES_IN.labels(kind)


@cache
def _frame_out(kind: str):
    return FRAMES_OUT.labels(kind)


def frame_in(kind: str) -> None:
    """A frame that passed the protocol's check (its type is one of the declared ones)."""
    _frame_in(kind).inc()


def frame_out(text: str) -> None:
    """An outbound frame's text; every server frame starts with its type."""
    _frame_out(_type_of(text)).inc()


def _type_of(text: str) -> str:
    if text.startswith('{"type":"'):
        end = text.find('"', 9, 40)
        if end > 0:
            return text[9:end]
    return "other"


def refused(answering, error) -> None:
    """A refusal the consumer sends as an error frame: a refused send, or a frame refused
    before its type was checked."""
    if isinstance(answering, dict):
        if answering.get("type") == "send":
            SENDS.labels("refused", error.code).inc()
    else:
        _frame_in("unchecked").inc()


def send_stored(result) -> None:
    SENDS.labels("duplicate" if result.duplicate else "stored", "").inc()


def times_send_ack(handler):
    """Decorates the consumer's send handler: the time until its ack is written."""

    @wraps(handler)
    async def timed(*args, **kwargs):
        started = time.perf_counter()
        await handler(*args, **kwargs)
        SEND_ACK_SECONDS.observe(time.perf_counter() - started)

    return timed


def delivered(frames) -> None:
    """Event frames a hub hands to its sockets: each one's age since its `at`."""
    if not frames:
        return
    now = time.time()
    for _, text in frames:
        at = _event_time(text)
        if at is not None:
            SEND_DELIVERY_SECONDS.observe(max(0.0, now - at))


def _event_time(text: str) -> float | None:
    start = text.find('"at":"')
    if start < 0:
        return None
    end = text.find('"', start + 6)
    try:
        return datetime.fromisoformat(text[start + 6 : end]).timestamp()
    except ValueError:
        return None


def channel_layer_error(layer: str, operation: str) -> None:
    CHANNEL_LAYER_ERRORS.labels(layer, operation).inc()


# --- Read at scrape time ---------------------------------------------------------------------


class StateCollector:
    """The database pool's use and the delivery hubs' lag, read when Prometheus scrapes."""

    def collect(self):
        yield from _pool_metrics()
        yield from _hub_metrics()

    def describe(self):
        return []


def _pool_metrics():
    from django.db import connections

    pools = getattr(type(connections["default"]), "_connection_pools", {})
    pool = pools.get("default")
    if pool is None:
        return
    stats = pool.get_stats()
    connections_gauge = GaugeMetricFamily(
        "counterpart_db_pool_connections",
        "Connections of the process's PostgreSQL pool, by state",
        labels=["state"],
    )
    size, available = stats.get("pool_size", 0), stats.get("pool_available", 0)
    connections_gauge.add_metric(["in_use"], size - available)
    connections_gauge.add_metric(["idle"], available)
    connections_gauge.add_metric(["max"], stats.get("pool_max", 0))
    yield connections_gauge
    yield GaugeMetricFamily(
        "counterpart_db_pool_waiting",
        "Requests waiting for a connection of the pool",
        value=stats.get("requests_waiting", 0),
    )
    errors = CounterMetricFamily(
        "counterpart_db_pool_errors",
        "Pool failures: requests that timed out waiting, connections that could not be "
        "opened, connections lost",
        labels=["kind"],
    )
    errors.add_metric(["request_timeout"], stats.get("requests_errors", 0))
    errors.add_metric(["connect_failed"], stats.get("connections_errors", 0))
    errors.add_metric(["connection_lost"], stats.get("connections_lost", 0))
    yield errors


def _hub_metrics():
    from messaging.realtime import hub as hubs

    rooms = lag = 0
    for hub in list(hubs._hubs.values()):
        rooms += len(hub.rooms)
        for room, seq in list(hub._pending.items()):
            state = hub.rooms.get(room)
            if state is not None:
                lag += max(0, seq - state.last_seq)
    yield GaugeMetricFamily(
        "counterpart_hub_rooms", "Rooms this process's hub delivers to local sockets", value=rooms
    )
    yield GaugeMetricFamily(
        "counterpart_hub_lag_events",
        "Room events announced to this process's hub and not yet delivered",
        value=lag,
    )


REGISTRY.register(StateCollector())


# --- /metrics --------------------------------------------------------------------------------


@cache
def _allowed_networks(value: str) -> tuple:
    return tuple(ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip())


def may_scrape(address: str | None) -> bool:
    """Whether a client at `address` may read /metrics (COUNTERPART_METRICS_ALLOWED)."""
    if not address:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    networks = _allowed_networks(",".join(settings.COUNTERPART_METRICS_ALLOWED))
    return any(client in network for network in networks)


def exposition(request) -> HttpResponse:
    """The metrics, or a 404 to any address not allowed (the page does not exist for it)."""
    if not may_scrape(request.META.get("REMOTE_ADDR")):
        return HttpResponse("Not Found\n", status=404, content_type="text/plain")
    response = HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
