"""Signatures, entry into force, extension, reminders, closure and evaluation."""

from datetime import date

import pytest

from messaging.jit import actions
from messaging.jit.models import Notice, Signature
from messaging.models import RoomEvent
from tests.jit.conftest import PNG, consent_all, sign_all


@pytest.fixture
def agreed(proposal, authorizer_ar, authorizer_ng):
    consent_all(proposal, (authorizer_ar, "AR"), (authorizer_ng, "NG"))
    proposal.refresh_from_db()
    return proposal


def test_a_signature_for_an_unagreed_version_is_refused(proposal, authorizer_ar):
    with pytest.raises(actions.JitError) as refused:
        actions.sign(
            proposal=proposal,
            user=authorizer_ar,
            state="AR",
            version_number=1,
            signatory="A",
            signed_on="2026-12-01",
            scan=PNG,
            content_type="image/png",
        )
    assert refused.value.code == "not_agreed"
    assert not Signature.objects.exists()


def test_in_force_when_every_party_signed(agreed, member, authorizer_ng):
    sign_all(agreed, (member, "AR"))
    agreed.refresh_from_db()
    assert agreed.status == "agreed"
    sign_all(agreed, (authorizer_ng, "NG"))
    agreed.refresh_from_db()
    assert (agreed.status, agreed.in_force_version.number) == ("in_force", 1)
    signature = Signature.objects.get(party__state="NG")
    assert PNG not in bytes(signature.scan_ciphertext)
    assert actions.open_scan(signature) == PNG
    logged = RoomEvent.objects.get(room=agreed.room, details__step="signed", details__state="NG")
    assert logged.details["sha256"] == signature.sha256
    assert RoomEvent.objects.filter(details__step="in_force").count() == 1


def test_a_party_signs_once(agreed, member):
    sign_all(agreed, (member, "AR"))
    with pytest.raises(actions.JitError) as refused:
        sign_all(agreed, (member, "AR"))
    assert refused.value.code == "already_signed"


def test_a_scan_of_the_wrong_kind_is_refused(agreed, member):
    with pytest.raises(actions.JitError) as refused:
        actions.sign(
            proposal=agreed,
            user=member,
            state="AR",
            version_number=1,
            signatory="M",
            signed_on="2026-12-01",
            scan=b"MZ...",
            content_type="application/x-msdownload",
        )
    assert refused.value.code == "unsupported_file_type"


@pytest.fixture
def in_force(agreed, member, authorizer_ng):
    sign_all(agreed, (member, "AR"), (authorizer_ng, "NG"))
    agreed.refresh_from_db()
    return agreed


def test_extension_goes_through_the_consent_loop(in_force, member, authorizer_ar, authorizer_ng):
    version = actions.propose_extension(
        proposal=in_force, author=member, period_end="2028-06-30", note="Trial pending"
    )
    in_force.refresh_from_db()
    # Still in force with the signed version while the extension is open.
    assert (in_force.status, in_force.in_force_version.number) == ("in_force", 1)
    consent_all(in_force, (authorizer_ar, "AR"), (authorizer_ng, "NG"))
    sign_all(in_force, (member, "AR"), (authorizer_ng, "NG"))
    in_force.refresh_from_db()
    assert in_force.in_force_version == version
    assert in_force.in_force_version.period_end == date(2028, 6, 30)


def test_an_extension_ends_later(in_force, member):
    with pytest.raises(actions.JitError) as refused:
        actions.propose_extension(
            proposal=in_force, author=member, period_end="2027-06-30", note=""
        )
    assert refused.value.field == "period_end"


def test_expiry_reminders_once_per_end(in_force, authorizer_ar):
    assert actions.send_expiry_reminders(today=date(2027, 12, 10)) == 1
    assert actions.send_expiry_reminders(today=date(2027, 12, 11)) == 0
    assert Notice.objects.filter(kind="expiring", recipient=authorizer_ar).count() == 1


def test_close_then_evaluate_once(in_force, member):
    with pytest.raises(actions.JitError):
        actions.submit_evaluation(
            proposal=in_force, author=member, what_worked="a", obstacles="", results="b"
        )
    actions.close_proposal(proposal=in_force, actor=member)
    evaluation = actions.submit_evaluation(
        proposal=in_force,
        author=member,
        what_worked="Joint interviews",
        obstacles="Visas",
        results="Four arrests",
    )
    assert actions.open_evaluation(evaluation)["results"] == "Four arrests"
    with pytest.raises(actions.JitError) as refused:
        actions.submit_evaluation(
            proposal=in_force, author=member, what_worked="a", obstacles="", results="b"
        )
    assert refused.value.code == "already_evaluated"


def test_the_reminder_command(in_force, authorizer_ng):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("jit_reminders", "--days", "100000", stdout=out)
    assert out.getvalue().strip() == "1 JIT(s) reminded of their end"
    assert Notice.objects.filter(kind="expiring", recipient=authorizer_ng).count() == 1
