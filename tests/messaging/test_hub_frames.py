"""Frames that come with the notices: the hub delivers them as they are when they continue a
room without a gap, and loads from the database otherwise; readers that come with them: the
hub asks the database nothing when every local socket of the room is one of theirs."""

import asyncio
import json
import uuid

import pytest

from messaging import actions, events, posting
from messaging.models import Room
from messaging.realtime import broadcast, hub
from messaging.realtime.db import run_in_db
from network.models import Membership

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


def _meta(room) -> dict:
    return {"id": str(room.pk), "kind": room.kind, "network_id": room.network_id}


@pytest.fixture
def calls(monkeypatch) -> list:
    """The hub's database calls, each the users it asked about per room."""
    recorded: list = []
    load_batches = hub._load_batches

    def record(requests):
        recorded.append([users for _, _, _, users in requests])
        return load_batches(requests)

    monkeypatch.setattr(hub, "_load_batches", record)
    return recorded


@pytest.fixture
async def joined(thread, member, settings, monkeypatch, calls):
    """A hub with one local socket of `member` in the thread's room, and a record of the
    rooms whose events it loads from the database."""
    settings.COUNTERPART_DELIVERY_LINGER_MS = 0
    loads: list = []
    events_after_in = events.events_after_in

    def recorded(requests, limit):
        loads.append([after for _, after, _ in requests])
        return events_after_in(requests, limit)

    monkeypatch.setattr(events, "events_after_in", recorded)
    room_hub, socket = hub.RoomHub(broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP)), Socket()
    await room_hub.subscribe(socket, _meta(thread.room), member.pk)
    yield room_hub, socket, loads
    await room_hub.unsubscribe(socket, str(thread.room_id))


async def _announce(notice: dict) -> None:
    """Send a notice collected earlier, as the writer would have."""
    await broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP).group_send(
        broadcast.ROOM_EVENTS_GROUP, notice
    )


def _post(thread, member, body):
    return posting.post_message(
        room=thread.room, sender=member, thread=thread, client_id=uuid.uuid4(), body=body
    )


async def test_new_messages_are_delivered_from_their_notice_without_a_database_call(
    joined, thread, member, calls
):
    room_hub, socket, loads = joined
    stored = [(await run_in_db(_post)(thread, member, f"live {i}")).message for i in range(3)]
    await _until(lambda: len(socket.frames) == 3)
    assert [seq for seq, _ in socket.frames] == [message.seq for message in stored]
    assert [json.loads(text)["data"]["body"] for _, text in socket.frames] == [
        "live 0",
        "live 1",
        "live 2",
    ]
    assert loads == [] and calls == []
    assert room_hub._carried == {}


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
    await _announce(last)
    await _until(lambda: len(socket.frames) == 2)
    assert [seq for seq, _ in socket.frames] == [first, second]
    assert [json.loads(text)["data"]["body"] for _, text in socket.frames] == [
        "lost notice",
        "next",
    ]
    assert loads == [[first - 1]]
    await _announce(notices[0][1])  # late: it changes nothing
    third = (await run_in_db(_post)(thread, member, "after the late notice")).message.seq
    await _until(lambda: len(socket.frames) >= 3)
    assert [seq for seq, _ in socket.frames] == [first, second, third]


async def test_events_other_than_new_messages_are_loaded(joined, thread, member, counterpart):
    room_hub, socket, loads = joined
    await run_in_db(actions.create_thread)(room=thread.room, creator=member, title="Second")
    await _until(lambda: len(socket.frames) == 1)
    ((seq, text),) = socket.frames
    assert json.loads(text)["kind"] == "thread.created"
    assert loads == [[seq - 1]]


async def test_a_notice_names_everyone_who_could_read_the_room_when_it_was_stored(
    thread, member, counterpart, coordinator, make_user, make_membership, tipp
):
    """Participants with an active membership, whoever of them is subscribed anywhere; not
    a coordinator who is no participant, not a participant suspended since."""

    def add_then_suspend():
        later = make_user("later@example.org")
        make_membership(later, tipp)
        actions.add_participant(room=thread.room, user=later, added_by=member)
        Membership.objects.filter(user=later).update(status="suspended")

    await run_in_db(add_then_suspend)()

    def post():
        with broadcast.collect_notices() as notices:
            _post(thread, member, "who reads this")
        return notices

    ((_, notice),) = await run_in_db(post)()
    assert notice["readers"] == {str(thread.room_id): sorted([member.pk, counterpart.pk])}


async def test_a_network_channel_notice_names_no_readers(member, coordinator, tipp):
    """A network channel is read by every active member of its network: no list travels."""

    def post():
        room = actions.create_room(kind="network", creator=coordinator, network=tipp)
        thread = actions.create_thread(room=room, creator=coordinator, title="News")
        with broadcast.collect_notices() as notices:
            _post(thread, member, "to the whole network")
        return room, notices

    room, ((_, notice),) = await run_in_db(post)()
    assert room.kind == Room.Kind.NETWORK
    assert notice["frames"][str(room.pk)] and "readers" not in notice


async def test_a_socket_whose_member_is_no_named_reader_is_checked_in_the_database(
    joined, thread, member, counterpart, calls
):
    """A suspension whose own notice was lost: the next message names no counterpart, so the
    hub asks the database, which takes the room from the counterpart's socket."""
    room_hub, socket, loads = joined
    theirs = Socket()
    await room_hub.subscribe(theirs, _meta(thread.room), counterpart.pk)
    await run_in_db(Membership.objects.filter(user=counterpart).update)(status="suspended")
    await run_in_db(_post)(thread, member, "after the suspension")
    await _until(lambda: socket.frames and theirs.frames)
    assert json.loads(socket.frames[0][1])["data"]["body"] == "after the suspension"
    assert theirs.frames == [(0, "lost")]
    assert calls == [[{member.pk, counterpart.pk}]]
    assert loads == []  # the frames came with the notice


async def test_a_message_stored_before_a_removal_reaches_the_removed_then_the_room_is_lost(
    joined, thread, member, counterpart, calls
):
    """The readers of a message are those of the moment it was stored; the removal is a room
    event of its own, numbered after it, which the hub loads and checks."""
    room_hub, socket, loads = joined
    theirs = Socket()
    await room_hub.subscribe(theirs, _meta(thread.room), counterpart.pk)

    def post_then_remove():
        with broadcast.collect_notices() as notices:
            posted = _post(thread, member, "before the removal")
            actions.remove_participant(room=thread.room, user=counterpart, removed_by=member)
        return posted.message.seq, notices

    seq, notices = await run_in_db(post_then_remove)()
    posted, removed = (notice for _, notice in notices if notice["type"] == "room.events")
    await _announce(posted)
    await _until(lambda: len(theirs.frames) == 1)
    await _announce(removed)
    await _until(lambda: len(socket.frames) == 2 and len(theirs.frames) == 2)
    assert [seq for seq, _ in theirs.frames] == [seq, 0]
    assert json.loads(theirs.frames[0][1])["data"]["body"] == "before the removal"
    assert theirs.frames[1] == (0, "lost")
    assert [json.loads(text)["kind"] for _, text in socket.frames] == [
        "message.posted",
        "participant.removed",
    ]
    assert calls == [[{member.pk, counterpart.pk}]]  # the removal only


async def test_a_socket_that_subscribes_during_a_load_keeps_its_subscription(
    joined, thread, member, counterpart, monkeypatch
):
    """The hub delivers a load to the sockets it asked about; one that subscribed meanwhile
    caught up from the database itself and is not taken for one that lost access."""
    room_hub, socket, loads = joined
    late, loop = Socket(), asyncio.get_running_loop()
    load_batches = hub._load_batches

    def subscribe_meanwhile(requests):
        asyncio.run_coroutine_threadsafe(
            room_hub.subscribe(late, _meta(thread.room), counterpart.pk), loop
        ).result(5)
        return load_batches(requests)

    monkeypatch.setattr(hub, "_load_batches", subscribe_meanwhile)
    await run_in_db(actions.create_thread)(room=thread.room, creator=member, title="Second")
    await _until(lambda: socket.frames)
    assert room_hub.rooms[str(thread.room_id)].subscribers[late] == counterpart.pk
    # The next event reaches both; the late socket never got the one loaded before it came.
    after = (await run_in_db(_post)(thread, member, "for both")).message.seq
    await _until(lambda: late.frames and len(socket.frames) == 2)
    assert late.frames == [(after, socket.frames[-1][1])]
    await room_hub.unsubscribe(late, str(thread.room_id))


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


def _notice(room, seq, readers=None):
    message = {"type": "room.events", "rooms": {room: seq}, "frames": {room: [[seq, "x"]]}}
    if readers is not None:
        message["readers"] = {room: readers}
    return broadcast.ROOM_EVENTS_GROUP, message


def test_merged_notices_name_the_readers_common_to_all_of_a_rooms_frames(monkeypatch):
    monkeypatch.setattr(broadcast, "READERS_MAX_PER_ROOM", 3)
    ((_, merged),) = broadcast._merged(
        [
            _notice("a", 1, [1, 2, 3]),
            _notice("a", 2, [2, 3]),
            _notice("b", 5, [1, 2]),
            _notice("b", 6),  # named none: so does the merged notice
            _notice("c", 9, [1, 2, 3, 4]),  # too many to carry
            _notice("d", 4, [7]),
        ]
    )
    assert merged["readers"] == {"a": [2, 3], "d": [7]}
    assert set(merged["frames"]) == {"a", "b", "c", "d"}


async def test_a_room_with_more_readers_than_a_notice_names_is_checked_in_the_database(
    joined, thread, member, calls, monkeypatch
):
    room_hub, socket, loads = joined
    monkeypatch.setattr(broadcast, "READERS_MAX_PER_ROOM", 1)
    await run_in_db(_post)(thread, member, "many readers")
    await _until(lambda: socket.frames)
    assert calls == [[{member.pk}]]
    assert loads == []


async def test_a_notice_the_layer_lost_is_made_up_by_reading_the_heads(
    thread, member, settings, monkeypatch
):
    """A message whose notice never came, in a room that then falls quiet: the hub reads the
    heads of its rooms every RESYNC_SECONDS and loads it."""
    settings.COUNTERPART_DELIVERY_LINGER_MS = 0
    monkeypatch.setattr(hub, "RESYNC_SECONDS", 0.05)
    reads, room_heads = [], hub._room_heads

    def counted(room_ids):
        reads.append(room_ids)
        return room_heads(room_ids)

    monkeypatch.setattr(hub, "_room_heads", counted)
    room_hub = hub.RoomHub(broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP))
    socket = Socket()
    await room_hub.subscribe(socket, _meta(thread.room), member.pk)
    try:

        def post_silently():
            with broadcast.collect_notices() as notices:  # collected, never sent: "lost"
                return _post(thread, member, "its notice was lost").message.seq, notices

        seq, notices = await run_in_db(post_silently)()
        assert notices  # there was one to lose
        await _until(lambda: socket.frames, timeout=3)
        assert [s for s, _ in socket.frames] == [seq]
        assert json.loads(socket.frames[0][1])["data"]["body"] == "its notice was lost"
        read = len(reads)
        await _until(lambda: len(reads) >= read + 2)  # the heads read twice more
        assert len(socket.frames) == 1  # nothing twice
    finally:
        await room_hub.unsubscribe(socket, str(thread.room_id))
    assert room_hub._resyncer is None
