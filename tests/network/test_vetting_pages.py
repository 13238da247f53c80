"""The server-rendered vetting pages under /networks/: workflows, permissions and errors."""

from datetime import timedelta

import pytest
from django.test import Client

from network.audit.models import AuditEvent
from network.models import Endorsement, Membership, MembershipDecision
from tests.network.vetting_support import deactivations


def membership_of(user, network) -> Membership:
    return Membership.objects.get(user=user, network=network)


@pytest.fixture
def endorsed_applicant(applicant, member, coordinator, tipp):
    membership = membership_of(applicant, tipp)
    for endorser in (member, coordinator):
        Endorsement.objects.create(
            membership=membership, endorser=endorser, statement=f"I vouch, {endorser}."
        )
    Membership.objects.filter(pk=membership.pk).update(status="endorsed")
    return membership_of(applicant, tipp)


def decide(client, network, membership, decision, reason="On record.", **extra):
    return client.post(
        f"/networks/{network.slug}/memberships/{membership.pk}/decide/",
        {"decision": decision, "reason": reason, **extra},
    )


# --- Sign-in gate --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/networks/", "/networks/tipp/", "/networks/tipp/queue/", "/networks/tipp/apply/"]
)
def test_the_pages_need_both_factors(outsider, tipp, path):
    anonymous = Client().get(path)
    half = Client()
    half.force_login(outsider)

    assert anonymous.status_code == 302
    assert "/accounts/sign-in/" in anonymous["Location"]
    assert half.get(path).status_code == 302


# --- Networks and applying -----------------------------------------------------------------


def test_the_networks_page_lists_networks_and_my_memberships(client_for, member, tipp, redtram):
    response = client_for(member).get("/networks/")

    assert response.status_code == 200
    assert response.context["networks"].count() == 2
    assert [m.network for m in response.context["memberships"]] == [tipp]
    assert "REDTRAM" in response.content.decode()


def test_an_unknown_network_is_404(client_for, outsider):
    client = client_for(outsider)

    for path in ("", "apply/", "queue/", "members/", "applications/", "decisions/"):
        assert client.get(f"/networks/nowhere/{path}").status_code == 404, path


def test_an_outsider_applies_through_the_form(client_for, outsider, tipp):
    client = client_for(outsider)
    assert client.get("/networks/tipp/apply/").status_code == 200

    response = client.post(
        "/networks/tipp/apply/",
        {
            "institution": "Procura della Repubblica",
            "position": "Sostituto procuratore",
            "statement": "Anti-trafficking pool, Palermo.",
            "nominating_authority": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/networks/tipp/"
    membership = membership_of(outsider, tipp)
    assert (membership.status, membership.institution) == ("applicant", "Procura della Repubblica")
    assert membership.decisions.get().kind == "applied"


def test_an_application_without_a_statement_is_shown_again_with_the_error(
    client_for, outsider, tipp
):
    response = client_for(outsider).post(
        "/networks/tipp/apply/", {"institution": "X", "position": "Y", "statement": "  "}
    )

    assert response.status_code == 400
    assert "A statement is required." in response.content.decode()
    assert 'value="X"' in response.content.decode(), "the form keeps what was typed"
    assert not Membership.objects.filter(user=outsider).exists()


def test_a_pending_applicant_cannot_apply_again(client_for, applicant, tipp):
    response = client_for(applicant).post(
        "/networks/tipp/apply/", {"institution": "X", "position": "Y", "statement": "Z"}
    )

    assert response.status_code == 409
    assert "already pending" in response.content.decode()


# --- Endorsing -----------------------------------------------------------------------------


def test_an_active_member_endorses_through_the_page(client_for, member, applicant, tipp):
    client = client_for(member)
    page = client.get("/networks/tipp/applications/")
    target = membership_of(applicant, tipp)
    assert page.status_code == 200
    assert "Ana Applicant" in page.content.decode()

    response = client.post(
        f"/networks/tipp/applications/{target.pk}/endorse/", {"statement": "Known to me."}
    )

    assert response.status_code == 302
    endorsement = Endorsement.objects.get(membership=target)
    assert (endorsement.endorser, endorsement.statement) == (member, "Known to me.")
    page = client.get("/networks/tipp/applications/")
    assert page.context["rows"][0]["endorsed_by_me"] is True


@pytest.mark.parametrize("persona", ["applicant", "suspended_member", "other_network_member"])
def test_only_active_members_reach_the_endorsement_page(
    request, client_for, applicant, tipp, persona
):
    client = client_for(request.getfixturevalue(persona))
    target = membership_of(applicant, tipp)

    listed = client.get("/networks/tipp/applications/")
    posted = client.post(
        f"/networks/tipp/applications/{target.pk}/endorse/", {"statement": "Vouching."}
    )

    assert listed.status_code == 403
    assert posted.status_code == 403
    assert "Only active members" in posted.content.decode()
    assert not Endorsement.objects.exists()


def test_an_empty_endorsement_is_refused_with_its_reason(client_for, member, applicant, tipp):
    target = membership_of(applicant, tipp)

    response = client_for(member).post(
        f"/networks/tipp/applications/{target.pk}/endorse/", {"statement": ""}
    )

    assert response.status_code == 400
    assert "An endorsement statement is required." in response.content.decode()


# --- The coordinator's queue and decisions --------------------------------------------------


def test_the_queue_shows_applications_with_their_endorsements(
    client_for, coordinator, endorsed_applicant
):
    response = client_for(coordinator).get("/networks/tipp/queue/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Ana Applicant" in body
    assert "I vouch, Mateo Member." in body
    assert response.context["rows"][0]["decisions"] == [
        ("approve", "Approve"),
        ("reject", "Reject"),
    ]


@pytest.mark.parametrize("persona", ["member", "other_network_member", "outsider", "applicant"])
def test_only_coordinators_of_the_network_reach_its_admin_pages(
    request, client_for, endorsed_applicant, tipp, persona
):
    client = client_for(request.getfixturevalue(persona))

    for path in ("queue/", "members/", "decisions/"):
        assert client.get(f"/networks/tipp/{path}").status_code == 403, path
    assert decide(client, tipp, endorsed_applicant, "approve").status_code == 403
    assert Membership.objects.get(pk=endorsed_applicant.pk).status == "endorsed"


def test_a_coordinator_approves_from_the_queue(client_for, coordinator, endorsed_applicant, tipp):
    response = decide(client_for(coordinator), tipp, endorsed_applicant, "approve", "Known unit.")

    assert response.status_code == 302
    assert response["Location"] == "/networks/tipp/queue/"
    decision = MembershipDecision.objects.get(membership=endorsed_applicant, kind="approved")
    assert (decision.actor, decision.reason) == (coordinator, "Known unit.")
    assert AuditEvent.objects.filter(action="membership.approved", reason="Known unit.").exists()


@pytest.mark.parametrize(
    ("decision", "reason", "status", "message"),
    [
        ("approve", "   ", 400, "A reason is required."),
        ("dance", "Ok", 400, "Choose a decision"),
        ("reinstate", "Ok", 409, "cannot be reinstated"),
    ],
)
def test_a_bad_decision_is_refused_with_its_message(
    client_for, coordinator, endorsed_applicant, tipp, decision, reason, status, message
):
    response = decide(client_for(coordinator), tipp, endorsed_applicant, decision, reason)

    assert response.status_code == status
    assert message in response.content.decode()
    assert not MembershipDecision.objects.filter(membership=endorsed_applicant).exists()


def test_a_webauthn_network_refuses_coordinators_without_a_security_key(
    client_for, coordinator, endorsed_applicant, tipp
):
    tipp.coordinators_require_webauthn = True
    tipp.save()

    refused = decide(client_for(coordinator), tipp, endorsed_applicant, "approve")
    allowed = decide(
        client_for(coordinator, method="webauthn"), tipp, endorsed_applicant, "approve"
    )

    assert refused.status_code == 403
    assert "security key or passkey" in refused.content.decode()
    assert allowed.status_code == 302
    assert Membership.objects.get(pk=endorsed_applicant.pk).status == "active"


def test_a_coordinator_suspends_from_the_members_page(
    client_for, coordinator, member, tipp, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    page = client.get("/networks/tipp/members/")
    target = membership_of(member, tipp)
    assert "Mateo Member" in page.content.decode()

    with deactivations() as received, django_capture_on_commit_callbacks(execute=True):
        response = decide(client, tipp, target, "suspend", "Inquiry.", next="members")

    assert response["Location"] == "/networks/tipp/members/"
    assert received == [(target.pk, member.pk, "suspended", "Inquiry.")]


def test_a_coordinator_changes_a_role_from_the_membership_page(
    client_for, coordinator, member, tipp
):
    target = membership_of(member, tipp)
    client = client_for(coordinator)
    page = client.get(f"/networks/tipp/memberships/{target.pk}/")
    assert ("role", "Change role") in page.context["offered"]

    response = decide(
        client, tipp, target, "role", "Co-lead.", role="coordinator", next="membership"
    )

    assert response["Location"] == f"/networks/tipp/memberships/{target.pk}/"
    assert membership_of(member, tipp).role == "coordinator"


def test_an_unknown_role_is_a_400(client_for, coordinator, member, tipp):
    response = decide(
        client_for(coordinator), tipp, membership_of(member, tipp), "role", "Ok", role="boss"
    )

    assert response.status_code == 400
    assert "Unknown role boss" in response.content.decode()


# --- History -------------------------------------------------------------------------------


def test_the_history_of_a_membership_is_shown_to_its_member_and_the_coordinators(
    client_for, coordinator, member, endorsed_applicant, tipp
):
    decide(client_for(coordinator), tipp, endorsed_applicant, "reject", "Not a practitioner.")
    path = f"/networks/tipp/memberships/{endorsed_applicant.pk}/"

    own = client_for(endorsed_applicant.user).get(path)
    by_coordinator = client_for(coordinator).get(path)
    by_member = client_for(member).get(path)

    assert own.status_code == by_coordinator.status_code == 200
    assert "Not a practitioner." in own.content.decode()
    assert own.context["offered"] == [], "a member cannot decide on their own membership"
    assert by_member.status_code == 403


def test_the_network_history_lists_every_decision(
    client_for, coordinator, endorsed_applicant, tipp
):
    client = client_for(coordinator)
    decide(client, tipp, endorsed_applicant, "approve", "Known unit.")
    decide(client, tipp, endorsed_applicant, "suspend", "Inquiry opened.")

    response = client.get("/networks/tipp/decisions/")

    assert [d.kind for d in response.context["decisions"]] == ["suspended", "approved"]
    assert "Inquiry opened." in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/networks/tipp/applications/"),
        ("post", "/networks/tipp/applications/1/endorse/"),
        ("get", "/networks/tipp/members/"),
        ("get", "/networks/tipp/decisions/"),
        ("get", "/networks/tipp/memberships/1/"),
        ("post", "/networks/tipp/memberships/1/decide/"),
    ],
)
def test_every_vetting_page_is_behind_the_second_factor(coordinator, tipp, method, path):
    half = Client()
    half.force_login(coordinator)

    response = getattr(half, method)(path, {"decision": "suspend", "reason": "x"})

    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]
    assert MembershipDecision.objects.count() == 0


def test_the_members_page_flags_revetting_due_soon_and_overdue(
    client_for, coordinator, make_user, make_membership, tipp, today
):
    soon = make_membership(make_user(), tipp, renew_by=today + timedelta(days=10))
    late = make_membership(make_user(), tipp, renew_by=today - timedelta(days=1))
    later = make_membership(make_user(), tipp, renew_by=today + timedelta(days=200))

    response = client_for(coordinator).get("/networks/tipp/members/")

    states = {row["membership"].pk: row["revetting"] for row in response.context["rows"]}
    assert (states[soon.pk], states[late.pk], states[later.pk]) == ("due_soon", "overdue", "")
    assert "due soon" in response.content.decode()


def test_the_home_page_points_members_and_coordinators_to_their_vetting_work(
    client_for, coordinator, member, endorsed_applicant, make_user, make_membership, tipp
):
    newcomer = make_membership(make_user(), tipp, status="applicant")
    Endorsement.objects.create(membership=newcomer, endorser=member, statement="Known.")

    for_coordinator = client_for(coordinator).get("/").context["vetting_work"]
    for_member = client_for(member).get("/").context["vetting_work"]
    page = client_for(coordinator).get("/").content.decode()

    assert for_coordinator == [{"network": tipp, "to_endorse": 1, "to_decide": 1}]
    assert for_member == [], "the member endorsed both pending applications already"
    assert "1 application ready for your decision" in page
    assert "<title>Home · Counterpart</title>" in page, "the title holds no markup"
    assert page.count("1 application ready for your decision") == 1
