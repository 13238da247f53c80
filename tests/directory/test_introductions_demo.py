"""The demo's flow end to end over pages, API and WebSocket: a REDTRAM prosecutor in Spain
(in no other network) gets a direct room with WACAP's focal point in Nigeria, sees the
entry's details only after acceptance, and no longer once the focal point is suspended."""

import io

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from directory import demo as directory_demo
from directory.introductions import demo
from directory.introductions.models import IntroductionNotice, IntroductionRequest
from directory.models import ContactPoint
from network import demo as network_demo
from network.accounts.models import User
from network.asgi import application
from network.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://127.0.0.1:8000"


@pytest.fixture
def seeded(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEMO = True
    out = io.StringIO()
    network_demo.seed(stdout=out)
    directory_demo.seed(stdout=out)
    demo.seed(stdout=out)
    demo.seed(stdout=out)  # idempotent
    return (
        User.objects.get(email=demo.REQUESTER),
        User.objects.get(email=demo.FOCAL_POINT),
        ContactPoint.objects.get(name=demo.ENTRY_NAME),
    )


async def _socket(client):
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = WebsocketCommunicator(
        application, "/ws/v1/", headers=[(b"origin", ORIGIN), (b"cookie", cookie)]
    )
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


async def _next(socket, kind, timeout=5):
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def test_a_redtram_member_in_spain_reaches_wacaps_focal_point_in_nigeria(seeded, client_for):
    requester, focal, entry = seeded
    elena = await sync_to_async(client_for)(requester)
    adaeze = await sync_to_async(client_for)(focal)
    detail = f"/api/v1/directory/contact-points/{entry.pk}/"
    get, post = sync_to_async(elena.get), sync_to_async(elena.post)

    before = (await get(detail)).json()
    assert before["details_visible"] is False and before["email"] is None
    card = (await get(f"/directory/contact-points/{entry.pk}/")).content.decode()
    assert "focal.point.ng@example.net" not in card
    assert f"/directory/contact-points/{entry.pk}/introduction/" in card

    focal_socket = await _socket(adaeze)
    elena_socket = await _socket(elena)
    asked = await post(
        f"/directory/contact-points/{entry.pk}/introduction/",
        {
            "purpose": "A request for mutual legal assistance on a trafficking route.",
            "competence": "tip.specialized_prosecution",
            "urgency": "routine",
        },
    )
    assert asked.status_code == 302
    introduction = await database_sync_to_async(IntroductionRequest.objects.get)()
    assert introduction.broker_id == focal.pk
    frame = await _next(focal_socket, "notification")
    assert frame["kind"] == "introduction_requested"
    assert "trafficking" not in repr(frame)

    accepted = await sync_to_async(adaeze.post)(
        f"/api/v1/directory/introductions/{introduction.pk}/accept/",
        {},
        content_type="application/json",
    )
    assert accepted.status_code == 200
    room_id = accepted.json()["room"]
    frame = await _next(elena_socket, "notification")
    notice = await database_sync_to_async(IntroductionNotice.objects.get)(recipient=requester)
    assert frame == {
        "type": "notification",
        "notification": notice.pk,
        "kind": "introduction_accepted",
    }
    await elena_socket.send_json_to({"type": "subscribe", "room": room_id, "after": 0})
    assert (await _next(elena_socket, "subscribed"))["room"] == room_id

    after = (await get(detail)).json()
    assert after["details_visible"] is True and after["email"] == "focal.point.ng@example.net"

    await database_sync_to_async(
        lambda: Membership.objects.filter(user=focal, network__slug="wacap").update(
            status="suspended"
        )
    )()
    suspended = (await get(detail)).json()
    assert suspended["details_visible"] is False and suspended["email"] is None
    for socket in (focal_socket, elena_socket):
        await socket.disconnect()
