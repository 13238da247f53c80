"""Frames that come with the notices: the hub delivers them as they are when they continue a
room without a gap, and loads from the database otherwise."""

import asyncio
import json
import uuid

import pytest
from channels.layers import get_channel_layer

from messaging import actions, broadcast, events, hub
from messaging.db import run_in_db

pytestmark = pytest.mark.django_db(transaction=True)


class Socket:
    def __init__(self):
        self.frames: list[tuple[int, str]] = []

    async def deliver(self, room, seq, text):
        self.frames.append((seq, text))

    async def room_lost(self, room):
        self.frames.append((0, "lost"))


async def _until(condition, timeout=5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.02)


@pytest.fixture
async def joined(thread, member, settings, monkeypatch):
    """A hub with one local socket of `member` in the thread's room, and a record of the
    rooms whose events it loads from the database."""
    settings.COUNTERPART_DELIVERY_LINGER_MS = 0
    loads: list = []
    events_after_in = events.events_after_in

    def recorded(requests, limit):
        loads.append([after for _, after, _ in requests])
        return events_after_in(requests, limit)

    monkeypatch.setattr(events, "events_after_in", recorded)
    room_hub, socket = hub.RoomHub(get_channel_layer()), Socket()
    room = thread.room
    meta = {"id": str(room.pk), "kind": room.kind, "network_id": room.network_id}
    await room_hub.subscribe(socket, meta, member.pk)
    yield room_hub, socket, loads
    await room_hub.unsubscribe(socket, str(room.pk))


def _post(thread, member, body):
    return actions.post_message(
        room=thread.room, sender=member, thread=thread, client_id=uuid.uuid4(), body=body
    )


async def test_new_messages_are_delivered_from_their_notice_without_loading(joined, thread, member):
    room_hub, socket, loads = joined
    stored = [(await run_in_db(_post)(thread, member, f"live {i}")).message for i in range(3)]
    await _until(lambda: len(socket.frames) == 3)
    assert [seq for seq, _ in socket.frames] == [message.seq for message in stored]
    assert [json.loads(text)["data"]["body"] for _, text in socket.frames] == [
        "live 0",
        "live 1",
        "live 2",
    ]
    assert loads == []
    assert room_hub._frames == {}


async def test_a_gap_before_the_carried_frames_is_loaded_from_the_database(joined, thread, member):
    """A dropped notice: the next one carries only its own frames; the hub loads from the
    seq after the last it delivered, so nothing is missing and nothing comes twice."""
    room_hub, socket, loads = joined
    room = str(thread.room_id)

    def post_two_silently():
        with broadcast.collect_notices() as notices:  # collected, never sent: "dropped"
            first, second = _post(thread, member, "lost notice"), _post(thread, member, "next")
        return first.message.seq, second.message.seq, notices

    first, second, notices = await run_in_db(post_two_silently)()
    last = notices[-1][1]
    assert [seq for seq, _ in last["frames"][room]] == [second]
    await get_channel_layer().group_send(broadcast.ROOM_EVENTS_GROUP, last)
    await _until(lambda: len(socket.frames) == 2)
    assert [seq for seq, _ in socket.frames] == [first, second]
    assert [json.loads(text)["data"]["body"] for _, text in socket.frames] == [
        "lost notice",
        "next",
    ]
    assert loads == [[first - 1]]
    await get_channel_layer().group_send(broadcast.ROOM_EVENTS_GROUP, notices[0][1])
    await asyncio.sleep(0.2)  # the late notice of the first message changes nothing
    assert [seq for seq, _ in socket.frames] == [first, second]


async def test_events_other_than_new_messages_are_loaded(joined, thread, member, counterpart):
    room_hub, socket, loads = joined
    await run_in_db(actions.create_thread)(room=thread.room, creator=member, title="Second")
    await _until(lambda: len(socket.frames) == 1)
    ((seq, text),) = socket.frames
    assert json.loads(text)["kind"] == "thread.created"
    assert loads == [[seq - 1]]


async def test_a_reader_who_lost_access_gets_no_carried_frame(joined, thread, member, counterpart):
    """The frames at hand are delivered only to the local sockets whose member may still read
    the room, checked when they are delivered."""
    room_hub, socket, loads = joined
    theirs = Socket()
    room = thread.room
    meta = {"id": str(room.pk), "kind": room.kind, "network_id": room.network_id}
    await room_hub.subscribe(theirs, meta, counterpart.pk)

    def post_then_remove():
        with broadcast.collect_notices() as notices:
            _post(thread, member, "after the removal")
            actions.remove_participant(room=room, user=counterpart, removed_by=member)
        return notices

    notices = await run_in_db(post_then_remove)()
    posted = next(m for _, m in notices if m.get("frames"))
    await get_channel_layer().group_send(broadcast.ROOM_EVENTS_GROUP, posted)
    await _until(lambda: socket.frames and theirs.frames)
    assert json.loads(socket.frames[0][1])["data"]["body"] == "after the removal"
    assert theirs.frames == [(0, "lost")]
    assert loads == []


def test_a_notice_carries_frames_up_to_its_budget_whole_rooms_at_a_time(monkeypatch):
    monkeypatch.setattr(broadcast, "FRAMES_MAX_CHARS", 10)
    notices = [
        (
            broadcast.ROOM_EVENTS_GROUP,
            {"type": "room.events", "rooms": {"a": 2}, "frames": {"a": [[1, "xxxx"], [2, "xxxx"]]}},
        ),
        (
            broadcast.ROOM_EVENTS_GROUP,
            {"type": "room.events", "rooms": {"b": 7}, "frames": {"b": [[7, "xxxx"]]}},
        ),
        (
            broadcast.ROOM_EVENTS_GROUP,
            {"type": "room.events", "rooms": {"c": 3}, "frames": {"c": [[3, "x"]]}},
        ),
    ]
    ((group, merged),) = broadcast._merged(notices)
    assert group == broadcast.ROOM_EVENTS_GROUP
    assert merged["rooms"] == {"a": 2, "b": 7, "c": 3}
    assert merged["frames"] == {"a": [[1, "xxxx"], [2, "xxxx"]], "c": [[3, "x"]]}
