"""Closing a case, retention, legal hold and the purge that crypto-shreds."""

import datetime
import io
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from messaging import actions, crypto, merkle, posting, roomlog
from messaging.errors import MessagingError
from messaging.models import Attachment, RoomKey
from messaging.records import closure, workflow
from messaging.records.errors import RecordError
from messaging.records.models import LegalHold, PurgedRoom
from network.audit.models import AuditEvent
from network.keyring import DecryptionError

pytestmark = pytest.mark.django_db


def later(days):
    return timezone.now() + datetime.timedelta(days=days)


def test_a_closed_room_is_read_only(case, member, counterpart):
    room = closure.close_room(room=case["room"], owner=member, reason="Team period ended")
    assert room.events.filter(kind="room.closed").count() == 1
    with pytest.raises(MessagingError) as refused:
        posting.post_message(
            room=room, sender=counterpart, thread=case["lantern"], body="x", client_id=uuid.uuid4()
        )
    assert refused.value.code == "room_closed"
    stale = case["room"]  # a room object read before the closing: refused all the same
    assert stale.closed_at is None
    with pytest.raises(MessagingError) as refused:
        posting.post_message(
            room=stale, sender=member, thread=case["lantern"], body="x", client_id=uuid.uuid4()
        )
    assert refused.value.code == "room_closed"
    for write in (
        lambda: actions.edit_message(message=case["first"], editor=member, body="changed"),
        lambda: actions.create_thread(room=room, creator=member, title="New"),
        lambda: actions.delete_message(message=case["first"], actor=member),
    ):
        with pytest.raises(MessagingError) as refused:
            write()
        assert refused.value.code == "room_closed"
    case["first"].refresh_from_db()
    assert crypto.open_body(case["first"]) == "The agency recruits in Lagos, Nigeria."
    # the record can still be exported
    export = workflow.request_export(room=room, requester=member, legal_basis="x")
    workflow.approve_export(export_id=export.pk, approver=counterpart)
    assert workflow.run_pending() == 1
    with pytest.raises(RecordError) as refused:
        closure.close_room(room=room, owner=member)
    assert refused.value.code == "wrong_status"
    assert AuditEvent.objects.filter(action="records.case_closed").count() == 1


def test_only_an_owner_closes(case, counterpart, coordinator):
    with pytest.raises(RecordError) as refused:
        closure.close_room(room=case["room"], owner=counterpart)
    assert refused.value.code == "forbidden"
    with pytest.raises(Exception) as refused:
        closure.close_room(room=case["room"], owner=coordinator)
    assert refused.value.code == "unknown_room"
    case["room"].refresh_from_db()
    assert case["room"].closed_at is None


def test_retention_and_holds(case, member, coordinator, counterpart, tipp, outsider):
    with pytest.raises(RecordError) as refused:
        closure.set_retention(network=tipp, coordinator=member, days=30)
    assert refused.value.code == "not_coordinator"
    for days in (0, -1, "30", True):
        with pytest.raises(RecordError) as refused:
            closure.set_retention(network=tipp, coordinator=coordinator, days=days)
        assert (refused.value.code, refused.value.field) == ("invalid_field", "closed_room_days")
    closure.set_retention(network=tipp, coordinator=coordinator, days=30)
    room = case["room"]
    # holds: an owner or a coordinator of the network, with a reason
    with pytest.raises(RecordError) as refused:
        closure.place_hold(room_id=room.pk, user=member, reason=" ")
    assert refused.value.code == "reason_required"
    with pytest.raises(RecordError) as refused:
        closure.place_hold(room_id=room.pk, user=member, reason="x", ends_at=later(-1))
    assert refused.value.field == "ends_at"
    for stranger in (counterpart, outsider):
        with pytest.raises(Exception) as refused:
            closure.place_hold(room_id=room.pk, user=stranger, reason="x")
        assert refused.value.code == "unknown_room"
    assert not LegalHold.objects.exists()
    hold = closure.place_hold(room_id=room.pk, user=coordinator, reason="Trial pending")
    closure.close_room(room=room, owner=member)
    (line,) = closure.retention_report(now=later(31))
    assert (line["state"], line["retention_days"]) == ("held", 30)
    assert closure.purge_due(now=later(31)) == []
    closure.lift_hold(hold_id=hold.pk, user=member)
    (line,) = closure.retention_report(now=later(29))
    assert line["state"] == "kept"
    (line,) = closure.retention_report(now=later(31))
    assert line["state"] == "due"
    assert AuditEvent.objects.filter(action="records.hold_placed").count() == 1


def test_purge_destroys_keys_and_files_and_leaves_held_rooms_readable(
    case, member, counterpart, tipp, coordinator
):
    from messaging.actions import create_room

    room = case["room"]
    held = create_room(
        kind="case", creator=member, title="Held", network=tipp, participants=[counterpart]
    )
    thread = actions.create_thread(room=held, creator=member, title="Kept")
    kept = posting.post_message(
        room=held, sender=member, thread=thread, body="kept", client_id=uuid.uuid4()
    ).message
    closure.set_retention(network=tipp, coordinator=coordinator, days=10)
    closure.place_hold(room_id=held.pk, user=member, reason="Appeal", ends_at=later(365))
    closure.close_room(room=room, owner=member)
    closure.close_room(room=held, owner=member)
    leaves = roomlog.leaf_hashes(room.pk)
    attachment = Attachment.objects.get(room=room)
    out = io.StringIO()
    call_command("purge_closed_rooms", "--report", stdout=out)
    assert "kept" in out.getvalue() and "Appeal" in out.getvalue()
    assert closure.purge_due(now=later(5)) == []  # not yet due

    (tombstone,) = closure.purge_due(now=later(11))
    assert tombstone.room_id == room.pk
    assert tombstone.keys_destroyed >= 1 and tombstone.attachments_destroyed == 1
    assert tombstone.log_root == merkle.root(leaves).hex()
    assert not RoomKey.objects.filter(room=room).exists()
    assert roomlog.leaf_hashes(room.pk) == leaves  # the log's hashes stay
    crypto.forget_cached_keys()
    case["first"].refresh_from_db()
    with pytest.raises(DecryptionError):
        crypto.open_body(case["first"])
    attachment.refresh_from_db()
    assert bytes(attachment.content_ciphertext) == b""
    assert not room.participants.filter(removed_at__isnull=True).exists()
    # the held room is untouched and readable
    assert RoomKey.objects.filter(room=held).exists()
    kept.refresh_from_db()
    assert crypto.open_body(kept) == "kept"
    assert roomlog.verify(held).intact
    audit = AuditEvent.objects.get(action="records.room_purged")
    assert audit.details["attachments"] == 1 and audit.details["keys"] >= 1
    # a second run purges nothing more
    assert closure.purge_due(now=later(12)) == []
    assert PurgedRoom.objects.count() == 1
