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


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda other: {"actor": other}, id="actor"),
        pytest.param(lambda other: {"actor_label": other.email}, id="actor_label"),
        pytest.param(lambda other: {"details": {"network": "tipp", "round": 2}}, id="details"),
        pytest.param(lambda other: {"details": {}}, id="details_emptied"),
        pytest.param(lambda other: {"action": "membership.rejected"}, id="action"),
        pytest.param(lambda other: {"target_id": str(other.pk)}, id="target"),
        pytest.param(lambda other: {"ip_address": "198.51.100.7"}, id="ip_address"),
    ],
)
def test_tampering_any_recorded_field_is_detected(db, member, outsider, change):
    """Every field of an entry is under its hash: changing who acted, what was done, on what,
    from where, or the details is named as the tampered entry."""
    record("sign_in.succeeded", actor=member)
    tampered = record(
        "membership.approved",
        actor=member,
        target=member,
        reason="Two endorsements",
        details={"network": "tipp", "round": 1},
        ip_address="192.0.2.1",
    )
    record("sign_out", actor=member)
    AuditEvent.objects.filter(pk=tampered.pk).update(**change(outsider))

    report = verify_chain()
    assert report.first_broken == tampered
    assert report.problem == "content does not match its hash"
    assert report.checked == 1
    with pytest.raises(CommandError, match=f"entry #{tampered.pk} .*content does not match"):
        call_command("verify_audit_log")


def test_with_two_broken_entries_the_first_is_named(db, member, outsider):
    """The walk stops at the earliest break, whatever comes after it."""
    record("sign_in.succeeded", actor=member)
    first = record("membership.approved", actor=member, reason="Two endorsements")
    record("membership.renewed", actor=member, reason="Re-vetted")
    second = record("membership.suspended", actor=member, reason="Inquiry")
    AuditEvent.objects.filter(pk=second.pk).update(reason="Nothing to see")
    AuditEvent.objects.filter(pk=first.pk).update(actor=outsider)

    assert verify_chain().first_broken == first
    with pytest.raises(CommandError, match=f"entry #{first.pk} .*content does not match"):
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
