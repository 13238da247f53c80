import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from network.audit.log import record, verify_chain
from network.audit.models import AuditEvent


def test_each_event_links_to_the_one_before(db, member):
    first = record("sign_in.succeeded", actor=member, ip_address="192.0.2.1")
    second = record("membership.suspended", actor=member, target=member, reason="Left office")

    assert second.previous_hash == first.entry_hash
    assert verify_chain().intact
    assert verify_chain().checked == 2


def test_events_cannot_be_changed_or_deleted_through_the_orm(db, member):
    event = record("sign_in.succeeded", actor=member)

    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_the_command_names_the_first_tampered_entry(db, member, capsys):
    record("sign_in.succeeded", actor=member)
    tampered = record("membership.approved", actor=member, reason="Two endorsements")
    record("sign_out", actor=member)
    AuditEvent.objects.filter(pk=tampered.pk).update(reason="No reason at all")

    with pytest.raises(CommandError, match=f"entry #{tampered.pk} .*content does not match"):
        call_command("verify_audit_log")


def test_the_command_detects_a_removed_entry(db, member):
    record("sign_in.succeeded", actor=member)
    removed = record("membership.approved", actor=member, reason="Two endorsements")
    following = record("sign_out", actor=member)
    AuditEvent.objects.filter(pk=removed.pk)._raw_delete(AuditEvent.objects.db)

    with pytest.raises(CommandError, match=f"entry #{following.pk} .*does not link"):
        call_command("verify_audit_log")


def test_the_command_reports_an_intact_chain(db, member, capsys):
    record("sign_in.succeeded", actor=member)

    call_command("verify_audit_log")

    assert "audit log intact: 1 entries verified" in capsys.readouterr().out
