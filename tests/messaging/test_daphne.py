"""The protocol against a real Daphne on loopback, with the `websockets` client, the session
cookie and the Origin header a browser sends."""

import asyncio
import json
import uuid

import pytest
from channels.db import database_sync_to_async as sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from messaging import actions
from messaging.models import Message
from messaging.realtime.server import MAX_MESSAGE_BYTES
from network.models import Membership
from network.signals import membership_deactivated
from tests.messaging.servers import daphne

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server():
    with daphne() as (origin, _):
        yield origin


def ws_url(origin: str) -> str:
    return origin.replace("http://", "ws://") + "/ws/v1/"


async def open_ws(origin, cookie, *, header_origin=None):
    socket = await connect(
        ws_url(origin),
        origin=header_origin or origin,
        additional_headers={"Cookie": cookie},
        open_timeout=20,
    )
    hello = json.loads(await socket.recv())
    assert hello["type"] == "hello"
    return socket


async def frame_of(socket, kind, timeout=3):
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == kind:
                return frame


async def subscribe(socket, room, **fields):
    await socket.send(json.dumps({"type": "subscribe", "room": str(room.pk), **fields}))
    frames = []
    async with asyncio.timeout(5):
        while True:
            frames.append(json.loads(await socket.recv()))
            if frames[-1]["type"] in ("caught_up", "error"):
                return frames


def send_frame(room, thread, body, client_id=None):
    return json.dumps(
        {
            "type": "send",
            "room": str(room.pk),
            "thread": str(thread.pk),
            "client_id": str(client_id or uuid.uuid4()),
            "body": body,
        }
    )


async def test_delivery_catch_up_and_exactly_once_through_daphne(
    server, session_cookie, case_room, thread, member, counterpart
):
    sender_cookie = await sync_to_async(session_cookie)(member)
    reader_cookie = await sync_to_async(session_cookie)(counterpart)
    async with (
        await open_ws(server, sender_cookie) as sender,
        await open_ws(server, reader_cookie) as reader,
    ):
        await subscribe(sender, case_room)
        head = (await subscribe(reader, case_room))[0]["head"]
        client_id = uuid.uuid4()
        await sender.send(send_frame(case_room, thread, "live", client_id))
        ack = await frame_of(sender, "ack")
        event = await frame_of(reader, "event")
        assert (event["seq"], event["data"]["body"]) == (ack["seq"], "live")
        await sender.send(send_frame(case_room, thread, "live", client_id))
        assert (await frame_of(sender, "ack"))["duplicate"] is True
    # The reader is away while three more arrive.
    async with await open_ws(server, sender_cookie) as sender:
        for i in range(3):
            await sender.send(send_frame(case_room, thread, f"away {i}"))
            await frame_of(sender, "ack")
    async with await open_ws(server, reader_cookie) as reader:
        frames = await subscribe(reader, case_room, after=head)
        bodies = [f["data"]["body"] for f in frames if f["type"] == "event"]
        assert bodies == ["live", "away 0", "away 1", "away 2"]
        assert frames[-1]["more"] is False
    assert await sync_to_async(Message.objects.count)() == 4


@pytest.mark.parametrize(
    "make_origin",
    [
        lambda o: "https://evil.example",
        lambda o: "null",
        lambda o: None,
        lambda o: o.replace("http://", "https://"),
        lambda o: o.rsplit(":", 1)[0] + ":1",
        lambda o: o + ".evil.example",
    ],
    ids=["evil", "null", "absent", "https-variant", "other-port", "suffix"],
)
async def test_daphne_refuses_other_origins(server, session_cookie, member, make_origin):
    cookie = await sync_to_async(session_cookie)(member)
    origin = make_origin(server)
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        socket = await connect(
            ws_url(server),
            origin=origin,
            additional_headers={"Cookie": cookie},
            open_timeout=20,
        )
        # A handshake that got through must not deliver anything.
        await socket.recv()


async def test_bad_bytes_are_refused_and_the_socket_stays_usable(server, session_cookie, member):
    cookie = await sync_to_async(session_cookie)(member)
    async with await open_ws(server, cookie) as socket:
        await socket.send(b"\x00\xff binary")
        assert (await frame_of(socket, "error"))["code"] == "binary_refused"
        await socket.send("{" * 3)
        assert (await frame_of(socket, "error"))["code"] == "bad_json"
        await socket.send('{"type": "ping", "nonce": ' + "[" * 32_000 + "]" * 32_000 + "}")
        assert (await frame_of(socket, "error"))["code"] == "frame_too_deep"
        await socket.send(json.dumps({"type": "ping", "nonce": "x" * (70 * 1024)}))
        assert (await frame_of(socket, "error"))["code"] == "frame_too_large"
        await socket.send(json.dumps({"type": "ping", "nonce": 7}))
        assert await frame_of(socket, "pong") == {"type": "pong", "nonce": 7}


async def test_a_frame_between_the_protocol_and_the_server_limit_keeps_the_socket(
    server, session_cookie, member
):
    cookie = await sync_to_async(session_cookie)(member)
    async with await open_ws(server, cookie) as socket:
        await socket.send(json.dumps({"type": "ping", "nonce": "x" * (MAX_MESSAGE_BYTES - 100)}))
        error = await frame_of(socket, "error")
        assert (error["code"], error["ref"]) == ("frame_too_large", None)
        await socket.send(json.dumps({"type": "ping", "nonce": "kept"}))
        assert await frame_of(socket, "pong") == {"type": "pong", "nonce": "kept"}


@pytest.mark.parametrize("fragments", [1, 4], ids=["one-frame", "fragmented"])
async def test_a_message_over_the_server_limit_closes_with_1009_and_a_reason(
    server, session_cookie, member, fragments
):
    """Daphne's limit, set explicitly (messaging/realtime/server.py): a message over it is
    not read; the socket is closed with a close frame, 1009 and its documented reason,
    whether the message came in one frame or in several."""
    cookie = await sync_to_async(session_cookie)(member)
    text = json.dumps({"type": "ping", "nonce": "x" * MAX_MESSAGE_BYTES})
    size = len(text) // fragments + 1
    async with await open_ws(server, cookie) as socket:
        if fragments == 1:
            await socket.send(text)
        else:
            await socket.send([text[i : i + size] for i in range(0, len(text), size)])
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                await socket.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    assert closed.value.rcvd.reason.startswith("received WebSocket message size")
    assert f"exceeds payload limit of {MAX_MESSAGE_BYTES} octets" in closed.value.rcvd.reason


async def test_invalid_utf8_in_a_text_frame_fails_the_connection(server, session_cookie, member):
    """RFC 6455: a text frame that is not UTF-8 fails the WebSocket connection; the server
    closes it (1007 when it sends a close frame at all) and stores nothing."""
    cookie = await sync_to_async(session_cookie)(member)
    async with await open_ws(server, cookie) as socket:
        await socket.send(b"\xff\xfe not utf-8", text=True)
        with pytest.raises(ConnectionClosed) as closed:
            await socket.recv()
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1007
    assert await sync_to_async(Message.objects.count)() == 0


@pytest.mark.redis
async def test_cross_process_delivery_through_redis(
    redis_servers, session_cookie, case_room, thread, member, counterpart
):
    first, second = redis_servers
    sender_cookie = await sync_to_async(session_cookie)(member)
    reader_cookie = await sync_to_async(session_cookie)(counterpart)
    async with (
        await open_ws(first, sender_cookie) as sender,
        await open_ws(second, reader_cookie) as reader,
    ):
        await subscribe(sender, case_room)
        await subscribe(reader, case_room)
        sent = []
        for i in range(5):
            await sender.send(send_frame(case_room, thread, f"across {i}"))
            sent.append((await frame_of(sender, "ack"))["seq"])
        received = [(await frame_of(reader, "event"))["seq"] for _ in sent]
        assert received == sent


@pytest.mark.redis
async def test_suspension_cuts_a_live_socket_on_another_process(
    redis_servers, session_cookie, case_room, counterpart
):
    first, _ = redis_servers
    cookie = await sync_to_async(session_cookie)(counterpart)
    async with await open_ws(first, cookie) as socket:
        await subscribe(socket, case_room)

        def suspend():
            membership = Membership.objects.get(user=counterpart)
            membership.status = Membership.Status.SUSPENDED
            membership.save()
            membership_deactivated.send(
                sender=Membership, membership=membership, user=counterpart, reason="suspended"
            )

        await sync_to_async(suspend)()
        async with asyncio.timeout(1):
            frames = []
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    frames.append(json.loads(await socket.recv()))
        assert closed.value.rcvd.code == 4403
        assert frames[0]["type"] == "room_closed"


async def test_removal_cuts_the_room_through_the_per_frame_check(
    server, session_cookie, case_room, thread, member, counterpart
):
    """Without a shared layer the notice cannot arrive; the next frame is refused anyway."""
    cookie = await sync_to_async(session_cookie)(counterpart)
    async with await open_ws(server, cookie) as socket:
        await subscribe(socket, case_room)
        await sync_to_async(actions.remove_participant)(
            room=case_room, user=counterpart, removed_by=member
        )
        await socket.send(send_frame(case_room, thread, "after removal"))
        assert (await frame_of(socket, "error"))["code"] == "unknown_room"
