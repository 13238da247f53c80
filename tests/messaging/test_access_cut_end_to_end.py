"""Invariant 3 end to end: the real vetting actions, account command and sign-out pages cut a
live WebSocket at once — no signal is sent by the test itself."""

import json

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command

from network.models import Membership
from network.vetting import actions as vetting_actions
from tests.messaging.test_room_consumer import next_of, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


async def closed_with(socket) -> tuple[int, list[dict]]:
    """Frames received until the close, and the close code (within a second)."""
    frames = []
    while True:
        output = await socket.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            return output["code"], frames
        frames.append(json.loads(output["text"]))


async def test_a_coordinator_suspending_a_member_closes_their_socket(
    open_socket, case_room, counterpart, coordinator
):
    socket = await open_socket(counterpart)
    await subscribe(socket, case_room)

    @database_sync_to_async
    def suspend():
        vetting_actions.suspend_membership(
            membership=Membership.objects.get(user=counterpart),
            coordinator=coordinator,
            reason="Left the prosecution service.",
        )

    await suspend()

    code, frames = await closed_with(socket)
    assert code == 4403
    assert {"type": "room_closed", "room": str(case_room.pk), "reason": "access_ended"} in frames


async def test_disabling_an_account_from_the_command_closes_its_sockets(
    open_socket, case_room, counterpart
):
    first, second = await open_socket(counterpart), await open_socket(counterpart)
    await subscribe(first, case_room)

    await database_sync_to_async(call_command)(
        "disable_account", counterpart.email, reason="Identity could not be confirmed."
    )

    assert (await closed_with(first))[0] == 4403
    assert (await closed_with(second))[0] == 4403


async def test_signing_out_closes_the_socket_of_that_session_only(
    open_socket, case_room, counterpart, client_for
):
    signed_in = await database_sync_to_async(client_for)(counterpart)
    cookie = f"sessionid={signed_in.cookies['sessionid'].value}"
    this_session = await open_socket(cookie=cookie)
    other_session = await open_socket(counterpart)

    response = await database_sync_to_async(signed_in.post)("/accounts/sign-out/")

    assert response.status_code in (200, 302)
    assert (await closed_with(this_session))[0] == 4401
    await other_session.send_json_to({"type": "ping", "nonce": 7})
    assert (await next_of(other_session, "pong"))["nonce"] == 7


async def test_signing_out_everywhere_closes_every_socket(open_socket, counterpart, client_for):
    signed_in = await database_sync_to_async(client_for)(counterpart)
    sockets = [await open_socket(counterpart), await open_socket(counterpart)]

    await database_sync_to_async(signed_in.post)("/accounts/sessions/sign-out-everywhere/")

    for socket in sockets:
        assert (await closed_with(socket))[0] == 4401
