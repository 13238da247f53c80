"""The WebSocket protocol through Channels' communicator, against the real application stack
(origin check, session authentication, consumer, hub, actions, database)."""

import asyncio
import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.db import database_sync_to_async as sync_to_async

from messaging import actions, posting
from messaging.models import Message, RoomEvent
from messaging.realtime import broadcast
from network.models import Membership
from network.signals import membership_deactivated

pytestmark = pytest.mark.django_db(transaction=True)


def send_frame(room, thread, body="hello", **fields):
    return {
        "type": "send",
        "room": str(room.pk),
        "thread": str(thread.pk),
        "client_id": str(fields.pop("client_id", uuid.uuid4())),
        "body": body,
        **fields,
    }


async def next_of(socket, kind, timeout=2):
    """The next frame of `kind`, skipping others."""
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def subscribe(socket, room, **fields):
    await socket.send_json_to({"type": "subscribe", "room": str(room.pk), **fields})
    frames = []
    while True:
        frame = await socket.receive_json_from()
        frames.append(frame)
        if frame["type"] in ("caught_up", "error"):
            return frames


async def message_count():
    return await database_sync_to_async(Message.objects.count)()


async def test_it_refuses_a_socket_without_a_session(open_socket):
    socket = await open_socket(None, expect_hello=False)
    closed = await socket.receive_output()
    assert closed == {"type": "websocket.close", "code": 4401}


async def test_it_refuses_a_session_without_the_second_factor(open_socket, member, client):
    await sync_to_async(client.force_login)(member)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    socket = await open_socket(cookie=cookie, expect_hello=False)
    assert (await socket.receive_output())["code"] == 4401


async def test_it_refuses_an_account_without_active_membership(open_socket, applicant):
    socket = await open_socket(applicant, expect_hello=False)
    assert (await socket.receive_output())["code"] == 4403


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "null",
        None,
        "https://127.0.0.1:8000",
        "http://127.0.0.1:8001",
        "http://localhost.evil.example:8000",
    ],
)
async def test_it_refuses_other_origins(open_socket, member, origin):
    socket = await open_socket(member, origin=origin, expect_hello=False)
    assert not socket.accepted


async def test_it_delivers_to_every_participant_after_commit(
    open_socket, case_room, thread, member, counterpart
):
    sender = await open_socket(member)
    reader = await open_socket(counterpart)
    await subscribe(sender, case_room)
    await subscribe(reader, case_room)
    await sender.send_json_to(send_frame(case_room, thread, "**hello** counterpart"))
    ack = await next_of(sender, "ack")
    stored = await database_sync_to_async(Message.objects.get)(pk=ack["message"])
    assert ack["seq"] == stored.seq and ack["duplicate"] is False
    for socket in (sender, reader):
        event = await next_of(socket, "event")
        assert (event["seq"], event["kind"]) == (ack["seq"], "message.posted")
        assert event["data"]["body"] == "**hello** counterpart"
        assert event["data"]["html"] == "<p><strong>hello</strong> counterpart</p>"
        assert event["data"]["handling"] == {"code": "H0", "note": ""}


async def test_a_sender_gets_its_ack_before_its_message_comes_back(
    open_socket, case_room, thread, member
):
    """Even when the room's event is delivered at once (its notice names the readers), the
    ack leaves first: the writer answers its senders before it announces the batch."""
    sender = await open_socket(member)
    await subscribe(sender, case_room)
    for n in range(5):
        await sender.send_json_to(send_frame(case_room, thread, f"in order {n}"))
        first = await sender.receive_json_from(timeout=2)
        second = await sender.receive_json_from(timeout=2)
        assert [first["type"], second["type"]] == ["ack", "event"]
        assert first["seq"] == second["seq"]
        assert second["data"]["body"] == f"in order {n}"


async def test_catch_up_after_reconnect_misses_nothing(
    open_socket, case_room, thread, member, counterpart
):
    reader = await open_socket(counterpart)
    frames = await subscribe(reader, case_room)
    last_seen = frames[0]["head"]
    await reader.disconnect()
    sender = await open_socket(member)
    sent = []
    for i in range(7):
        await sender.send_json_to(send_frame(case_room, thread, f"while away {i}"))
        sent.append((await next_of(sender, "ack"))["seq"])
    reader = await open_socket(counterpart)
    frames = await subscribe(reader, case_room, after=last_seen)
    events = [frame for frame in frames if frame["type"] == "event"]
    assert [event["seq"] for event in events] == sent
    assert [event["data"]["body"] for event in events] == [f"while away {i}" for i in range(7)]
    assert frames[-1] == {
        "type": "caught_up",
        "room": str(case_room.pk),
        "head": sent[-1],
        "more": False,
    }


async def test_catch_up_in_pages(open_socket, case_room, thread, member, post):
    for i in range(5):
        await sync_to_async(post)(member, f"m{i}")
    socket = await open_socket(member)
    await subscribe(socket, case_room)
    await socket.send_json_to(
        {"type": "catch_up", "room": str(case_room.pk), "after": 0, "limit": 3}
    )
    seqs = []
    while True:
        frame = await socket.receive_json_from()
        if frame["type"] == "caught_up":
            break
        seqs.append(frame["seq"])
    assert seqs == [1, 2, 3] and frame["more"] is True


async def test_a_resend_is_acknowledged_once(open_socket, case_room, thread, member):
    socket = await open_socket(member)
    frame = send_frame(case_room, thread, "only once")
    await socket.send_json_to(frame)
    first = await next_of(socket, "ack")
    await socket.send_json_to(frame)
    second = await next_of(socket, "ack")
    assert (second["seq"], second["message"], second["duplicate"]) == (
        first["seq"],
        first["message"],
        True,
    )
    assert await message_count() == 1


BAD_FRAMES = [
    ("{not json", "bad_json"),
    ("[1, 2]", "bad_json"),
    ('"text"', "bad_json"),
    ('{"type": "send", "body": "\\ud800"}', "bad_json"),
    ('{"type": "dance"}', "unknown_type"),
    ('{"room": "x"}', "unknown_type"),
    ("x" * (64 * 1024 + 1), "frame_too_large"),
]


@pytest.mark.parametrize(("text", "code"), BAD_FRAMES)
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(
    open_socket, member, case_room, text, code
):
    socket = await open_socket(member)
    await socket.send_to(text_data=text)
    error = await socket.receive_json_from()
    assert (error["type"], error["code"]) == ("error", code)
    await socket.send_json_to({"type": "ping", "nonce": "still-here"})
    assert await socket.receive_json_from() == {"type": "pong", "nonce": "still-here"}
    assert await message_count() == 0


async def test_binary_frames_are_refused(open_socket, member):
    socket = await open_socket(member)
    await socket.send_to(bytes_data=b"\xff\xfe{}")
    assert (await socket.receive_json_from())["code"] == "binary_refused"


def bad_sends(room, thread):
    good = send_frame(room, thread)
    return [
        ({k: v for k, v in good.items() if k != "body"}, "missing_field"),
        ({k: v for k, v in good.items() if k != "client_id"}, "missing_field"),
        ({k: v for k, v in good.items() if k != "thread"}, "missing_field"),
        ({k: v for k, v in good.items() if k != "room"}, "missing_field"),
        ({**good, "body": "x" * 20001}, "body_too_large"),
        ({**good, "body": ["list"]}, "invalid_field"),
        ({**good, "client_id": "nope"}, "invalid_field"),
        ({**good, "handling": "H7"}, "invalid_field"),
        ({**good, "handling": "H3"}, "missing_field"),
        ({**good, "evaluation": "Z9"}, "invalid_field"),
        ({**good, "thread": str(uuid.uuid4())}, "invalid_field"),
        ({**good, "room": str(uuid.uuid4())}, "unknown_room"),
        ({**good, "room": "not-a-room"}, "unknown_room"),
        ({**good, "reply_to": 10_000}, "invalid_field"),
    ]


async def test_every_bad_send_gets_its_code_and_stores_nothing(
    open_socket, member, case_room, thread
):
    socket = await open_socket(member)
    head = await database_sync_to_async(RoomEvent.objects.count)()
    for frame, code in bad_sends(case_room, thread):
        await socket.send_json_to(frame)
        error = await socket.receive_json_from()
        assert (error["type"], error["code"]) == ("error", code), frame
    assert await message_count() == 0
    assert await database_sync_to_async(RoomEvent.objects.count)() == head
    await socket.send_json_to(send_frame(case_room, thread, "still works"))
    assert (await next_of(socket, "ack"))["duplicate"] is False


async def test_a_reused_client_id_with_another_body_is_a_conflict(
    open_socket, member, case_room, thread
):
    socket = await open_socket(member)
    client_id = str(uuid.uuid4())
    await socket.send_json_to(send_frame(case_room, thread, "first", client_id=client_id))
    await next_of(socket, "ack")
    await socket.send_json_to(send_frame(case_room, thread, "second", client_id=client_id))
    error = await socket.receive_json_from()
    assert (error["code"], error["ref"]) == ("client_id_conflict", client_id)
    assert await message_count() == 1


@pytest.mark.parametrize("persona", ["other_network_member", "coordinator"])
async def test_a_non_participant_can_neither_read_nor_send(
    request, open_socket, case_room, thread, persona
):
    user = await sync_to_async(request.getfixturevalue)(persona)
    socket = await open_socket(user)
    frames = await subscribe(socket, case_room)
    assert frames[-1]["code"] == "unknown_room"
    await socket.send_json_to(send_frame(case_room, thread))
    assert (await socket.receive_json_from())["code"] == "unknown_room"
    await socket.send_json_to(
        {"type": "typing", "room": str(case_room.pk), "thread": str(thread.pk)}
    )
    assert (await socket.receive_json_from())["code"] == "not_subscribed"
    assert await message_count() == 0


async def test_removing_a_participant_closes_the_room_on_their_socket(
    open_socket, case_room, member, counterpart
):
    socket = await open_socket(counterpart)
    await subscribe(socket, case_room)
    await sync_to_async(actions.remove_participant)(
        room=case_room, user=counterpart, removed_by=member
    )
    closed = await next_of(socket, "room_closed", timeout=1)
    assert closed["room"] == str(case_room.pk)


async def test_suspension_cuts_a_live_socket_within_a_second(open_socket, case_room, counterpart):
    socket = await open_socket(counterpart)
    await subscribe(socket, case_room)

    def suspend():
        membership = Membership.objects.get(user=counterpart)
        membership.status = Membership.Status.SUSPENDED
        membership.save()
        membership_deactivated.send(
            sender=Membership, membership=membership, user=counterpart, reason="suspended"
        )

    await sync_to_async(suspend)()
    frames = []
    while True:
        output = await socket.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            break
        frames.append(json.loads(output["text"]))
    assert output["code"] == 4403
    assert {"type": "room_closed", "room": str(case_room.pk), "reason": "access_ended"} in frames


async def test_a_dropped_notice_is_covered_by_the_per_frame_check(
    open_socket, case_room, thread, counterpart
):
    """Access lost without any notice: the next frame naming the room is refused."""
    socket = await open_socket(counterpart)
    await subscribe(socket, case_room)
    await database_sync_to_async(Membership.objects.filter(user=counterpart).update)(
        status="suspended"
    )
    await socket.send_json_to(send_frame(case_room, thread))
    assert (await socket.receive_json_from())["code"] == "unknown_room"
    assert await message_count() == 0


async def test_typing_and_read_markers(open_socket, case_room, thread, member, counterpart):
    a, b = await open_socket(member), await open_socket(counterpart)
    await subscribe(a, case_room)
    await subscribe(b, case_room)
    await a.send_json_to({"type": "typing", "room": str(case_room.pk), "thread": str(thread.pk)})
    typing = await next_of(b, "typing")
    assert typing["user"] == member.pk
    await b.send_json_to({"type": "read", "room": str(case_room.pk), "seq": 2})
    assert await next_of(b, "read_ok") == {"type": "read_ok", "room": str(case_room.pk), "seq": 2}


async def test_ending_the_session_closes_its_socket(open_socket, member, session_cookie):
    from network.accounts.signals import sessions_ended

    cookie = await sync_to_async(session_cookie)(member)
    socket = await open_socket(cookie=cookie)
    other = await open_socket(member)
    session_key = cookie.split("=", 1)[1]
    await sync_to_async(sessions_ended.send)(sender=None, user=member, session_keys=[session_key])
    assert await socket.receive_output(timeout=1) == {"type": "websocket.close", "code": 4401}
    await other.send_json_to({"type": "ping", "nonce": 1})
    assert (await other.receive_json_from())["type"] == "pong"


async def test_disabling_the_account_closes_every_socket(open_socket, member):
    socket = await open_socket(member)
    await sync_to_async(membership_deactivated.send)(
        sender=None, membership=None, user=member, reason="account disabled"
    )
    assert await socket.receive_output(timeout=1) == {"type": "websocket.close", "code": 4403}


async def test_a_refused_frame_for_a_lost_room_also_closes_it(
    open_socket, case_room, thread, counterpart
):
    socket = await open_socket(counterpart)
    await subscribe(socket, case_room)
    await sync_to_async(Membership.objects.filter(user=counterpart).update)(status="suspended")
    await socket.send_json_to(
        {"type": "typing", "room": str(case_room.pk), "thread": str(thread.pk)}
    )
    assert (await socket.receive_json_from())["code"] == "unknown_room"
    assert (await socket.receive_json_from())["type"] == "room_closed"


@pytest.mark.redis
async def test_an_idle_socket_outlives_the_channel_layers_blocking_read(open_socket, member):
    """channels_redis blocks 5 s per read; a shorter client socket timeout killed idle sockets.

    Nothing can be awaited here: the point is that time passes with no traffic at all.
    """
    socket = await open_socket(member)
    await asyncio.sleep(6.5)
    await socket.send_json_to({"type": "ping", "nonce": "awake"})
    assert await socket.receive_json_from(timeout=3) == {"type": "pong", "nonce": "awake"}


async def test_a_socket_closes_when_its_session_expires(
    open_socket, member, client_for, session_clock
):
    def short_session():
        client = client_for(member)
        session = client.session
        session.set_expiry(30)
        session.save()
        return f"sessionid={session.session_key}"

    socket = await open_socket(cookie=await sync_to_async(short_session)())
    await session_clock.advance(29)
    assert await heartbeat(socket) == "pong"
    await session_clock.advance(2)
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


def _signed_in(client_for, user):
    """(the test client of a fresh session of `user`, its cookie header)."""
    client = client_for(user)
    return client, f"sessionid={client.cookies['sessionid'].value}"


def _stored_last_seen(client) -> float:
    from network.accounts.sessions import last_activity

    return last_activity(client.cookies["sessionid"].value)


async def heartbeat(socket):
    """The page's heartbeat, a ping: "pong", or the close code if the socket was closed."""
    await socket.send_json_to({"type": "ping", "nonce": "n"})
    output = await socket.receive_output(timeout=2)
    if output["type"] == "websocket.close":
        return output["code"]
    return json.loads(output["text"])["type"]


async def test_an_idle_socket_closes_at_the_inactivity_limit(
    open_socket, member, client_for, settings, session_clock
):
    """S2: the idle timeout applies to open sockets; heartbeats are not activity."""
    settings.COUNTERPART_IDLE_TIMEOUT = 60
    _, cookie = await sync_to_async(_signed_in)(client_for, member)
    socket = await open_socket(cookie=cookie)
    for _ in range(5):  # 50 s of heartbeats
        await session_clock.advance(10)
        assert await heartbeat(socket) == "pong"
    await session_clock.advance(15)
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


async def test_the_members_frames_keep_a_socket_open_and_count_for_the_session(
    open_socket, member, case_room, client_for, settings, monkeypatch, session_clock
):
    from messaging.realtime import session_watch

    settings.COUNTERPART_IDLE_TIMEOUT = 60
    monkeypatch.setattr(session_watch, "ACTIVITY_SAVE_SECONDS", 0)
    client, cookie = await sync_to_async(_signed_in)(client_for, member)
    signed_in_at = await sync_to_async(_stored_last_seen)(client)
    socket = await open_socket(cookie=cookie)
    for _ in range(4):  # 2 minutes of work in the room: twice the limit
        await session_clock.advance(30)
        await subscribe(socket, case_room)
    assert await sync_to_async(_stored_last_seen)(client) > signed_in_at + 110
    assert (await sync_to_async(client.get)("/")).status_code == 200  # the pages agree
    await session_clock.advance(55)
    assert await heartbeat(socket) == "pong"
    await session_clock.advance(10)
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


async def test_activity_elsewhere_in_the_session_keeps_the_socket_open(
    open_socket, member, client_for, settings, session_clock
):
    """Another tab's pages store the session's last activity (as `record_activity` does
    here, at the moved clock's time); the socket's idle check reads it before closing."""
    from network.accounts.sessions import record_activity

    settings.COUNTERPART_IDLE_TIMEOUT = 60
    client, cookie = await sync_to_async(_signed_in)(client_for, member)
    socket = await open_socket(cookie=cookie)
    await session_clock.advance(50)
    session_key = client.cookies["sessionid"].value
    assert await sync_to_async(record_activity)(session_key, session_clock.now())
    await session_clock.advance(20)  # past the socket's own limit, not the session's
    assert await heartbeat(socket) == "pong"
    await session_clock.advance(45)
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


async def test_a_socket_whose_session_ended_closes_at_its_next_frame(
    open_socket, member, case_room, client_for, monkeypatch
):
    from messaging.realtime import session_watch

    monkeypatch.setattr(session_watch, "ACTIVITY_SAVE_SECONDS", 0)
    client, cookie = await sync_to_async(_signed_in)(client_for, member)
    socket = await open_socket(cookie=cookie)
    await sync_to_async(client.session.delete)()
    await socket.send_json_to({"type": "subscribe", "room": str(case_room.pk)})
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def test_notices_within_the_linger_are_delivered_by_one_load(
    open_socket, case_room, thread, member, counterpart, settings, monkeypatch
):
    """The hub waits COUNTERPART_DELIVERY_LINGER_MS after a notice: the notices that come
    meanwhile are loaded and written together, in order, each event once."""
    from messaging.realtime import hub

    loads = []
    load = hub._load_batches

    def counted(requests):
        loads.append(len(requests))
        return load(requests)

    monkeypatch.setattr(hub, "_load_batches", counted)
    # Notices that name no readers: the hub checks access, once for the three.
    monkeypatch.setattr(broadcast, "READERS_MAX_PER_ROOM", 0)
    settings.COUNTERPART_DELIVERY_LINGER_MS = 400
    reader = await open_socket(counterpart)
    await subscribe(reader, case_room)
    for n in range(3):
        await sync_to_async(posting.post_message)(
            room=case_room, sender=member, thread=thread, client_id=uuid.uuid4(), body=f"n{n}"
        )
    events = [await next_of(reader, "event") for _ in range(3)]
    assert [e["data"]["body"] for e in events] == ["n0", "n1", "n2"]
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[0]["seq"] + 3))
    assert loads == [1]
