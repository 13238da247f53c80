"""The hub's batch load: one pass over the database whatever the number of subscribers."""

import json

import pytest

from messaging import hub

pytestmark = pytest.mark.django_db


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
        [(frames, allowed)] = hub._load_batches([(meta, after, set(readers))])
    assert allowed == {member.pk, counterpart.pk}
    bodies = [json.loads(text)["data"]["body"] for _, text in frames]
    assert bodies[-5:] == [f"batch {i}" for i in range(5)]
