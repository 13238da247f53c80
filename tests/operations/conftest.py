"""A busy flow through the real surfaces, for the metrics and log tests: a member signs in
with password and authenticator code, searches the directory (page and API), sends in a case
room over the WebSocket while a counterpart listens, resends, sends to a room that does not
exist and a malformed frame, and asks for a translation. Every piece of content is a canary
the log must not contain."""

import io
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging import actions
from network.accounts.sessions import mark_two_factor_verified
from network.operations.logs import JsonFormatter
from tests.network.accounts_support import enrol_totp, give_password, sign_in_password, totp_code

ORIGIN = "http://127.0.0.1:8000"
BODY = "CANARY-BODY Lucía fue trasladada desde el puerto de noche"
SEARCH = "CANARY-SEARCH Okonkwo"
NOTE = "CANARY-NOTE keep the names as written"
THREAD_TITLE = "CANARY-THREAD recruitment agency"
CASE_NUMBER = "DP 4711/2026"
REQUEST_ID = "probe-1234abcd"


@dataclass
class Flow:
    client: Client
    password: str
    code: str
    answers: dict = field(default_factory=dict)
    frames: dict = field(default_factory=dict)


@pytest.fixture
def captured_log():
    """Every line the process logs at INFO and above while the test runs, formatted as in
    production (network/settings.py LOGGING)."""
    import network.asgi  # noqa: F401 - its django.setup() configures logging anew: before the handler

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def busy_flow(member, counterpart, case_room):
    thread = actions.create_thread(
        room=case_room,
        creator=member,
        title=THREAD_TITLE,
        tags=[{"kind": "case_number", "state": "ES", "value": CASE_NUMBER}],
    )

    def run(*, while_open=None) -> Flow:
        password = give_password(member)
        seed = enrol_totp(member)
        client = Client()
        flow = Flow(client, password, totp_code(seed))
        flow.answers["password"] = sign_in_password(client, member.email, password)
        flow.answers["code"] = client.post(reverse("accounts:second_factor"), {"code": flow.code})
        flow.answers["search"] = client.get("/directory/", {"q": SEARCH})
        flow.answers["search_api"] = client.get(
            "/api/v1/directory/contact-points/", {"q": SEARCH}, HTTP_X_REQUEST_ID=REQUEST_ID
        )
        listener = Client()
        listener.force_login(counterpart)
        session = listener.session
        mark_two_factor_verified(session, method="totp")
        session.save()
        async_to_sync(_sockets)(flow, client, listener, thread, while_open)
        flow.answers["translation"] = client.post(
            "/api/v1/translations/",
            {
                "message": flow.frames["ack"]["message"],
                "target_language": "en",
                "source_language": "es",
                "purpose": "information",
                "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
                "note": NOTE,
            },
            content_type="application/json",
        )
        return flow

    return run


async def _socket(client: Client) -> WebsocketCommunicator:
    from network.asgi import application

    cookie = f"sessionid={client.cookies['sessionid'].value}"
    socket = WebsocketCommunicator(
        application,
        "/ws/v1/",
        headers=[(b"origin", ORIGIN.encode()), (b"cookie", cookie.encode())],
    )
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


async def _next(socket, kind: str) -> dict:
    while True:
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] == kind:
            return frame


async def _sockets(flow: Flow, sender_client, listener_client, thread, while_open) -> None:
    from channels.db import database_sync_to_async

    sender, listener = await _socket(sender_client), await _socket(listener_client)
    try:
        room = str(thread.room_id)
        for socket in (sender, listener):
            await socket.send_json_to({"type": "subscribe", "room": room})
            await _next(socket, "caught_up")
        send = {
            "type": "send",
            "room": room,
            "thread": str(thread.pk),
            "client_id": str(uuid.uuid4()),
            "body": BODY,
        }
        await sender.send_json_to(send)
        flow.frames["ack"] = await _next(sender, "ack")
        flow.frames["event"] = await _next(listener, "event")
        await sender.send_json_to(send)  # a resend: the same client id
        flow.frames["resent"] = await _next(sender, "ack")
        await sender.send_json_to(
            {**send, "room": str(uuid.uuid4()), "client_id": str(uuid.uuid4())}
        )
        flow.frames["unknown_room"] = await _next(sender, "error")
        await sender.send_to(text_data='{"type": "send", "body": ' + json.dumps(BODY))
        flow.frames["malformed"] = await _next(sender, "error")
        if while_open is not None:
            await database_sync_to_async(while_open)()
    finally:
        await sender.disconnect()
        await listener.disconnect()
