"""Admission paths per network (declaration, designation, sponsorship), and a designation
for a full seat replacing its holder, whose directory links move to the successor."""

import datetime
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from directory.models import ContactPoint
from messaging.actions import create_room, create_thread
from messaging.models import RoomParticipant
from messaging.posting import post_message
from messaging.translations.actions import request_translation
from network.audit.models import AuditEvent
from network.models import Membership, MembershipDecision
from network.vetting import actions, admission
from network.vetting.actions import VettingError

Status = Membership.Status
PDF = b"%PDF-1.7\n% a designation letter\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def wacap(make_network, make_user, make_membership):
    network = make_network(
        "wacap-t", name="WACAP", member_states=["NG", "GH"], admission="designation"
    )
    network.seats_per_state = 1
    network.save()
    boss = make_user("wacap-coordinator@example.org", state="GH")
    make_membership(boss, network, role="coordinator")
    network.coordinator = boss
    return network


def written():
    return (
        Membership.objects.count(),
        MembershipDecision.objects.count(),
        AuditEvent.objects.count(),
    )


def apply(user, network, **kw):
    return actions.apply_to_network(
        user=user,
        network=network,
        institution="Ministry of Justice",
        position="Central authority",
        statement="Designated by my state.",
        **kw,
    )


def refused(code, user, network, **kw):
    before = written()
    with pytest.raises(VettingError) as info:
        apply(user, network, **kw)
    assert info.value.code == code, info.value.message
    assert written() == before
    return info.value


def test_a_declaration_is_required_bounded_and_confirmed_by_admitting(
    make_network, make_user, coordinator, tipp
):
    tipp.admission = "declaration"
    tipp.save()
    applicant = make_user(state="NG")
    refused("declaration_required", applicant, tipp, declaration="   ")
    error = refused("invalid_field", applicant, tipp, declaration="x" * 2001)
    assert error.field == "declaration"
    membership = apply(applicant, tipp, declaration="Ten years of trafficking prosecutions.")
    assert membership.status == Status.ENDORSED, "no endorsements are asked"
    assert membership.declaration == "Ten years of trafficking prosecutions."
    actions.approve_membership(membership=membership, coordinator=coordinator, reason="Known.")
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


def test_a_designation_needs_a_known_seat_of_ones_own_state_and_a_pdf_or_image(wacap, make_user):
    applicant = make_user(state="NG")
    seat = {"seat_state": "NG", "seat_role": "central_authority"}
    error = refused(
        "unknown_seat", applicant, wacap, seat_state="FR", seat_role="central_authority"
    )
    assert error.field == "seat"
    refused("unknown_seat", applicant, wacap, seat_state="NG", seat_role="minister")
    refused("seat_not_entitled", applicant, wacap, seat_state="GH", seat_role="central_authority")
    refused("letter_required", applicant, wacap, **seat)
    error = refused(
        "letter_type", applicant, wacap, letter=b"hello", letter_content_type="text/plain", **seat
    )
    assert error.field == "designation_letter"
    refused(
        "letter_type", applicant, wacap, letter=b"MZ\x90", letter_content_type="image/png", **seat
    )
    membership = apply(applicant, wacap, letter=PDF, letter_content_type="application/pdf", **seat)
    assert membership.status == Status.ENDORSED
    assert PDF not in bytes(membership.letter_sealed), "stored sealed"
    assert admission.open_letter(membership) == PDF
    assert membership.letter_checked_at is None


def test_a_designation_for_a_full_seat_replaces_the_holder_and_hands_over(
    wacap, make_user, make_membership, make_contact_point, django_capture_on_commit_callbacks
):
    outgoing = make_user("outgoing@example.org", state="NG")
    make_membership(outgoing, wacap, seat_state="NG", seat_role="central_authority")
    entry = make_contact_point("Outgoing Focal Point", member=outgoing, networks=[wacap])
    other_seat = make_user(state="NG")
    make_membership(other_seat, wacap, seat_state="NG", seat_role="judge_prosecutor")
    room = create_room(
        kind="case", creator=outgoing, title="Case 12", network=wacap, participants=[other_seat]
    )
    said = post_message(
        room=room,
        sender=other_seat,
        thread=create_thread(room=room, creator=outgoing, title="Recruiters"),
        body="Statement taken in Kano.",
        client_id=uuid.uuid4(),
    ).message
    asked = request_translation(
        requester=outgoing,
        message=said,
        source_language="en",
        target_language="fr",
        purpose="information",
        due_date=(timezone.now() + datetime.timedelta(days=7)).date().isoformat(),
    )
    successor = make_user("successor@example.org", state="NG")
    membership = apply(
        successor,
        wacap,
        seat_state="NG",
        seat_role="central_authority",
        letter=PNG,
        letter_content_type="image/png",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_membership(
            membership=membership, coordinator=wacap.coordinator, reason="Letter checked."
        )
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert membership.letter_checked_by == wacap.coordinator
    assert membership.letter_checked_at is not None
    ended = Membership.objects.get(user=outgoing, network=wacap)
    assert ended.status == Status.REVOKED and ended.readmission_allowed
    decision = ended.decisions.latest("decided_at")
    assert decision.kind == MembershipDecision.Kind.REPLACED
    assert ContactPoint.objects.get(pk=entry.pk).member == successor
    assert AuditEvent.objects.filter(action="directory.handed_over").exists()
    assert [m.to for m in mail.outbox] == [["outgoing@example.org"]]
    owners = RoomParticipant.objects.current().filter(room=room, role="owner")
    assert [p.user for p in owners] == [successor]
    assert not RoomParticipant.objects.current().filter(room=room, user=outgoing).exists()
    assert RoomParticipant.objects.current().filter(room=room, user=other_seat).exists()
    assert AuditEvent.objects.filter(action="messaging.room_handed_over").count() == 1
    room.refresh_from_db()
    assert room.key_epoch == 2, "a new key epoch once the outgoing member left"
    asked.refresh_from_db()
    assert asked.requester == successor, "an open translation request follows the seat"
    assert asked.events.filter(action="reassigned").exists()
    kept = Membership.objects.get(user=other_seat, network=wacap)
    assert kept.status == Status.ACTIVE, "another seat role is not touched"


def test_a_designation_for_a_free_seat_replaces_no_one(wacap, make_user):
    successor = make_user(state="GH")
    membership = apply(
        successor,
        wacap,
        seat_state="GH",
        seat_role="judge_prosecutor",
        letter=PDF,
        letter_content_type="application/pdf",
    )
    actions.approve_membership(membership=membership, coordinator=wacap.coordinator, reason="ok")
    assert not MembershipDecision.objects.filter(kind="replaced").exists()
