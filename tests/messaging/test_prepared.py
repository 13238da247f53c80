"""Prepared queries: ORM querysets compiled once per shape give what the ORM gives."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from messaging import access
from messaging.models import Message, RoomParticipant, Thread
from messaging.realtime import prepared
from network.models import Membership

pytestmark = pytest.mark.django_db


def _participants(room, users):
    return (
        RoomParticipant.objects.filter(room_id=room, user_id__in=users)
        .values_list("user_id", "room_id")
        .order_by("user_id")
    )


def _normal(rows):
    return [(user, uuid.UUID(str(room))) for user, room in rows]


def test_it_returns_what_the_queryset_returns_and_builds_once_per_shape(
    case_room, member, counterpart
):
    built = []
    query = prepared.PreparedQuery(lambda **values: built.append(1) or _participants(**values))
    for users in ([member.pk], [member.pk, counterpart.pk], [counterpart.pk, 10**6], [10**6]):
        rows = query.rows("shape", room=case_room.pk, users=users)
        assert _normal(rows) == _normal(_participants(case_room.pk, users))
    assert len(built) == 2  # one list of one id, one of two


def test_lists_share_a_shape_up_to_the_next_power_of_two(case_room, member, counterpart):
    built = []
    query = prepared.PreparedQuery(lambda **values: built.append(1) or _participants(**values))
    people = [member.pk, counterpart.pk, 10**6, 10**6 + 1, 10**6 + 2]
    for count in (3, 4, 3, 5, 8):
        users = people[:count] + [10**7 + n for n in range(count - len(people[:count]))]
        rows = query.rows("shape", room=case_room.pk, users=users)
        assert _normal(rows) == _normal(_participants(case_room.pk, users))
    assert len(built) == 2  # 3 and 4 items as 4; 5 and 8 items as 8


def test_it_keeps_a_bounded_number_of_shapes(case_room, member, monkeypatch):
    monkeypatch.setattr(prepared, "MAX_SHAPES", 3)
    query = prepared.PreparedQuery(_participants)
    for day in range(10):
        assert _normal(query.rows(day, room=case_room.pk, users=[member.pk])) == _normal(
            _participants(case_room.pk, [member.pk])
        )
        assert len(query._compiled) <= 3


def test_another_room_or_value_binds_into_the_same_sql(case_room, thread):
    query = prepared.PreparedQuery(
        lambda room, threads: Thread.objects.filter(room_id=room, pk__in=threads).values_list("pk")
    )
    rows = query.rows(None, room=case_room.pk, threads=[thread.pk])
    assert [uuid.UUID(str(row[0])) for row in rows] == [thread.pk]
    assert query.rows(None, room=uuid.uuid4(), threads=[thread.pk]) == []
    assert query.rows(None, room=case_room.pk, threads=[uuid.uuid4()]) == []


def test_it_refuses_values_it_cannot_place():
    query = prepared.PreparedQuery(lambda name: Message.objects.filter(handling_code=name))
    with pytest.raises(TypeError):
        query.rows(None, name="H0")


def test_access_by_prepared_query_agrees_with_the_readable_rooms_rule(
    case_room, member, counterpart, outsider, suspended_member, coordinator
):
    people = [member, counterpart, outsider, suspended_member, coordinator]
    by_rule = {
        user.pk for user in people if access.readable_rooms(user).filter(pk=case_room.pk).exists()
    }
    assert access.users_with_access(case_room, [u.pk for u in people]) == by_rule
    assert by_rule == {member.pk, counterpart.pk}
    Membership.objects.filter(user=counterpart).update(status=Membership.Status.SUSPENDED)
    assert access.users_with_access(case_room, [u.pk for u in people]) == {member.pk}


@pytest.mark.postgres
def test_statements_sent_together_raise_django_errors(case_room, member):
    with pytest.raises(IntegrityError), transaction.atomic(), prepared.together():
        RoomParticipant.objects.bulk_create(
            [
                RoomParticipant(room=case_room, user=member, added_by=member),
                RoomParticipant(room=case_room, user=member, added_by=member),
            ]
        )


def test_a_bulk_insert_stores_what_the_orm_would(case_room, member):
    """Every kind of value the message tables hold (UUIDs, bytes, microsecond timestamps,
    JSON, empty and missing values) comes back as the ORM reads what it wrote itself."""
    import datetime

    from messaging.models import RoomEvent

    def event(seq, **fields):
        return RoomEvent(
            room=case_room,
            seq=seq,
            kind=RoomEvent.Kind.THREAD_CREATED,
            actor=member,
            occurred_at=datetime.datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=datetime.UTC),
            key_epoch=case_room.key_epoch,
            salt_ciphertext=bytes(range(256)),
            commitment="c" * 64,
            leaf_hash="0" * 64,
            **fields,
        )

    head = case_room.events.count()
    written = [
        event(head + 1000, details={"title": 'Ñandú "quoted" \\ back', "n": [1, None]}),
        event(head + 1001, details={}),
    ]
    prepared.BulkInsert(RoomEvent).save(written)
    RoomEvent.objects.bulk_create([event(head + 1002, details={"title": "Ñandú"})])
    stored = {e.seq: e for e in RoomEvent.objects.filter(seq__gte=head + 1000)}
    for original in written:
        back = stored[original.seq]
        for field in RoomEvent._meta.concrete_fields:
            assert getattr(back, field.attname) == getattr(original, field.attname), field.name
        assert not original._state.adding
    by_orm = stored[head + 1002]
    assert bytes(by_orm.salt_ciphertext) == bytes(stored[head + 1000].salt_ciphertext)
    assert by_orm.occurred_at == stored[head + 1000].occurred_at


def test_a_bulk_insert_refuses_a_value_it_cannot_write_faithfully():
    import datetime
    import decimal

    with pytest.raises(TypeError, match="Decimal"):
        prepared._json_value(decimal.Decimal("1.5"))
    with pytest.raises(TypeError, match="naive"):
        prepared._json_value(datetime.datetime(2026, 1, 1))  # noqa: DTZ001
