"""The hub's batch load: one pass over the database whatever the number of subscribers."""

import json
import uuid

import pytest

from messaging import actions, events, posting
from messaging.models import RoomEvent
from messaging.realtime import hub

pytestmark = pytest.mark.django_db


# Counted as in production, where the room's data key is cached once the transaction that
# created it has committed (messaging/crypto.py).
@pytest.mark.django_db(transaction=True)
def test_a_batch_costs_two_queries_for_any_number_of_subscribers(
    case_room,
    post,
    member,
    counterpart,
    make_user,
    make_membership,
    tipp,
    django_assert_num_queries,
):
    readers = [member.pk, counterpart.pk]
    for _ in range(20):
        user = make_user()
        make_membership(user, tipp)
        readers.append(user.pk)  # active members, but not participants
    post(member, "before")
    case_room.refresh_from_db()
    after = case_room.head_seq
    for i in range(5):
        post(member, f"batch {i}")
    meta = {"id": str(case_room.pk), "kind": case_room.kind, "network_id": case_room.network_id}
    with django_assert_num_queries(2):
        [(frames, allowed)], truncated = hub._load_batches([(meta, after, after + 5, set(readers))])
    assert allowed == {member.pk, counterpart.pk}
    assert not truncated
    bodies = [json.loads(text)["data"]["body"] for _, text in frames]
    assert bodies[-5:] == [f"batch {i}" for i in range(5)]


def _rooms_with_messages(member, counterpart, count):
    rooms = []
    for n in range(count):
        room = actions.create_room(
            kind="case", creator=member, title=f"Room {n}", participants=[counterpart]
        )
        thread = actions.create_thread(room=room, creator=member, title="Thread")
        for i in range(3):
            posting.post_message(
                room=room, sender=member, thread=thread, client_id=uuid.uuid4(), body=f"{n}.{i}"
            )
        room.refresh_from_db()
        rooms.append(room)
    return rooms


def test_the_events_of_several_rooms_come_in_one_query_each_from_its_own_seq(
    member, counterpart, django_assert_num_queries
):
    """The hub's load: each room after its own seq and up to its own bound, in seq order, with
    at most `limit` events in all (the rooms first in id order first)."""
    rooms = _rooms_with_messages(member, counterpart, 3)
    asked = [
        (room.pk, room.head_seq - 1 - n, room.head_seq - (n == 2)) for n, room in enumerate(rooms)
    ]
    with django_assert_num_queries(1):
        loaded = events.events_after_in(asked, 100)()
    for (room, after, upto), rows in zip(asked, loaded, strict=True):
        expected = [
            e.seq for e in RoomEvent.objects.filter(room=room, seq__gt=after, seq__lte=upto)
        ]
        assert [row.seq for row in rows] == expected and expected
        assert all(row.room_id == room for row in rows)
    bodies = [row.message.sender.display_name for rows in loaded for row in rows]
    assert set(bodies) == {member.display_name}
    by_id = sorted(asked)
    full, cut = events.events_after_in(by_id, 100)(), events.events_after_in(by_id, 3)()
    left, expected = 3, []
    for rows in full:
        expected.append(rows[: min(left, len(rows))])
        left -= len(expected[-1])
    assert [[row.seq for row in rows] for rows in cut] == [
        [row.seq for row in rows] for rows in expected
    ]
    assert [len(rows) for rows in cut] != [len(rows) for rows in full]


def test_a_load_that_reaches_the_limit_says_so(member, counterpart, monkeypatch):
    rooms = _rooms_with_messages(member, counterpart, 2)
    requests = [(_meta(room), room.head_seq - 2, room.head_seq, {member.pk}) for room in rooms]
    _, truncated = hub._load_batches(requests)
    assert not truncated
    monkeypatch.setattr(hub, "BATCH_LIMIT", 3)
    batches, truncated = hub._load_batches(requests)
    assert truncated
    assert sum(len(frames) for frames, _ in batches) == 3


def _meta(room):
    return {"id": str(room.pk), "kind": room.kind, "network_id": room.network_id}
