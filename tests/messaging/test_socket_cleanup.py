"""A socket leaves its channel-layer groups and the process hub however it ends: closed by
the client, after a frame the server failed to handle, or when `connect` itself failed.

The faults are the channel layer's own methods failing, as they do when Redis is unreachable.
"""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from messaging.realtime import broadcast
from messaging.realtime.hub import get_hub
from tests.messaging.conftest import ORIGIN

pytestmark = pytest.mark.django_db(transaction=True)


async def group_members(group: str) -> set[str]:
    """The channels in `group`, read from the layer's storage (memory or Redis)."""
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # the in-memory layer
        return set(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return {name.decode() for name in await connection.zrange(layer._group_key(group), 0, -1)}


async def subscribe(socket, room) -> None:
    await socket.send_json_to({"type": "subscribe", "room": str(room.pk)})
    while (await socket.receive_json_from())["type"] != "caught_up":
        pass


def local_sockets(room) -> int:
    state = get_hub().rooms.get(str(room.pk))
    return 0 if state is None else len(state.subscribers)


async def test_a_socket_closed_by_its_client_leaves_its_groups_and_the_hub(
    open_socket, member, case_room
):
    group = broadcast.member_group_name(member.pk)
    socket = await open_socket(member)
    await subscribe(socket, case_room)
    assert len(await group_members(group)) == 1 and local_sockets(case_room) == 1
    await socket.disconnect()
    assert await group_members(group) == set()
    assert local_sockets(case_room) == 0


async def test_a_frame_the_server_fails_is_answered_and_the_socket_still_leaves_its_groups(
    open_socket, member, case_room, thread, monkeypatch
):
    """The layer unreachable while a `typing` frame is handled: an `error` frame with a
    retry hint, the socket stays usable, and its close still cleans up."""
    layer = broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP)
    group = broadcast.member_group_name(member.pk)
    socket = await open_socket(member)
    await subscribe(socket, case_room)

    async def unreachable(*args, **kwargs):
        raise ConnectionError("the channel layer is unreachable")

    monkeypatch.setattr(layer, "group_send", unreachable)
    await socket.send_json_to(
        {"type": "typing", "room": str(case_room.pk), "thread": str(thread.pk)}
    )
    error = await socket.receive_json_from()
    assert (error["type"], error["code"], error["ref"]) == ("error", "server_error", "typing")
    assert error["retry_after"] > 0
    await socket.send_json_to({"type": "ping", "nonce": "still open"})
    assert await socket.receive_json_from() == {"type": "pong", "nonce": "still open"}
    monkeypatch.undo()
    await socket.disconnect()
    assert await group_members(group) == set()
    assert local_sockets(case_room) == 0


async def test_a_fault_in_connect_leaves_no_channel_in_any_group(
    member, session_cookie, monkeypatch
):
    """Joining the second group fails for a fault of the server's (not an outage of the
    layer): the instance ends with the error, and the channel is no longer in the first group
    (Channels runs no `disconnect` for it)."""
    from network.asgi import application

    layer = get_channel_layer()
    joined, join = [], layer.group_add

    async def second_join_fails(group, channel):
        joined.append(group)
        if len(joined) == 2:
            raise RuntimeError("a fault of the server's")
        await join(group, channel)

    monkeypatch.setattr(layer, "group_add", second_join_fails)
    cookie = await database_sync_to_async(session_cookie)(member)
    communicator = WebsocketCommunicator(
        application,
        "/ws/v1/",
        headers=[(b"origin", ORIGIN.encode()), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert connected  # accepted before authentication: failures close with a code
    with pytest.raises(RuntimeError):
        await communicator.receive_output()
    assert joined[0] == broadcast.member_group_name(member.pk)
    assert await group_members(joined[0]) == set()


async def test_a_close_of_the_servers_leaves_the_groups_before_the_socket_closes(
    open_socket, member, case_room
):
    """Signing out everywhere closes the socket (4401) after it left its groups."""
    from network.accounts.signals import sessions_ended

    group = broadcast.member_group_name(member.pk)
    socket = await open_socket(member)
    await subscribe(socket, case_room)
    await database_sync_to_async(sessions_ended.send)(sender=None, user=member, session_keys=None)
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    assert await group_members(group) == set()
    assert local_sockets(case_room) == 0
