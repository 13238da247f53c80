"""Prometheus metrics: /metrics only for the configured addresses, and what it shows after
real traffic (HTTP pages and API, WebSocket sends, resends and refusals)."""

import re
import subprocess
import sys

import pytest
import redis.exceptions
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.messaging.faults import free_port
from tests.security.test_deploy_checks import ROOT, production_env

pytestmark = pytest.mark.django_db(transaction=True)


def scrape(client=None) -> dict:
    """{(sample name, sorted label pairs): value} of /metrics as Prometheus reads it."""
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_404_for_an_address_not_allowed(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404

    settings.COUNTERPART_METRICS_ALLOWED = ["203.0.113.0/24"]

    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_a_metrics_allowance_that_is_not_a_network_stops_start_up():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(COUNTERPART_METRICS_ALLOWED="10.0.0.0/8,prometheus.internal"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert (
        "COUNTERPART_METRICS_ALLOWED: 'prometheus.internal' is not an address or network"
        in result.stderr
    )


def test_the_exposition_counts_a_busy_flow(busy_flow):
    """Deltas over the flow of tests/operations/conftest.py: one message stored, its resend
    a duplicate, a send to an unknown room refused with its code, a malformed frame counted
    as unchecked, latencies observed, two sockets open during the flow and none after, the
    pages and API operations counted by URL pattern."""
    before = scrape()
    during = {}

    flow = busy_flow(while_open=lambda: during.update(scrape()))
    after = scrape()

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert flow.frames["resent"]["duplicate"] is True
    assert delta("counterpart_sends_total", outcome="stored", code="") == 1
    assert delta("counterpart_sends_total", outcome="duplicate", code="") == 1
    assert delta("counterpart_sends_total", outcome="refused", code="unknown_room") == 1
    assert delta("counterpart_websocket_frames_in_total", type="send") == 3
    assert delta("counterpart_websocket_frames_in_total", type="subscribe") == 2
    assert delta("counterpart_websocket_frames_in_total", type="unchecked") == 1
    assert delta("counterpart_websocket_frames_out_total", type="ack") == 2
    assert delta("counterpart_websocket_frames_out_total", type="event") == 2  # both sockets
    assert delta("counterpart_websocket_frames_out_total", type="error") == 2
    assert delta("counterpart_websocket_frames_out_total", type="hello") == 2
    assert delta("counterpart_send_ack_seconds_count") == 2
    assert delta("counterpart_send_delivery_seconds_count") == 1
    assert (
        value(during, "counterpart_websockets_open") - value(before, "counterpart_websockets_open")
        == 2
    )
    assert value(after, "counterpart_websockets_open") == value(
        before, "counterpart_websockets_open"
    )
    assert value(after, "counterpart_hub_lag_events") == 0
    assert (
        delta("counterpart_http_requests_total", route="directory/", method="GET", status="200")
        == 1
    )
    assert (
        delta(
            "counterpart_http_requests_total",
            route="api/v1/translations/",
            method="POST",
            status="201",
        )
        == 1
    )
    assert (
        delta("counterpart_http_request_duration_seconds_count", route="accounts/sign-in/verify/")
        == 1
    )
    # Labels are patterns and codes: no content, no concrete id of a room or a thread.
    concrete = re.compile(r"CANARY|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-")
    assert not [key for key in after if concrete.search(repr(key))]


def test_a_failing_channel_layer_call_is_counted(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "messaging.realtime.layers.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    channel_layers.backends.clear()
    before = scrape()
    try:
        layer = channel_layers["default"]
        with pytest.raises(redis.exceptions.ConnectionError):
            async_to_sync(layer.group_send)("somewhere", {"type": "x"})
    finally:
        channel_layers.backends.clear()

    after = scrape()
    labels = {"layer": "list", "operation": "group_send"}
    name = "counterpart_channel_layer_errors_total"
    assert value(after, name, **labels) - value(before, name, **labels) == 1


@pytest.mark.postgres
def test_the_database_pool_is_shown():
    from django.db import connection

    connection.ensure_connection()

    samples = scrape()

    assert value(samples, "counterpart_db_pool_connections", state="max") == 8
    assert ("counterpart_db_pool_waiting", ()) in samples
