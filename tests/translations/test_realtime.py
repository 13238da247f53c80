"""Through a real WebSocket: notices arrive as `notification` frames, and a translator's socket
never opens the room of the item they translate."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from messaging.translations import actions
from messaging.translations.models import Notification
from network.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://127.0.0.1:8000"


@pytest.fixture
async def open_socket(client_for):
    opened = []

    async def make(user):
        client = await sync_to_async(client_for)(user)
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        socket = WebsocketCommunicator(
            application, "/ws/v1/", headers=[(b"origin", ORIGIN), (b"cookie", cookie)]
        )
        connected, _ = await socket.connect()
        assert connected
        assert (await socket.receive_json_from())["type"] == "hello"
        opened.append(socket)
        return socket

    yield make
    for socket in opened:
        await socket.disconnect()


async def next_of(socket, kind, timeout=3):
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def test_the_requester_gets_a_notification_frame_when_claimed(
    open_socket, open_request, translator, member
):
    socket = await open_socket(member)
    await database_sync_to_async(actions.claim_request)(request=open_request, translator=translator)
    frame = await next_of(socket, "notification")
    row = await database_sync_to_async(Notification.objects.get)(recipient=member)
    assert frame == {"type": "notification", "notification": row.pk, "kind": "claimed"}


async def test_a_matching_translator_gets_a_new_request_frame(
    open_socket, make_request, translator
):
    socket = await open_socket(translator)
    request = await database_sync_to_async(make_request)()
    frame = await next_of(socket, "notification")
    row = await database_sync_to_async(Notification.objects.get)(recipient=translator)
    assert (frame["kind"], frame["notification"]) == ("new_request", row.pk)
    assert str(request.pk) not in repr(frame)


async def subscribe_error(socket, room):
    await socket.send_json_to({"type": "subscribe", "room": str(room.pk), "after": 0})
    while True:
        frame = await socket.receive_json_from(timeout=3)
        if frame["type"] in ("error", "subscribed", "event", "caught_up"):
            return frame


async def test_the_translator_cannot_subscribe_to_the_room(
    open_socket, make_request, translator, member, case_room
):
    """Before, during and after the claim, subscribing answers unknown_room and sends nothing."""
    socket = await open_socket(translator)
    request = await database_sync_to_async(make_request)()
    assert (await subscribe_error(socket, case_room))["code"] == "unknown_room"
    await database_sync_to_async(actions.claim_request)(request=request, translator=translator)
    assert (await subscribe_error(socket, case_room))["code"] == "unknown_room"
    await database_sync_to_async(actions.submit_translation)(
        request=request, translator=translator, text="translated"
    )
    await database_sync_to_async(actions.accept_translation)(request=request, requester=member)
    assert (await subscribe_error(socket, case_room))["code"] == "unknown_room"
