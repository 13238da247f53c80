import uuid

import pytest
from django.db import connection

from messaging import actions, crypto, posting
from messaging.errors import MessagingError
from messaging.models import Message, MessageRevision, RoomEvent, RoomParticipant
from network.audit.models import AuditEvent
from tests.messaging.plans import generic_plan, plan_nodes

pytestmark = pytest.mark.django_db


def test_it_numbers_every_room_event_without_gaps(case_room, thread, post, member, counterpart):
    """Room creation, participants, the thread and messages share one gapless sequence."""
    first = post(member).message
    second = post(counterpart).message
    seqs = list(RoomEvent.objects.filter(room=case_room).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert [first.seq, second.seq] == seqs[-2:]
    case_room.refresh_from_db()
    assert case_room.head_seq == seqs[-1]
    kinds = list(RoomEvent.objects.filter(room=case_room).values_list("kind", flat=True))
    assert kinds[:3] == ["room.created", "participant.added", "participant.added"]


def test_it_stores_a_resend_once(post, member):
    """The same client_id returns the stored message and stores nothing new."""
    client_id = uuid.uuid4()
    first = post(member, "the same words", client_id=client_id)
    again = post(member, "the same words", client_id=client_id)
    assert not first.duplicate and again.duplicate
    assert again.message.pk == first.message.pk
    assert Message.objects.filter(client_id=client_id).count() == 1


def test_it_refuses_a_client_id_reused_with_another_body(post, member):
    client_id = uuid.uuid4()
    post(member, "first words", client_id=client_id)
    head = RoomEvent.objects.count()
    with pytest.raises(MessagingError) as error:
        post(member, "other words", client_id=client_id)
    assert error.value.code == "client_id_conflict"
    assert RoomEvent.objects.count() == head


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"body": ""}, "missing_field", "body"),
        ({"body": 42}, "invalid_field", "body"),
        ({"body": "x" * 20001}, "body_too_large", "body"),
        ({"body": "bad \ud800 text"}, "invalid_field", "body"),
        ({"handling_code": "H9"}, "invalid_field", "handling"),
        ({"handling_code": "H3", "handling_note": ""}, "missing_field", "handling_note"),
        ({"evaluation": "D5"}, "invalid_field", "evaluation"),
        ({"client_id": "not-a-uuid"}, "invalid_field", "client_id"),
        ({"reply_to": 999}, "invalid_field", "reply_to"),
    ],
)
def test_it_refuses_bad_input_and_stores_nothing(post, member, fields, code, field):
    head = RoomEvent.objects.count()
    with pytest.raises(MessagingError) as error:
        post(member, **fields)
    assert (error.value.code, error.value.field) == (code, field)
    assert RoomEvent.objects.count() == head
    assert not Message.objects.exists()


def test_it_keeps_handling_and_evaluation_codes(post, member):
    message = post(member, handling_code="H3", handling_note="Not for Interpol", evaluation="b2")
    stored = Message.objects.get(pk=message.message.pk)
    assert (stored.handling_code, stored.handling_note, stored.evaluation) == (
        "H3",
        "Not for Interpol",
        "B2",
    )


def test_a_non_participant_cannot_post(post, other_network_member, coordinator):
    """Coordinators do not post in (or read) case rooms by virtue of their role."""
    for outsider in (other_network_member, coordinator):
        with pytest.raises(MessagingError) as error:
            post(outsider)
        assert error.value.code == "unknown_room"
    assert not Message.objects.exists()


def test_it_keeps_every_edit(post, member):
    message = post(member, "version one").message
    actions.edit_message(message=message, editor=member, body="version two")
    actions.edit_message(message=message, editor=member, body="version three")
    message.refresh_from_db()
    assert crypto.open_body(message) == "version three"
    revisions = MessageRevision.objects.filter(message=message).order_by("number")
    bodies = [
        crypto.open_revision(r, room_id=message.room_id, sender_id=member.pk) for r in revisions
    ]
    assert bodies == ["version one", "version two"]


def test_only_the_sender_edits_or_deletes(post, member, counterpart):
    message = post(member).message
    with pytest.raises(MessagingError, match="only the sender"):
        actions.edit_message(message=message, editor=counterpart, body="changed")
    with pytest.raises(MessagingError, match="only the sender"):
        actions.delete_message(message=message, actor=counterpart)


def test_deletion_is_a_recorded_tombstone(post, member):
    message = post(member, "regrettable").message
    actions.delete_message(message=message, actor=member)
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert RoomEvent.objects.filter(message=message, kind="message.deleted").exists()
    with pytest.raises(MessagingError):
        actions.edit_message(message=message, editor=member, body="again")


def test_owners_invite_and_remove_participants(
    case_room, member, counterpart, make_user, make_membership, tipp
):
    newcomer = make_user()
    make_membership(newcomer, tipp)
    with pytest.raises(MessagingError) as error:
        actions.add_participant(room=case_room, user=newcomer, added_by=counterpart)
    assert error.value.code == "forbidden"
    actions.add_participant(room=case_room, user=newcomer, added_by=member)
    actions.remove_participant(room=case_room, user=newcomer, removed_by=member, reason="done")
    rows = RoomParticipant.objects.filter(room=case_room, user=newcomer)
    assert rows.count() == 1 and rows.get().removed_at is not None
    assert AuditEvent.objects.filter(action="messaging.participant_removed").exists()


def test_only_active_members_of_the_network_are_invited(
    case_room, member, other_network_member, applicant
):
    for person in (other_network_member, applicant):
        with pytest.raises(MessagingError) as error:
            actions.add_participant(room=case_room, user=person, added_by=member)
        assert error.value.code == "invalid_field"


def test_case_tags_are_normalised(thread):
    tags = {(tag.kind, tag.state, tag.normalized) for tag in thread.tags.all()}
    assert tags == {("case_number", "ES", "dp-123-2025"), ("operation", "", "lantern")}
    assert actions.normalize_tag("  DP 123 / 2025 ") == actions.normalize_tag("dp-123-2025")
    assert actions.normalize_tag("Operación Ñandú") == "operacion-nandu"


@pytest.mark.parametrize(
    "tags",
    [
        [{"kind": "case_number", "value": "1/2025"}],
        [{"kind": "case_number", "state": "ZZ", "value": "1/2025"}],
        [{"kind": "nickname", "value": "x"}],
        [{"kind": "operation", "value": "  "}],
        "Lantern",
    ],
)
def test_it_refuses_bad_case_tags(case_room, member, tags):
    with pytest.raises(MessagingError):
        actions.create_thread(room=case_room, creator=member, title="T", tags=tags)
    assert not case_room.threads.exists()


def test_the_read_marker_only_moves_forward(case_room, post, member):
    seq = post(member).message.seq
    assert actions.mark_read(room=case_room, user=member, seq=seq) == seq
    assert actions.mark_read(room=case_room, user=member, seq=1) == seq
    with pytest.raises(MessagingError):
        actions.mark_read(room=case_room, user=member, seq=seq + 10)


def test_attachments_are_checked_by_content(post, member):
    message = post(member).message
    pdf = b"%PDF-1.7\n" + b"0" * 100
    attachment = actions.add_attachment(
        message=message, uploader=member, filename="a.pdf", content=pdf
    )
    assert attachment.content_type == "application/pdf"
    assert crypto.open_attachment(attachment) == pdf
    assert bytes(attachment.content_ciphertext).find(pdf) == -1
    with pytest.raises(MessagingError) as error:
        actions.add_attachment(
            message=message, uploader=member, filename="a.pdf", content=b"MZ\x90\x00\x03" * 10
        )
    assert error.value.code == "unsupported_file_type"


def test_attachments_over_the_limit_are_refused(post, member, settings):
    settings.COUNTERPART_ATTACHMENT_MAX_BYTES = 1000
    message = post(member).message
    with pytest.raises(MessagingError) as error:
        actions.add_attachment(
            message=message, uploader=member, filename="big.txt", content=b"a" * 1001
        )
    assert error.value.code == "file_too_large"


# Counted as in production, where the room's data key is cached once the transaction that
# created it has committed (messaging/crypto.py).
@pytest.mark.django_db(transaction=True)
def test_posting_costs_a_fixed_number_of_queries(post, member, django_assert_num_queries):
    """Once the room key is cached, a post costs the same few queries every time (access,
    thread, resend, seq, two inserts, and the transaction's savepoint-free commit)."""
    post(member, "warm the key cache")
    with django_assert_num_queries(7):
        post(member, "counted")


def test_mentions_name_people_who_read_the_room(post, member, counterpart, coordinator):
    message = post(member, "@Chidi please check", mentions=[counterpart.pk, counterpart.pk])
    assert Message.objects.get(pk=message.message.pk).mentions == [counterpart.pk]
    for mentions in ([coordinator.pk], "everyone", [True]):
        with pytest.raises(MessagingError) as error:
            post(member, "x", mentions=mentions)
        assert (error.value.code, error.value.field) == ("invalid_field", "mentions")


# --- Group commit: several sends of a room in one transaction ----------------------------------


def _request(sender, thread, body="words", **fields):
    fields.setdefault("client_id", uuid.uuid4())
    return posting.SendRequest(sender=sender, thread=thread, body=body, **fields)


def test_a_batch_is_numbered_in_order_and_logged_like_single_posts(
    case_room, thread, post, member, counterpart
):
    post(member, "before")
    requests = [_request([member, counterpart][i % 2], thread, f"batch {i}") for i in range(5)]
    results = posting.post_messages(room=case_room, requests=requests)
    assert [r.duplicate for r in results] == [False] * 5
    seqs = [r.message.seq for r in results]
    case_room.refresh_from_db()
    assert seqs == list(range(case_room.head_seq - 4, case_room.head_seq + 1))
    stored = Message.objects.filter(room=case_room, seq__in=seqs).order_by("seq")
    assert [crypto.open_body(m) for m in stored] == [f"batch {i}" for i in range(5)]
    assert [m.sender_id for m in stored] == [r.sender.pk for r in requests]
    events = RoomEvent.objects.filter(room=case_room, seq__in=seqs).order_by("seq")
    assert [(e.kind, e.message_id) for e in events] == [
        ("message.posted", r.message.pk) for r in results
    ]
    from messaging import roomlog

    assert roomlog.verify(case_room).intact


def test_a_refused_send_in_a_batch_stores_nothing_and_holds_up_no_other(
    case_room, thread, post, member, outsider
):
    taken = uuid.uuid4()
    post(member, "first words", client_id=taken)
    head = RoomEvent.objects.filter(room=case_room).count()
    requests = [
        _request(member, thread, "fine one"),
        _request(member, thread, ""),
        _request(outsider, thread, "not mine to send"),
        _request(member, str(uuid.uuid4()), "no such thread"),
        _request(member, thread, "other words", client_id=taken),
        _request(member, thread, "first words", client_id=taken),
        _request(member, thread, "reply", reply_to=10_000),
        _request(member, thread, "fine two"),
    ]
    results = posting.post_messages(room=case_room, requests=requests)
    outcome = [r.code if isinstance(r, MessagingError) else r.duplicate for r in results]
    assert outcome == [
        False,
        "missing_field",
        "unknown_room",
        "invalid_field",
        "client_id_conflict",
        True,
        "invalid_field",
        False,
    ]
    assert RoomEvent.objects.filter(room=case_room).count() == head + 2
    assert results[1].field == "body" and results[3].field == "thread"
    assert results[6].field == "reply_to"
    assert results[7].message.seq == results[0].message.seq + 1


def test_a_resend_inside_one_batch_is_stored_once(case_room, thread, member):
    client_id = uuid.uuid4()
    results = posting.post_messages(
        room=case_room,
        requests=[
            _request(member, thread, "twice", client_id=client_id),
            _request(member, thread, "twice", client_id=client_id),
            _request(member, thread, "changed", client_id=client_id),
        ],
    )
    assert [r.duplicate for r in results[:2]] == [False, True]
    assert results[1].message.pk == results[0].message.pk
    assert results[2].code == "client_id_conflict"
    assert Message.objects.filter(client_id=client_id).count() == 1


# Counted as in production, where the room's data key is cached once the transaction that
# created it has committed (messaging/crypto.py).
@pytest.mark.django_db(transaction=True)
def test_a_batch_costs_the_queries_of_one_post(
    case_room, thread, post, member, counterpart, django_assert_num_queries
):
    """Group commit: twenty sends cost the same seven queries as one."""
    post(member, "warm the key cache")
    requests = [_request([member, counterpart][i % 2], thread, f"n{i}") for i in range(20)]
    with django_assert_num_queries(7):
        results = posting.post_messages(room=case_room, requests=requests)
    assert len({r.message.seq for r in results}) == 20


def test_one_transaction_stores_the_batches_of_several_rooms(
    case_room, thread, member, counterpart, tipp, outsider
):
    other = actions.create_room(kind="case", creator=counterpart, title="Other", network=tipp)
    other_thread = actions.create_thread(room=other, creator=counterpart, title="Main")
    results = posting.post_to_rooms(
        [
            (case_room, [_request(member, thread, "a1"), _request(outsider, thread, "no")]),
            (other, [_request(counterpart, other_thread, "b1"), _request(member, other_thread)]),
        ]
    )
    assert [r.message.seq for r in (results[0][0], results[1][0])] == [
        case_room.head_seq,
        other.head_seq,
    ]
    assert results[0][1].code == "unknown_room"  # the outsider reads neither room
    assert results[1][1].code == "unknown_room"  # the member is not in the other room
    for room in (case_room, other):
        seqs = list(RoomEvent.objects.filter(room=room).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
    assert crypto.open_body(Message.objects.get(room=other)) == "b1"


def test_a_batch_of_several_rooms_locks_them_in_the_order_of_their_ids(
    case_room, thread, member, counterpart, tipp
):
    """So that two writers never wait on each other (see test_concurrency.py)."""
    from django.db import connection

    others = [
        actions.create_room(kind="case", creator=member, title=f"R{n}", network=tipp)
        for n in range(3)
    ]
    rooms = [case_room, *others]
    threads = [thread] + [
        actions.create_thread(room=room, creator=member, title="Main") for room in others
    ]
    locked = []

    def record(execute, sql, params, many, context):
        if sql.startswith('UPDATE "messaging_room" SET head_seq'):
            locked.append(uuid.UUID(str(params[-1])))
        return execute(sql, params, many, context)

    for order in (rooms, rooms[::-1]):
        locked.clear()
        with connection.execute_wrapper(record):
            posting.post_to_rooms(
                [(room, [_request(member, threads[rooms.index(room)])]) for room in order]
            )
        assert locked == sorted((room.pk for room in rooms), key=str)


# --- The resend look-up -------------------------------------------------------------------------


def test_the_resend_look_up_matches_whole_keys_only(
    case_room, thread, post, member, counterpart, tipp
):
    """A client_id is someone's in one room: the same id from another sender, or in another
    room, is no resend (and the look-up does not report it as one)."""
    other_room = actions.create_room(
        kind="case", creator=member, title="Second", network=tipp, participants=[counterpart]
    )
    other_thread = actions.create_thread(room=other_room, creator=member, title="Topic")
    taken = uuid.uuid4()
    post(member, "first words", client_id=taken)

    def look_up(*keys):
        rows = posting._stored_client_ids.rows(
            None,
            rooms=[room.pk for room, _ in keys],
            senders=[sender.pk for _, sender in keys],
            client_ids=[taken] * len(keys),
        )
        return {room for (room,) in rows}

    assert look_up((case_room, counterpart), (other_room, member)) == set()
    assert look_up((case_room, counterpart), (case_room, member)) == {case_room.pk}
    results = posting.post_to_rooms(
        [
            (case_room, [_request(counterpart, thread, "theirs", client_id=taken)]),
            (other_room, [_request(member, other_thread, "elsewhere", client_id=taken)]),
        ]
    )
    assert [r.duplicate for (r,) in results] == [False, False]
    assert Message.objects.filter(client_id=taken).count() == 3


@pytest.mark.postgres
def test_the_resend_look_up_is_an_index_look_up_whatever_the_room_size(
    case_room, thread, member, counterpart
):
    """Each key is found in the unique index of (room, sender, client_id), in the generic
    plan that a prepared statement ends up with: the cost does not grow with the room."""
    (posted,) = posting.post_messages(room=case_room, requests=[_request(member, thread, "m")])
    columns = [f.column for f in Message._meta.concrete_fields]
    copied = {"id": "gen_random_uuid()", "client_id": "gen_random_uuid()", "seq": "seq + n"}
    with connection.cursor() as cursor:  # a room of 5,000 messages, row by row like the first
        cursor.execute(
            f"INSERT INTO messaging_message ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(copied.get(c, c) for c in columns)} "
            "FROM messaging_message, generate_series(1, 5000) AS n WHERE id = %s",
            [posted.message.pk],
        )
    keys = [(case_room.pk, [member, counterpart][i % 2].pk, uuid.uuid4()) for i in range(4)]
    query = posting._stored_client_ids.build(
        rooms=[k[0] for k in keys], senders=[k[1] for k in keys], client_ids=[k[2] for k in keys]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE messaging_message")
    plan = generic_plan(query)
    conditions = []
    for node in plan_nodes(plan):
        assert "Filter" not in node, plan
        conditions += [node["Index Cond"]] if "Index Cond" in node else []
    assert len(conditions) == len(keys), plan
    assert all(
        all(column in condition for column in ("room_id", "sender_id", "client_id"))
        for condition in conditions
    ), plan
