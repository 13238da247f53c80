"""The networks and vetting REST API under /api/v1/: workflows, permissions and errors."""

import pytest
from django.test import Client

from network.audit.models import AuditEvent
from network.models import Endorsement, Membership, MembershipDecision
from tests.network.vetting_support import deactivations

DECISION_NAMES = [
    "approve",
    "reject",
    "renew",
    "suspend",
    "reinstate",
    "revoke",
    "allow-readmission",
]


def membership_of(user, network) -> Membership:
    return Membership.objects.get(user=user, network=network)


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def decide_url(network, membership, decision):
    return f"/api/v1/networks/{network.slug}/memberships/{membership.pk}/{decision}/"


@pytest.fixture
def endorsed_applicant(applicant, member, coordinator, tipp):
    membership = membership_of(applicant, tipp)
    for endorser in (member, coordinator):
        Endorsement.objects.create(membership=membership, endorser=endorser, statement="Known.")
    Membership.objects.filter(pk=membership.pk).update(status="endorsed")
    return membership_of(applicant, tipp)


# --- Authentication ------------------------------------------------------------------------


def test_the_api_requires_a_signed_in_session(db, tipp):
    response = Client().get("/api/v1/networks/")

    # 401 or 403 depending on the first authentication class's WWW-Authenticate header.
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_the_api_requires_the_second_factor(outsider, tipp):
    client = Client()
    client.force_login(outsider)

    response = client.get("/api/v1/networks/")

    assert response.status_code == 401
    assert "Two-factor" in response.json()["error"]["message"]


# --- Networks and my memberships ----------------------------------------------------------


def test_anyone_signed_in_lists_networks_and_reads_one(client_for, outsider, tipp, redtram):
    client = client_for(outsider)

    listed = client.get("/api/v1/networks/").json()
    detail = client.get("/api/v1/networks/tipp/").json()

    assert [n["slug"] for n in listed["results"]] == ["redtram", "tipp"]
    assert detail["member_states"] == ["ES", "NG", "BR", "PH"]
    assert detail["required_endorsements"] == 2
    assert client.get("/api/v1/networks/nowhere/").status_code == 404


def test_my_memberships_lists_every_network_of_mine(
    client_for, member, make_membership, redtram, tipp
):
    make_membership(member, redtram, status="applicant")

    response = client_for(member).get("/api/v1/memberships/")

    assert {(m["network"], m["status"]) for m in response.json()["results"]} == {
        ("tipp", "active"),
        ("redtram", "applicant"),
    }


# --- Applying ------------------------------------------------------------------------------


def test_an_outsider_applies(client_for, outsider, tipp):
    response = post(
        client_for(outsider),
        "/api/v1/networks/tipp/apply/",
        {
            "institution": "Parquet de Paris",
            "position": "Procureure adjointe",
            "statement": "Head of the trafficking section.",
            "nominating_authority": "Ministère de la Justice",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["network"], body["status"], body["role"]) == ("tipp", "applicant", "member")
    assert MembershipDecision.objects.get(membership_id=body["id"]).kind == "applied"
    assert AuditEvent.objects.filter(action="membership.applied", actor=outsider).exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"institution": "X", "position": "Y", "statement": "   "}, "statement_required"),
        ({"institution": "", "position": "Y", "statement": "Z"}, "field_required"),
        ({"institution": "X" * 201, "position": "Y", "statement": "Z"}, "field_too_long"),
    ],
)
def test_a_bad_application_gets_a_clear_400(client_for, outsider, tipp, data, code):
    response = post(client_for(outsider), "/api/v1/networks/tipp/apply/", data)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert not Membership.objects.filter(user=outsider).exists()


def test_an_application_missing_a_field_gets_a_400_naming_it(client_for, outsider, tipp):
    response = post(client_for(outsider), "/api/v1/networks/tipp/apply/", {"institution": "X"})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "position"
    assert set(response.json()["error"]["fields"]) == {"position", "statement"}


def test_applying_twice_is_a_conflict_and_an_unknown_network_is_404(client_for, applicant, tipp):
    client = client_for(applicant)
    data = {"institution": "X", "position": "Y", "statement": "Z"}

    assert post(client, "/api/v1/networks/tipp/apply/", data).status_code == 409
    assert post(client, "/api/v1/networks/nowhere/apply/", data).status_code == 404


def test_a_revoked_member_is_told_to_ask_a_coordinator(
    client_for, make_user, make_membership, tipp
):
    user = make_user()
    make_membership(user, tipp, status="revoked")

    response = post(
        client_for(user),
        "/api/v1/networks/tipp/apply/",
        {"institution": "X", "position": "Y", "statement": "Z"},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "readmission_required"


# --- Endorsing -----------------------------------------------------------------------------


def test_an_active_member_sees_the_applicants_and_endorses_one(client_for, member, applicant, tipp):
    client = client_for(member)
    listed = client.get("/api/v1/networks/tipp/applications/").json()["results"]
    assert [a["member"]["email"] for a in listed] == ["applicant@example.org"]

    response = post(
        client,
        f"/api/v1/networks/tipp/applications/{listed[0]['id']}/endorse/",
        {"statement": "We ran a JIT together."},
    )

    assert response.status_code == 201
    assert response.json()["endorser"]["email"] == "member@example.org"
    endorsement = Endorsement.objects.get()
    assert (endorsement.endorser, endorsement.statement) == (member, "We ran a JIT together.")
    again = post(
        client,
        f"/api/v1/networks/tipp/applications/{listed[0]['id']}/endorse/",
        {"statement": "Again."},
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_endorsed")


@pytest.mark.parametrize("persona", ["applicant", "suspended_member", "other_network_member"])
def test_only_active_members_of_the_network_see_and_endorse_applicants(
    request, client_for, applicant, tipp, persona
):
    client = client_for(request.getfixturevalue(persona))
    target = membership_of(applicant, tipp)

    listed = client.get("/api/v1/networks/tipp/applications/")
    endorsed = post(
        client, f"/api/v1/networks/tipp/applications/{target.pk}/endorse/", {"statement": "Hi"}
    )

    assert listed.status_code == 403
    assert endorsed.status_code == 403
    assert not Endorsement.objects.exists()


def test_endorsing_a_membership_of_another_network_is_404(
    client_for, member, make_user, make_membership, redtram
):
    elsewhere = make_membership(make_user(), redtram, status="applicant")

    response = post(
        client_for(member),
        f"/api/v1/networks/tipp/applications/{elsewhere.pk}/endorse/",
        {"statement": "Hi"},
    )

    assert response.status_code == 404


# --- The coordinator's queue and decisions --------------------------------------------------


def test_the_queue_shows_pending_applications_with_their_endorsements(
    client_for, coordinator, endorsed_applicant, member
):
    response = client_for(coordinator).get("/api/v1/networks/tipp/queue/")

    assert response.status_code == 200
    (application,) = response.json()["results"]
    assert application["ready_for_decision"] is True
    assert {e["endorser"]["email"] for e in application["endorsements"]} == {
        "member@example.org",
        "coordinator@example.org",
    }


@pytest.mark.parametrize("persona", ["member", "other_network_member", "outsider"])
def test_only_coordinators_of_the_network_see_its_queue_and_members(
    request, client_for, tipp, persona
):
    client = client_for(request.getfixturevalue(persona))

    for path in ("queue", "members", "decisions"):
        response = client.get(f"/api/v1/networks/tipp/{path}/")
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "not_coordinator"
    assert client.get("/api/v1/networks/nowhere/queue/").status_code == 404


def test_a_coordinator_approves_with_a_reason(
    client_for, coordinator, endorsed_applicant, applicant, tipp
):
    response = post(
        client_for(coordinator),
        decide_url(tipp, endorsed_applicant, "approve"),
        {"reason": "Two endorsements, known unit."},
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "active"
    decision = MembershipDecision.objects.get(membership=endorsed_applicant, kind="approved")
    assert (decision.actor, decision.reason) == (coordinator, "Two endorsements, known unit.")


@pytest.mark.parametrize("data", [{"reason": ""}, {"reason": "  "}, {}])
def test_a_decision_without_a_reason_is_a_400(
    client_for, coordinator, endorsed_applicant, tipp, data
):
    response = post(client_for(coordinator), decide_url(tipp, endorsed_applicant, "approve"), data)

    assert response.status_code == 400
    assert not MembershipDecision.objects.filter(membership=endorsed_applicant).exists()


def test_a_decision_refusal_names_the_rule(client_for, coordinator, member, applicant, tipp):
    client = client_for(coordinator)

    wrong_state = post(
        client, decide_url(tipp, membership_of(member, tipp), "approve"), {"reason": "Ok"}
    )
    too_early = post(
        client, decide_url(tipp, membership_of(applicant, tipp), "approve"), {"reason": "Ok"}
    )

    assert (wrong_state.status_code, wrong_state.json()["error"]["code"]) == (409, "wrong_status")
    assert (too_early.status_code, too_early.json()["error"]["code"]) == (
        409,
        "endorsements_missing",
    )
    assert "0 of the 2" in too_early.json()["error"]["message"]


def test_a_member_cannot_decide(client_for, member, endorsed_applicant, tipp):
    response = post(
        client_for(member), decide_url(tipp, endorsed_applicant, "approve"), {"reason": "Ok"}
    )

    assert response.status_code == 403
    assert Membership.objects.get(pk=endorsed_applicant.pk).status == "endorsed"


def test_a_coordinator_cannot_reach_a_membership_of_another_network(
    client_for, coordinator, other_network_member, redtram, tipp
):
    elsewhere = membership_of(other_network_member, redtram)

    via_own = post(client_for(coordinator), decide_url(tipp, elsewhere, "suspend"), {"reason": "x"})
    via_other = post(
        client_for(coordinator), decide_url(redtram, elsewhere, "suspend"), {"reason": "x"}
    )

    assert via_own.status_code == 404
    assert via_other.status_code == 403
    assert membership_of(other_network_member, redtram).status == "active"


def test_suspension_through_the_api_signals_the_other_apps(
    client_for, coordinator, member, tipp, django_capture_on_commit_callbacks
):
    target = membership_of(member, tipp)

    with deactivations() as received, django_capture_on_commit_callbacks(execute=True):
        response = post(
            client_for(coordinator), decide_url(tipp, target, "suspend"), {"reason": "Inquiry."}
        )

    assert response.status_code == 200
    assert received == [(target.pk, member.pk, "suspended", "Inquiry.")]


@pytest.mark.parametrize(
    ("decision", "status", "expected"),
    [
        ("reject", "endorsed", "rejected"),
        ("renew", "active", "active"),
        ("reinstate", "suspended", "active"),
        ("revoke", "suspended", "revoked"),
        ("allow-readmission", "revoked", "revoked"),
    ],
)
def test_each_decision_endpoint_applies_its_decision(
    client_for, coordinator, make_user, make_membership, member, tipp, decision, status, expected
):
    target = make_membership(make_user(), tipp, status=status)
    if status == "endorsed":
        for endorser in (member, coordinator):
            Endorsement.objects.create(membership=target, endorser=endorser, statement="x")

    response = post(client_for(coordinator), decide_url(tipp, target, decision), {"reason": "Ok"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == expected
    assert MembershipDecision.objects.filter(membership=target, actor=coordinator).count() == 1


def test_a_coordinator_changes_a_role(client_for, coordinator, member, tipp):
    client = client_for(coordinator)
    url = decide_url(tipp, membership_of(member, tipp), "role")

    promoted = post(client, url, {"role": "coordinator", "reason": "Co-lead."})
    unknown = post(client, url, {"role": "admin", "reason": "Ok"})
    same = post(client, url, {"role": "coordinator", "reason": "Again"})

    assert (promoted.status_code, promoted.json()["role"]) == (200, "coordinator")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["field"] == "role"
    assert (same.status_code, same.json()["error"]["code"]) == (409, "same_role")


def test_a_network_that_requires_webauthn_refuses_coordinators_signed_in_otherwise(
    client_for, coordinator, member, tipp
):
    tipp.coordinators_require_webauthn = True
    tipp.save()
    target = membership_of(member, tipp)

    with_totp = post(client_for(coordinator), decide_url(tipp, target, "suspend"), {"reason": "x"})
    queue_with_totp = client_for(coordinator).get("/api/v1/networks/tipp/queue/")
    with_key = post(
        client_for(coordinator, method="webauthn"),
        decide_url(tipp, target, "suspend"),
        {"reason": "x"},
    )

    assert (with_totp.status_code, with_totp.json()["error"]["code"]) == (403, "webauthn_required")
    assert queue_with_totp.status_code == 403
    assert with_key.status_code == 200


# --- Members and history -------------------------------------------------------------------


def test_coordinators_list_members_by_status(
    client_for, coordinator, member, suspended_member, tipp
):
    client = client_for(coordinator)

    everyone = client.get("/api/v1/networks/tipp/members/").json()["results"]
    suspended = client.get("/api/v1/networks/tipp/members/?status=suspended").json()["results"]
    bad = client.get("/api/v1/networks/tipp/members/?status=sleeping")

    assert {m["member"]["email"] for m in everyone} == {
        "coordinator@example.org",
        "member@example.org",
        "suspended@example.org",
    }
    assert [m["member"]["email"] for m in suspended] == ["suspended@example.org"]
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_field")
    assert bad.json()["error"]["field"] == "status"


def test_decision_history_is_shown_to_the_member_and_the_coordinators(
    client_for, coordinator, member, endorsed_applicant, tipp
):
    post(client_for(coordinator), decide_url(tipp, endorsed_applicant, "reject"), {"reason": "No."})
    url = f"/api/v1/networks/tipp/memberships/{endorsed_applicant.pk}/decisions/"

    own = client_for(endorsed_applicant.user).get(url)
    by_coordinator = client_for(coordinator).get(url)
    by_member = client_for(member).get(url)
    network_history = client_for(coordinator).get("/api/v1/networks/tipp/decisions/")

    assert own.status_code == by_coordinator.status_code == 200
    assert [(d["kind"], d["reason"], d["actor"]) for d in own.json()["results"]] == [
        ("rejected", "No.", "Carla Coordinator")
    ]
    assert by_member.status_code == 403
    assert network_history.json()["results"][0]["kind"] == "rejected"


def test_the_schema_documents_the_vetting_endpoints(client_for, outsider):
    response = client_for(outsider).get("/api/v1/schema/?format=json")

    paths = response.json()["paths"]
    assert "/api/v1/networks/{slug}/memberships/{id}/approve/" in paths
    assert "/api/v1/networks/{slug}/applications/{id}/endorse/" in paths
    assert "/api/v1/networks/{slug}/queue/" in paths


VETTING_ENDPOINTS = [
    ("get", "/api/v1/networks/"),
    ("get", "/api/v1/networks/tipp/"),
    ("get", "/api/v1/memberships/"),
    ("post", "/api/v1/networks/tipp/apply/"),
    ("get", "/api/v1/networks/tipp/applications/"),
    ("post", "/api/v1/networks/tipp/applications/1/endorse/"),
    ("get", "/api/v1/networks/tipp/queue/"),
    ("get", "/api/v1/networks/tipp/members/"),
    ("get", "/api/v1/networks/tipp/decisions/"),
    ("get", "/api/v1/networks/tipp/memberships/1/decisions/"),
    ("post", "/api/v1/networks/tipp/memberships/1/role/"),
    *[("post", f"/api/v1/networks/tipp/memberships/1/{name}/") for name in DECISION_NAMES],
]


@pytest.mark.parametrize(("method", "path"), VETTING_ENDPOINTS)
def test_every_vetting_endpoint_is_behind_the_second_factor(coordinator, tipp, method, path):
    half = Client()
    half.force_login(coordinator)

    response = getattr(half, method)(path, {"reason": "x"} if method == "post" else None)

    assert response.status_code == 401
    assert MembershipDecision.objects.count() == 0


def queries_for(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/networks/tipp/queue/", "/networks/tipp/queue/", "/networks/tipp/applications/"],
)
def test_the_queue_costs_the_same_queries_for_one_or_many_applications(
    client_for, coordinator, member, make_user, make_membership, tipp, path
):
    def add_application():
        application = make_membership(make_user(), tipp, status="applicant")
        for endorser in (member, coordinator):
            Endorsement.objects.create(membership=application, endorser=endorser, statement="x")

    client = client_for(coordinator)
    add_application()
    one = queries_for(client, path)
    for _ in range(4):
        add_application()

    assert queries_for(client, path) == one
