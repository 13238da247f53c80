import uuid

import pytest
from django.db import connection

from messaging import access, actions
from messaging.access import UnknownRoom
from messaging.models import Room, RoomParticipant
from network.models import Membership
from tests.messaging.plans import generic_plan, plan_nodes

pytestmark = pytest.mark.django_db


def test_participants_read_a_case_room(case_room, member, counterpart):
    assert access.get_room_for_member(member, case_room.pk) == case_room
    assert access.get_room_for_member(counterpart, str(case_room.pk)) == case_room


@pytest.mark.parametrize(
    "persona", ["coordinator", "other_network_member", "applicant", "suspended_member", "outsider"]
)
def test_others_do_not_read_a_case_room(request, case_room, persona):
    """Coordinators included: the role gives no reading of case rooms."""
    user = request.getfixturevalue(persona)
    with pytest.raises(UnknownRoom):
        access.get_room_for_member(user, case_room.pk)


def test_an_unknown_room_looks_like_a_forbidden_one(member):
    for room_id in (uuid.uuid4(), "nonsense", None, 12):
        with pytest.raises(UnknownRoom):
            access.get_room_for_member(member, room_id)


def test_a_suspended_participant_loses_the_room_at_once(case_room, counterpart):
    Membership.objects.filter(user=counterpart).update(status="suspended")
    with pytest.raises(UnknownRoom):
        access.get_room_for_member(counterpart, case_room.pk)


def test_a_removed_participant_loses_the_room(case_room, member, counterpart):
    actions.remove_participant(room=case_room, user=counterpart, removed_by=member)
    with pytest.raises(UnknownRoom):
        access.get_room_for_member(counterpart, case_room.pk)


def test_a_case_room_of_a_network_needs_that_networks_membership(
    case_room, counterpart, redtram, make_membership
):
    Membership.objects.filter(user=counterpart).update(status="revoked")
    make_membership(counterpart, redtram)
    with pytest.raises(UnknownRoom):
        access.get_room_for_member(counterpart, case_room.pk)


def test_active_members_read_their_network_channel(coordinator, member, other_network_member, tipp):
    room = actions.create_room(kind="network", creator=coordinator, title="TIPP", network=tipp)
    assert access.get_room_for_member(member, room.pk) == room
    with pytest.raises(UnknownRoom):
        access.get_room_for_member(other_network_member, room.pk)


def test_only_a_coordinator_opens_a_network_channel(member, tipp):
    with pytest.raises(actions.MessagingError) as error:
        actions.create_room(kind="network", creator=member, title="TIPP", network=tipp)
    assert error.value.code == "forbidden"


def test_a_direct_room_needs_active_membership_somewhere(member, other_network_member):
    room = actions.create_room(kind="direct", creator=member, participants=[other_network_member])
    assert access.get_room_for_member(other_network_member, room.pk) == room
    Membership.objects.filter(user=other_network_member).update(status="expired")
    with pytest.raises(UnknownRoom):
        access.get_room_for_member(other_network_member, room.pk)


def test_users_with_access_answers_for_many_in_one_query(
    case_room, member, counterpart, coordinator, django_assert_num_queries
):
    ids = {member.pk, counterpart.pk, coordinator.pk}
    with django_assert_num_queries(1):
        allowed = access.users_with_access(case_room, ids)
    assert allowed == {member.pk, counterpart.pk}


PERSONAS = [
    "member",
    "counterpart",
    "coordinator",
    "other_network_member",
    "applicant",
    "suspended_member",
    "outsider",
]


def test_the_single_room_check_agrees_with_readable_rooms(
    request, case_room, member, other_network_member, coordinator, tipp
):
    """`can_read` (the send path's check) answers as `readable_rooms` for every kind of room,
    for every persona, also after a removal and a suspension."""
    rooms = [
        case_room,
        actions.create_room(kind="case", creator=member, title="No network"),
        actions.create_room(kind="direct", creator=member, participants=[other_network_member]),
        actions.create_room(kind="network", creator=coordinator, network=tipp),
    ]
    users = [request.getfixturevalue(persona) for persona in PERSONAS]

    def agree():
        for user in users:
            for room in rooms:
                expected = access.readable_rooms(user).filter(pk=room.pk).exists()
                assert access.can_read(user, room) is expected, (user, room.kind)

    agree()
    actions.remove_participant(room=case_room, user=users[1], removed_by=member)
    Membership.objects.filter(user=other_network_member).update(status="suspended")
    agree()


def test_many_rooms_are_answered_by_two_queries_as_readable_rooms_answers(
    request,
    case_room,
    member,
    other_network_member,
    coordinator,
    tipp,
    redtram,
    make_membership,
    make_user,
    django_assert_num_queries,
):
    """The hub's and the send batch's check: for rooms of every kind at once, each with its
    own people, two queries (case and direct rooms; network channels) and the rule's answer."""
    redtram_coordinator = make_user("redtram-coordinator@example.org")
    make_membership(redtram_coordinator, redtram, role="coordinator")
    rooms = [
        case_room,
        actions.create_room(kind="case", creator=member, title="No network"),
        actions.create_room(kind="direct", creator=member, participants=[other_network_member]),
        actions.create_room(kind="network", creator=coordinator, network=tipp),
        actions.create_room(kind="network", creator=redtram_coordinator, network=redtram),
    ]
    make_membership(member, redtram)
    users = [request.getfixturevalue(persona) for persona in PERSONAS]
    Membership.objects.filter(user=users[3]).update(status="suspended")  # other_network_member
    # Still a participant of the TIPP case room and active in REDTRAM only: may not read it.
    make_membership(users[1], redtram)
    Membership.objects.filter(user=users[1], network=tipp).update(status="suspended")
    asked = [(room, {user.pk for user in users[i % 3 :]}) for i, room in enumerate(rooms)]
    with django_assert_num_queries(2):
        answers = access.users_with_access_in(asked)()
    for (room, ids), answer in zip(asked, answers, strict=True):
        expected = {
            user.pk
            for user in users
            if user.pk in ids and access.readable_rooms(user).filter(pk=room.pk).exists()
        }
        assert answer == expected, room.kind
    assert any(answers) and not all(answer == answers[0] for answer in answers)


def test_everyone_who_may_read_case_and_direct_rooms_in_one_query(
    request, case_room, member, other_network_member, coordinator, tipp, django_assert_num_queries
):
    """What a send batch asks for its notices: all the readers of each case or direct room, as
    readable_rooms answers for every persona; a network channel's are not listed."""
    users = [request.getfixturevalue(persona) for persona in PERSONAS]
    rooms = [
        case_room,
        actions.create_room(kind="case", creator=member, title="No network"),
        actions.create_room(kind="direct", creator=member, participants=[other_network_member]),
    ]
    Membership.objects.filter(user=users[1]).update(status="suspended")  # the counterpart
    with django_assert_num_queries(1):
        answers = access.users_with_access_in([(room, None) for room in rooms])()
    for room, answer in zip(rooms, answers, strict=True):
        expected = {u.pk for u in users if access.readable_rooms(u).filter(pk=room.pk).exists()}
        assert answer == expected, room.kind
    assert answers[0] == {member.pk} and answers[2] == {member.pk, other_network_member.pk}
    channel = actions.create_room(kind="network", creator=coordinator, network=tipp)
    with pytest.raises(ValueError):
        access.users_with_access_in([(channel, None)])


@pytest.mark.postgres
def test_the_membership_condition_is_planned_as_a_semi_join(case_room, member, counterpart):
    """The readers query's membership test is one EXISTS, which PostgreSQL joins; two ORed
    EXISTS were run as subplans, hashed over the whole membership table for larger batches.
    The only subplan is the guests' branch's look-up of each guest's account by its key."""
    query = access._participant_readers.build(
        rooms=[case_room.pk, uuid.uuid4()], users=[member.pk, counterpart.pk]
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        ((plan,),) = cursor.fetchone()
    nodes = plan_nodes(plan)
    kinds = [(node.get("Relation Name"), node.get("Parent Relationship")) for node in nodes]
    under_subplans = {
        below.get("Relation Name")
        for node in nodes
        if node.get("Parent Relationship") == "SubPlan"
        for below in plan_nodes({"Plan": node})
    } - {None}
    assert under_subplans <= {"accounts_user"}, kinds
    assert "network_membership" in {relation for relation, _ in kinds}, kinds  # joined


@pytest.mark.postgres
def test_the_readers_query_finds_its_rooms_by_their_ids_whatever_the_number_of_rooms(
    case_room, member, counterpart
):
    """In the generic plan that a prepared statement ends up with, the rooms of a batch are
    looked up in the primary key: the query does not read the whole room table, which grows
    with every case opened."""
    room_columns = [f.column for f in Room._meta.concrete_fields]
    with connection.cursor() as cursor:  # 2,000 more rooms, each with the same participants
        cursor.execute(
            f"INSERT INTO messaging_room ({', '.join(room_columns)}) "  # noqa: S608
            f"SELECT {', '.join('gen_random_uuid()' if c == 'id' else c for c in room_columns)} "
            "FROM messaging_room, generate_series(1, 2000) WHERE id = %s",
            [case_room.pk],
        )
        participant_columns = [
            f.column for f in RoomParticipant._meta.concrete_fields if f.column != "id"
        ]
        copied = ", ".join("r.id" if c == "room_id" else f"p.{c}" for c in participant_columns)
        cursor.execute(
            f"INSERT INTO messaging_roomparticipant ({', '.join(participant_columns)}) "  # noqa: S608
            f"SELECT {copied} "
            "FROM messaging_roomparticipant p, messaging_room r "
            "WHERE p.room_id = %s AND r.id <> %s",
            [case_room.pk, case_room.pk],
        )
        cursor.execute("ANALYZE messaging_room, messaging_roomparticipant")
        batch = [case_room.pk] + list(
            Room.objects.exclude(pk=case_room.pk).values_list("pk", flat=True)[:15]
        )
    plan = generic_plan(access._participant_readers.build(rooms=batch))
    scans = [(node["Node Type"], node.get("Relation Name")) for node in plan_nodes(plan)]
    assert ("Seq Scan", "messaging_room") not in scans, plan
    assert sorted(access._participant_readers.rows("t", rooms=batch[:2])) == sorted(
        (room, user, "official") for room in batch[:2] for user in (member.pk, counterpart.pk)
    )
