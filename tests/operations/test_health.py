"""/healthz and /readyz: what each answers, to whom, and how readiness follows an outage of
Redis or PostgreSQL and recovers by itself."""

import json
import subprocess
import sys
import time

import pytest
from channels.layers import channel_layers
from django.conf import settings

from tests.messaging.faults import OwnRedis, free_port
from tests.operations.services import Relay, daphne, database_url, get
from tests.operations.services import wait_until as poll
from tests.security.test_deploy_checks import ROOT, production_env

POD_ADDRESS = "10.1.2.3:8000"  # the Host a kubelet sends: the pod's address, not a site name


def test_healthz_answers_ok_without_looking_at_anything(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_refuse_other_methods_than_get_and_head(client, path):
    assert client.head(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_readyz_names_each_check_and_is_ready_when_both_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    report = response.json()
    assert report["ready"] is True
    assert set(report["checks"]) == {"database", "channel_layer"}
    assert report["checks"]["database"]["ok"] is True
    assert report["checks"]["database"]["backend"] == settings.DATABASES["default"]["ENGINE"].split(
        "."
    )[-1].replace("sqlite3", "sqlite")
    expected_layer = "redis" if settings.REDIS_URL else "in-memory"
    assert report["checks"]["channel_layer"] == {
        "ok": True,
        "backend": expected_layer,
        "duration_ms": report["checks"]["channel_layer"]["duration_ms"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_any_host_without_a_session(client, path):
    """A kubelet's Host is the pod's address, which ALLOWED_HOSTS does not list; the probes
    are answered before the host check (and before sessions and the second factor)."""
    response = client.get(path, HTTP_HOST=POD_ADDRESS)

    assert response.status_code == 200
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_readyz_is_503_within_the_timeout_when_the_channel_layer_does_not_answer(client, settings):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "messaging.realtime.layers.RedisChannelLayer",
            "CONFIG": {"hosts": [closed]},
        }
    }
    channel_layers.backends.clear()
    try:
        client.get("/healthz")  # the handler loaded before the clock starts
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        channel_layers.backends.clear()  # nothing to flush there

    assert response.status_code == 503
    report = response.json()
    assert report["ready"] is False
    assert report["checks"]["database"]["ok"] is True
    assert report["checks"]["channel_layer"]["ok"] is False
    assert report["checks"]["channel_layer"]["error"] == "ConnectionError"
    assert elapsed < 2


def test_probes_are_answered_on_the_event_loop():
    """Under ASGI the probes' middleware is the outermost and asynchronous: a /readyz that
    waits up to a second for a database in trouble never holds the one thread that runs
    Django's synchronous middleware and views, and never waits behind it."""
    from asgiref.sync import iscoroutinefunction
    from django.core.handlers.asgi import ASGIHandler

    chain = ASGIHandler()._middleware_chain

    assert iscoroutinefunction(chain)
    assert chain.__qualname__ == "operations_endpoints.<locals>.middleware"


def _in_production(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_in_production_probes_are_plain_http_and_readyz_is_503_when_nothing_answers():
    """Production redirects plain HTTP to HTTPS, and a kubelet counts a 301 as success: the
    probes are answered over plain HTTP, on the pod's address. With no database and no Redis
    reachable, /readyz says so within two seconds while /healthz stays 200."""
    script = f"""
import django, json, os, time
os.environ["DJANGO_SETTINGS_MODULE"] = "network.settings"
django.setup()
from django.test import Client
client = Client()
healthz = client.get("/healthz", HTTP_HOST="{POD_ADDRESS}").status_code  # loads the handler
started = time.monotonic()
ready = client.get("/readyz", HTTP_HOST="{POD_ADDRESS}")
print(json.dumps({{
    "healthz": healthz,
    "seconds": time.monotonic() - started,
    "page": client.get("/", HTTP_HOST="counterpart.example.org").status_code,
    "readyz": ready.status_code,
    "checks": {{name: check["ok"] for name, check in ready.json()["checks"].items()}},
}}))
"""
    result = _in_production(script)

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["page"] == 301  # the redirect is on, for everything else
    assert answers["healthz"] == 200
    assert answers["readyz"] == 503
    assert answers["checks"] == {"database": False, "channel_layer": False}
    assert answers["seconds"] < 2


def _readiness(origin: str) -> tuple[int, dict]:
    status, body = get(origin + "/readyz")
    return status, json.loads(body) if body else {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_server_is_not_ready_within_2_s_of_an_outage_and_ready_again_by_itself():
    """A real Daphne with a Redis of its own and PostgreSQL behind a relay: Redis killed, then
    started again; the relay to PostgreSQL cut, then restored. Each outage turns /readyz to
    503 naming the failed check within 2 s, and /readyz is 200 again once the service is
    back, with no restart; /healthz stays 200 throughout."""
    db = settings.DATABASES["default"]
    redis, relay = OwnRedis(), Relay((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    redis.start()
    relay.start()
    env = {
        "DATABASE_URL": database_url("127.0.0.1", relay.port),
        "REDIS_URL": redis.url,
        "COUNTERPART_LOG_LEVEL": "WARNING",
    }
    try:
        with daphne(env) as (origin, _):
            poll(lambda: _readiness(origin)[0] == 200, timeout=10)

            for name, stop, start in (
                ("channel_layer", redis.stop, redis.start),
                ("database", relay.cut, relay.restore),
            ):
                stop()
                stopped = time.monotonic()
                status, report = poll(
                    lambda: (answer := _readiness(origin))[0] == 503 and answer, timeout=5
                )
                assert time.monotonic() - stopped < 2, name
                assert report["checks"][name]["ok"] is False
                assert get(origin + "/healthz")[0] == 200

                start()
                status, report = poll(
                    lambda: (answer := _readiness(origin))[0] == 200 and answer, timeout=15
                )
                assert report["ready"] is True
    finally:
        redis.stop()
        relay.close()
