"""Versions, diffs, comments and consent tied to a version."""

import pytest

from messaging.jit import actions
from messaging.jit.models import Consent, Notice
from messaging.models import RoomEvent
from network.audit.models import AuditEvent
from tests.jit.conftest import consent_all


def test_the_draft_is_sealed(proposal):
    version = proposal.latest_version()
    assert b"recruitment" not in bytes(version.content_ciphertext)
    assert "recruitment network" in actions.open_version(version).sections["purpose"]


def test_every_change_is_a_new_version_with_a_readable_diff(proposal, counterpart):
    v2 = actions.revise_proposal(
        proposal=proposal,
        author=counterpart,
        note="Lagos only",
        sections={"places": "Lagos."},
    )
    assert (v2.number, v2.author) == (2, counterpart)
    (diff,) = actions.diff_versions(proposal.versions.get(number=1), v2)
    assert diff.title == "Place or places of operation"
    assert diff.lines == [("-", "Buenos Aires and Lagos."), ("+", "Lagos.")]


def test_a_version_that_changes_nothing_is_refused(proposal, member):
    with pytest.raises(actions.JitError) as refused:
        actions.revise_proposal(proposal=proposal, author=member, note="", sections={})
    assert refused.value.code == "nothing_changed"
    assert proposal.versions.count() == 1


def test_a_non_participant_cannot_edit(proposal, authorizer_ar, outsider):
    for user in (authorizer_ar, outsider):
        with pytest.raises(actions.JitError) as refused:
            actions.revise_proposal(
                proposal=proposal, author=user, note="", sections={"media": "x"}
            )
        assert refused.value.code == "not_allowed"
    assert proposal.versions.count() == 1


def test_comments_per_section(proposal, authorizer_ng):
    comment = actions.comment(
        proposal=proposal, author=authorizer_ng, section="places", body="Add Abuja?"
    )
    assert b"Abuja" not in bytes(comment.body_ciphertext)
    assert actions.open_comment(comment) == "Add Abuja?"


def test_agreed_when_every_party_consented_to_the_same_version(
    proposal, authorizer_ar, authorizer_ng
):
    actions.record_consent(
        proposal=proposal,
        user=authorizer_ar,
        state="AR",
        version_number=1,
        decision="conditions",
        note="Spanish interpretation at every interview.",
    )
    proposal.refresh_from_db()
    assert proposal.status == "draft"
    consent_all(proposal, (authorizer_ng, "NG"))
    proposal.refresh_from_db()
    assert (proposal.status, proposal.agreed_version.number) == ("agreed", 1)
    steps = list(
        RoomEvent.objects.filter(room=proposal.room, kind="jit.changed").values_list(
            "details__step", flat=True
        )
    )
    assert steps == ["started", "answered", "answered", "agreed"]
    assert AuditEvent.objects.filter(action="jit.agreed").count() == 1
    assert Notice.objects.filter(kind="agreed", recipient=authorizer_ar).exists()


def test_a_change_after_consent_reopens_it_and_says_why(
    proposal, member, authorizer_ar, authorizer_ng
):
    consent_all(proposal, (authorizer_ar, "AR"), (authorizer_ng, "NG"))
    actions.revise_proposal(
        proposal=proposal, author=member, note="", sections={"media": "No statements."}
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.agreed_version) == ("draft", None)
    consent = Consent.objects.get(party__state="AR")
    assert consent.reopened_at is not None
    assert consent.reopened_because == "Version 2 changed: Media."


def test_consent_for_a_superseded_version_is_refused(proposal, member, authorizer_ar):
    actions.revise_proposal(proposal=proposal, author=member, note="", sections={"media": "No."})
    with pytest.raises(actions.JitError) as refused:
        consent_all(proposal, (authorizer_ar, "AR"), version=1)
    assert refused.value.code == "superseded_version"
    assert not Consent.objects.exists()


def test_the_same_party_consenting_twice_is_refused(proposal, authorizer_ar):
    consent_all(proposal, (authorizer_ar, "AR"))
    with pytest.raises(actions.JitError) as refused:
        consent_all(proposal, (authorizer_ar, "AR"))
    assert refused.value.code == "already_answered"
    assert Consent.objects.count() == 1


def test_a_refusal_needs_a_reason(proposal, authorizer_ar):
    with pytest.raises(actions.JitError) as refused:
        actions.record_consent(
            proposal=proposal,
            user=authorizer_ar,
            state="AR",
            version_number=1,
            decision="refusal",
        )
    assert (refused.value.code, refused.value.field) == ("missing_field", "note")


def test_only_the_routed_contact_answers_for_its_party(proposal, member, authorizer_ar):
    for user, state in ((member, "AR"), (authorizer_ar, "NG")):
        with pytest.raises(actions.JitError) as refused:
            consent_all(proposal, (user, state))
        assert refused.value.code == "not_allowed"
