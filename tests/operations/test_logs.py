"""Structured logs: after a busy flow every line is one JSON object with the fields of
docs/operations.md, requests and sockets carry their ids, and no content, name, e-mail
address, query, password or code appears anywhere in the log."""

import json
import logging

import pytest

from network.operations.logs import JsonFormatter
from tests.operations.conftest import (
    BODY,
    CASE_NUMBER,
    NOTE,
    REQUEST_ID,
    SEARCH,
    THREAD_TITLE,
)

pytestmark = pytest.mark.django_db(transaction=True)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_busy_flow_logs_json_lines_with_ids_and_no_content(
    busy_flow, captured_log, member, counterpart
):
    flow = busy_flow()

    assert flow.answers["code"].status_code == 302
    assert flow.answers["search"].status_code == 200
    assert flow.answers["translation"].status_code == 201, flow.answers["translation"].content
    assert flow.frames["event"]["data"]["body"] == BODY  # the canaries went through the server
    log = captured_log.getvalue()
    canaries = [
        BODY,
        "Lucía",
        SEARCH,
        "Okonkwo",
        NOTE,
        THREAD_TITLE,
        CASE_NUMBER,
        member.email,
        counterpart.email,
        member.display_name,
        counterpart.display_name,
        flow.password,
        flow.code,
    ]
    assert [canary for canary in canaries if canary in log] == []

    entries = lines(captured_log)
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    assert all(entry["time"].endswith("+00:00") for entry in entries)
    requests = [entry for entry in entries if entry["logger"] == "counterpart.http"]
    routes = {(entry["method"], entry["route"], entry["status"]) for entry in requests}
    assert ("POST", "accounts/sign-in/", 302) in routes
    assert ("GET", "directory/", 200) in routes
    assert ("POST", "api/v1/translations/", 201) in routes
    assert all(
        {"request_id", "duration_ms", "status", "route"} <= entry.keys() for entry in requests
    )
    assert len({entry["request_id"] for entry in requests}) == len(requests)
    signed_in = [entry for entry in requests if entry["route"] == "directory/"]
    assert signed_in[0]["user_id"] == member.pk
    assert any(entry["request_id"] == REQUEST_ID for entry in requests)
    assert flow.answers["search_api"]["X-Request-ID"] == REQUEST_ID
    assert len(flow.answers["search"]["X-Request-ID"]) == 32

    sockets = [entry for entry in entries if entry["logger"] == "counterpart.websocket"]
    assert {entry["user_id"] for entry in sockets} == {member.pk, counterpart.pk}
    sender = next(entry for entry in sockets if entry["user_id"] == member.pk)
    assert sender["frames_in"] == 5  # subscribe, send, resend, unknown room, malformed
    assert sender["close_code"] == 1000
    assert len({entry["socket_id"] for entry in sockets}) == 2


def test_an_exception_is_logged_as_its_class_and_stack_without_its_message():
    record = None
    try:
        raise ValueError("Key (email)=(someone@example.org) already exists")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())

    line = json.loads(JsonFormatter().format(record))

    assert line["error"] == "builtins.ValueError"
    assert line["stack"][0].endswith(
        "test_an_exception_is_logged_as_its_class_and_stack_without_its_message"
    )
    assert "someone@example.org" not in json.dumps(line)


def test_django_request_warnings_name_the_url_pattern_not_the_path(client, captured_log):
    """Paths hold tokens (invitation and reset links); the request logger's line names the
    pattern instead."""
    logging.getLogger("django.request").setLevel(logging.WARNING)
    try:
        client.get("/accounts/invitation/secret-token-abc123/")
    finally:
        logging.getLogger("django.request").setLevel(logging.ERROR)

    assert "secret-token-abc123" not in captured_log.getvalue()
    warnings = [entry for entry in lines(captured_log) if entry["logger"] == "django.request"]
    assert warnings and all("invitation" in entry["message"] for entry in warnings)
