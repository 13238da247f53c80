"""JIT fixtures: a TIPP case room between Argentina and Nigeria, and authorizing contact
points of the directory linked to member accounts."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from directory import actions as directory_actions
from directory.models import ContactPoint
from messaging.jit import actions

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def make_contact(tipp):
    def make(
        name,
        *,
        state,
        competences=("jit.authorize",),
        member=None,
        kind="prosecution_service",
        authority="Fiscalía General",
        days_ago=0,
        networks=None,
    ):
        authority_row = directory_actions.create_authority(
            name=f"{authority} {state} {name}", kind=kind, state=state
        )
        contact = directory_actions.create_contact_point(
            authority=authority_row,
            kind=ContactPoint.Kind.PERSON,
            name=name,
            competences=competences,
            networks=networks or [tipp],
            email="desk@example.org",
            member=member,
        )
        if days_ago:
            contact.verified_at = timezone.now() - timedelta(days=days_ago)
            contact.refresh_verification_due()
            contact.save(update_fields=["verified_at", "verification_due_at"])
        return contact

    return make


@pytest.fixture
def authorizer_ar(make_user, make_membership, tipp, make_contact):
    user = make_user("fiscal.ar@example.org", display_name="Alma Authorizer", state="AR")
    make_membership(user, tipp)
    make_contact("Alma Authorizer", state="AR", member=user)
    return user


@pytest.fixture
def authorizer_ng(make_user, make_membership, tipp, make_contact):
    user = make_user("naptip.ng@example.org", display_name="Ngozi Authorizer", state="NG")
    make_membership(user, tipp)
    make_contact("Ngozi Authorizer", state="NG", member=user)
    return user


SECTIONS = {
    "purpose": "Dismantle the recruitment network.\nTrace the proceeds.",
    "places": "Buenos Aires and Lagos.",
}


def start(case_room, member, **overrides):
    fields = {
        "room": case_room,
        "proposer": member,
        "title": "JIT Lantern",
        "states": ["AR", "NG"],
        "period_start": date(2027, 1, 1),
        "period_end": date(2027, 12, 31),
        "team_type": "integrated_active",
        "sections": SECTIONS,
        "languages": {"AR": "es", "NG": "en"},
    }
    fields.update(overrides)
    return actions.start_proposal(**fields)


@pytest.fixture
def proposal(case_room, member, authorizer_ar, authorizer_ng):
    return start(case_room, member)


def consent_all(proposal, *authorizers, version=None):
    version = version or proposal.latest_version().number
    for user, state in authorizers:
        actions.record_consent(
            proposal=proposal, user=user, state=state, version_number=version, decision="consent"
        )


def sign_all(proposal, *signers):
    proposal.refresh_from_db()
    for user, state in signers:
        actions.sign(
            proposal=proposal,
            user=user,
            state=state,
            version_number=proposal.agreed_version.number,
            signatory=user.display_name,
            signed_on=date(2026, 12, 1),
            scan=PNG,
            content_type="image/png",
        )
