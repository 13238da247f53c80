"""The vetting rules, through `network.vetting.actions`: each workflow, each rule, each refusal."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from network.audit.log import verify_chain
from network.audit.models import AuditEvent
from network.membership import active_network_ids, is_active_member, is_coordinator
from network.models import Endorsement, Membership, MembershipDecision
from network.vetting import actions
from network.vetting.actions import VettingError
from tests.network.vetting_support import deactivations

Status = Membership.Status
Kind = MembershipDecision.Kind


def membership_of(user, network) -> Membership:
    return Membership.objects.get(user=user, network=network)


def endorse_fully(membership, *endorsers):
    for endorser in endorsers:
        actions.endorse(membership=membership, endorser=endorser, statement="Known to me.")
    membership.refresh_from_db()
    return membership


def written() -> tuple[int, int, int]:
    return (
        MembershipDecision.objects.count(),
        AuditEvent.objects.count(),
        Endorsement.objects.count(),
    )


def refused(code: str, call, **kwargs) -> VettingError:
    before = written()
    with pytest.raises(VettingError) as info:
        call(**kwargs)
    assert info.value.code == code, info.value.message
    assert written() == before, "a refused action must write nothing"
    return info.value


# --- Applying ------------------------------------------------------------------------------


def test_an_outsider_applies_and_the_application_is_on_record(outsider, tipp):
    membership = actions.apply_to_network(
        user=outsider,
        network=tipp,
        institution="  Parquet national  ",
        position="Substitute prosecutor",
        statement="I lead trafficking cases in Lyon.",
        nominating_authority="Ministry of Justice",
    )

    assert membership.status == Status.APPLICANT
    assert membership.role == Membership.Role.MEMBER
    assert membership.institution == "Parquet national"
    decision = membership.decisions.get()
    assert (decision.kind, decision.actor, decision.from_status, decision.to_status) == (
        Kind.APPLIED,
        outsider,
        "",
        Status.APPLICANT,
    )
    event = AuditEvent.objects.get(action="membership.applied")
    assert event.actor == outsider
    assert event.target_id == str(membership.pk)
    assert event.details["network"] == "tipp"
    assert verify_chain().intact


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("institution", "", "field_required"),
        ("position", "   ", "field_required"),
        ("statement", "\n\t", "statement_required"),
        ("institution", "x" * 201, "field_too_long"),
        ("nominating_authority", "x" * 201, "field_too_long"),
        ("statement", "x" * 4001, "field_too_long"),
    ],
)
def test_an_application_with_a_missing_or_oversized_field_is_refused(
    outsider, tipp, field, value, code
):
    fields = {"institution": "Fiscalía", "position": "Fiscal", "statement": "Why I apply."}
    fields[field] = value

    refused(code, actions.apply_to_network, user=outsider, network=tipp, **fields)

    assert not Membership.objects.filter(user=outsider).exists()


def apply(user, network):
    return actions.apply_to_network(
        user=user,
        network=network,
        institution="Fiscalía General",
        position="Fiscal",
        statement="Trafficking cases.",
    )


def test_nobody_applies_twice_while_pending_or_while_a_member(applicant, member, tipp):
    error = refused("already_member", apply, user=applicant, network=tipp)
    assert error.http_status == 409
    refused("already_member", apply, user=member, network=tipp)


def test_a_suspended_member_cannot_apply_around_the_suspension(suspended_member, tipp):
    refused("already_member", apply, user=suspended_member, network=tipp)


def test_a_disabled_account_cannot_apply(outsider, tipp):
    outsider.is_active = False
    outsider.save()

    refused("account_inactive", apply, user=outsider, network=tipp)


def test_a_network_that_needs_no_endorsements_is_ready_for_decision_at_once(outsider, make_network):
    network = make_network(required_endorsements=0)

    membership = apply(outsider, network)

    assert membership.status == Status.ENDORSED
    assert list(membership.decisions.values_list("kind", flat=True)) == [
        Kind.APPLIED,
        Kind.ENDORSED,
    ]


def test_a_member_belongs_to_several_networks_with_one_account(
    member, coordinator, other_network_member, make_user, make_membership, tipp, redtram
):
    redtram_coordinator = make_user(display_name="Rita Redtram")
    make_membership(redtram_coordinator, redtram, role="coordinator")
    redtram_member = make_user(display_name="Raúl Redtram")
    make_membership(redtram_member, redtram)
    membership = apply(member, redtram)
    endorse_fully(membership, other_network_member, redtram_member)

    actions.approve_membership(
        membership=membership, coordinator=redtram_coordinator, reason="Known prosecutor."
    )

    assert active_network_ids(member) == {tipp.pk, redtram.pk}
    assert not is_coordinator(redtram_coordinator, tipp)


# --- Endorsing -----------------------------------------------------------------------------


def test_an_active_member_endorses_an_applicant(applicant, member, tipp):
    membership = membership_of(applicant, tipp)

    endorsement = actions.endorse(
        membership=membership, endorser=member, statement="  We worked on a JIT.  "
    )

    assert endorsement.statement == "We worked on a JIT."
    assert endorsement.application_round == 1
    membership.refresh_from_db()
    assert membership.status == Status.APPLICANT, "one of two endorsements is not enough"
    event = AuditEvent.objects.get(action="membership.endorsement_given")
    assert (event.actor, event.details["endorsement"]) == (member, endorsement.pk)


def test_reaching_the_required_endorsements_moves_the_applicant_to_endorsed(
    applicant, member, coordinator, tipp
):
    membership = endorse_fully(membership_of(applicant, tipp), member, coordinator)

    assert membership.status == Status.ENDORSED
    decision = membership.decisions.get(kind=Kind.ENDORSED)
    assert (decision.from_status, decision.to_status, decision.actor) == (
        Status.APPLICANT,
        Status.ENDORSED,
        coordinator,
    )
    assert "2 of 2" in decision.reason


def test_more_endorsements_may_follow_once_the_threshold_is_reached(
    applicant, member, coordinator, make_user, make_membership, tipp
):
    third = make_user()
    make_membership(third, tipp)
    membership = endorse_fully(membership_of(applicant, tipp), member, coordinator, third)

    assert membership.status == Status.ENDORSED
    assert membership.decisions.filter(kind=Kind.ENDORSED).count() == 1


def test_nobody_endorses_themselves(make_user, make_membership, tipp):
    user = make_user()
    membership = make_membership(user, tipp, status="applicant")

    refused(
        "self_endorsement", actions.endorse, membership=membership, endorser=user, statement="Me!"
    )


def test_nobody_endorses_twice(applicant, member, tipp):
    membership = membership_of(applicant, tipp)
    actions.endorse(membership=membership, endorser=member, statement="Once.")

    error = refused(
        "already_endorsed",
        actions.endorse,
        membership=membership,
        endorser=member,
        statement="Twice.",
    )
    assert error.http_status == 409


@pytest.mark.parametrize("status", ["applicant", "endorsed", "suspended", "expired", "revoked"])
def test_only_active_members_endorse(applicant, make_user, make_membership, tipp, status):
    endorser = make_user()
    make_membership(endorser, tipp, status=status)

    error = refused(
        "not_active_member",
        actions.endorse,
        membership=membership_of(applicant, tipp),
        endorser=endorser,
        statement="Vouching.",
    )
    assert error.http_status == 403


def test_a_member_whose_revetting_is_overdue_cannot_endorse(
    applicant, make_user, make_membership, tipp, today
):
    endorser = make_user()
    make_membership(endorser, tipp, renew_by=today - timedelta(days=1))

    refused(
        "not_active_member",
        actions.endorse,
        membership=membership_of(applicant, tipp),
        endorser=endorser,
        statement="Vouching.",
    )


def test_members_of_another_network_and_outsiders_cannot_endorse(
    applicant, other_network_member, outsider, tipp
):
    for endorser in (other_network_member, outsider):
        refused(
            "not_active_member",
            actions.endorse,
            membership=membership_of(applicant, tipp),
            endorser=endorser,
            statement="Vouching.",
        )


def test_an_endorsement_needs_a_statement(applicant, member, tipp):
    refused(
        "statement_required",
        actions.endorse,
        membership=membership_of(applicant, tipp),
        endorser=member,
        statement="  ",
    )


def test_only_pending_applications_are_endorsed(member, coordinator, suspended_member, tipp):
    for user in (coordinator, suspended_member):
        refused(
            "wrong_status",
            actions.endorse,
            membership=membership_of(user, tipp),
            endorser=member,
            statement="Vouching.",
        )


# --- Deciding ------------------------------------------------------------------------------


@pytest.fixture
def colleague(make_user, make_membership, tipp):
    user = make_user("colleague@example.org", display_name="Chidi Colleague", state="NG")
    make_membership(user, tipp)
    return user


@pytest.fixture
def endorsed(applicant, member, colleague, tipp):
    return endorse_fully(membership_of(applicant, tipp), member, colleague)


@pytest.fixture
def second_coordinator(make_user, make_membership, tipp):
    user = make_user("second.coordinator@example.org", display_name="Sipho Second")
    make_membership(user, tipp, role="coordinator")
    return user


def test_a_coordinator_who_endorsed_cannot_also_approve(
    applicant, member, coordinator, second_coordinator, tipp
):
    """Admission takes two people: the endorsing coordinator leaves approval to another."""
    membership = endorse_fully(membership_of(applicant, tipp), member, coordinator)

    error = refused(
        "endorser_cannot_approve",
        actions.approve_membership,
        membership=membership,
        coordinator=coordinator,
        reason="Endorsed and approved by one person.",
    )

    assert error.http_status == 403
    membership.refresh_from_db()
    assert membership.status == Status.ENDORSED
    actions.approve_membership(
        membership=membership, coordinator=second_coordinator, reason="Checked independently."
    )
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


def test_an_endorsing_coordinator_approves_when_no_other_coordinator_is_independent(
    applicant, coordinator, second_coordinator, tipp
):
    """A network's first members: every coordinator had to endorse, so one of them decides."""
    membership = endorse_fully(membership_of(applicant, tipp), coordinator, second_coordinator)

    actions.approve_membership(membership=membership, coordinator=coordinator, reason="Founding.")

    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


def test_a_coordinator_who_endorsed_may_still_reject(applicant, member, coordinator, tipp):
    membership = endorse_fully(membership_of(applicant, tipp), member, coordinator)

    actions.reject_membership(
        membership=membership, coordinator=coordinator, reason="Left the service."
    )

    membership.refresh_from_db()
    assert membership.status == Status.REJECTED


def test_a_coordinator_approves_an_endorsed_application(
    endorsed, coordinator, applicant, tipp, today
):
    membership = actions.approve_membership(
        membership=endorsed, coordinator=coordinator, reason="  Two solid endorsements. "
    )

    assert membership.status == Status.ACTIVE
    assert membership.activated_at is not None
    assert membership.renew_by == today + timedelta(days=tipp.revetting_period_days)
    assert is_active_member(applicant, tipp)
    decision = membership.decisions.get(kind=Kind.APPROVED)
    assert (decision.actor, decision.reason, decision.from_status, decision.to_status) == (
        coordinator,
        "Two solid endorsements.",
        Status.ENDORSED,
        Status.ACTIVE,
    )
    event = AuditEvent.objects.get(action="membership.approved")
    assert (event.actor, event.reason, event.details["decision"]) == (
        coordinator,
        "Two solid endorsements.",
        decision.pk,
    )


def test_a_coordinator_rejects_an_endorsed_application(endorsed, coordinator, applicant, tipp):
    membership = actions.reject_membership(
        membership=endorsed, coordinator=coordinator, reason="Not a practitioner."
    )

    assert membership.status == Status.REJECTED
    assert not is_active_member(applicant, tipp)
    assert AuditEvent.objects.filter(action="membership.rejected").count() == 1


@pytest.mark.parametrize("decide", [actions.approve_membership, actions.reject_membership])
def test_no_decision_before_the_required_endorsements(applicant, member, coordinator, tipp, decide):
    membership = membership_of(applicant, tipp)
    actions.endorse(membership=membership, endorser=member, statement="One.")

    error = refused(
        "endorsements_missing", decide, membership=membership, coordinator=coordinator, reason="Ok"
    )
    assert "1 of the 2" in error.message


def test_a_raised_threshold_holds_back_an_application_endorsed_under_the_old_one(
    endorsed, coordinator, tipp
):
    tipp.required_endorsements = 3
    tipp.save()

    refused(
        "endorsements_missing",
        actions.approve_membership,
        membership=endorsed,
        coordinator=coordinator,
        reason="Ok",
    )


DECISIONS = {
    "approve": (actions.approve_membership, {}),
    "reject": (actions.reject_membership, {}),
    "renew": (actions.renew_membership, {}),
    "suspend": (actions.suspend_membership, {}),
    "reinstate": (actions.reinstate_membership, {}),
    "revoke": (actions.revoke_membership, {}),
    "allow_readmission": (actions.allow_readmission, {}),
    "change_role": (actions.change_role, {"role": "coordinator"}),
}

# A membership in the state each decision accepts.
READY_STATUS = {
    "approve": "endorsed",
    "reject": "endorsed",
    "renew": "active",
    "suspend": "active",
    "reinstate": "suspended",
    "revoke": "active",
    "allow_readmission": "revoked",
    "change_role": "active",
}


@pytest.fixture
def ready(make_user, make_membership, member, tipp):
    """A membership in `tipp` in the state the named decision accepts (endorsements included)."""

    def make(name: str) -> Membership:
        user = make_user()
        membership = make_membership(user, tipp, status=READY_STATUS[name])
        if name in ("approve", "reject"):
            for endorser in (member, make_user()):
                Endorsement.objects.create(membership=membership, endorser=endorser, statement="x")
        return membership

    return make


@pytest.mark.parametrize("name", DECISIONS)
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_decision_without_a_reason_is_refused(ready, coordinator, name, reason):
    decide, extra = DECISIONS[name]
    membership = ready(name)

    error = refused(
        "reason_required",
        decide,
        membership=membership,
        coordinator=coordinator,
        reason=reason,
        **extra,
    )
    assert error.http_status == 400
    membership.refresh_from_db()
    assert membership.status == READY_STATUS[name]


@pytest.mark.parametrize("name", DECISIONS)
def test_coordinators_decide_only_in_their_own_network(
    ready, make_user, make_membership, redtram, name
):
    redtram_coordinator = make_user()
    make_membership(redtram_coordinator, redtram, role="coordinator")
    decide, extra = DECISIONS[name]

    error = refused(
        "not_coordinator",
        decide,
        membership=ready(name),
        coordinator=redtram_coordinator,
        reason="Because.",
        **extra,
    )
    assert error.http_status == 403


@pytest.mark.parametrize("status", ["suspended", "expired", "revoked"])
def test_a_coordinator_who_is_no_longer_active_cannot_decide(
    ready, make_user, make_membership, tipp, status
):
    former = make_user()
    make_membership(former, tipp, role="coordinator", status=status)

    refused(
        "not_coordinator",
        actions.approve_membership,
        membership=ready("approve"),
        coordinator=former,
        reason="Because.",
    )


def test_a_coordinator_past_their_own_revetting_cannot_decide(
    ready, make_user, make_membership, tipp, today
):
    overdue = make_user()
    make_membership(overdue, tipp, role="coordinator", renew_by=today - timedelta(days=1))

    refused(
        "not_coordinator",
        actions.suspend_membership,
        membership=ready("suspend"),
        coordinator=overdue,
        reason="Because.",
    )


def test_a_member_who_is_not_a_coordinator_cannot_decide(ready, member):
    refused(
        "not_coordinator",
        actions.approve_membership,
        membership=ready("approve"),
        coordinator=member,
        reason="Because.",
    )


def test_a_coordinator_does_not_decide_on_their_own_membership(coordinator, tipp):
    refused(
        "own_membership",
        actions.change_role,
        membership=membership_of(coordinator, tipp),
        coordinator=coordinator,
        role="member",
        reason="Stepping down.",
    )


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("approve", "active"),
        ("reject", "active"),
        ("approve", "rejected"),
        ("reinstate", "revoked"),
        ("reinstate", "active"),
        ("suspend", "applicant"),
        ("suspend", "suspended"),
        ("renew", "suspended"),
        ("renew", "expired"),
        ("revoke", "applicant"),
        ("revoke", "revoked"),
        ("allow_readmission", "active"),
        ("change_role", "suspended"),
    ],
)
def test_wrong_state_transitions_are_refused(
    make_user, make_membership, coordinator, tipp, name, status
):
    decide, extra = DECISIONS[name]
    membership = make_membership(make_user(), tipp, status=status)

    error = refused(
        "wrong_status", decide, membership=membership, coordinator=coordinator, reason="Ok", **extra
    )
    assert error.http_status == 409
    membership.refresh_from_db()
    assert membership.status == status


# --- Suspension, revocation, re-admission ---------------------------------------------------


def test_suspension_cuts_access_at_once_and_signals_after_commit(
    member, coordinator, tipp, django_capture_on_commit_callbacks
):
    with deactivations() as received:
        with django_capture_on_commit_callbacks() as callbacks:
            actions.suspend_membership(
                membership=membership_of(member, tipp),
                coordinator=coordinator,
                reason="Under investigation.",
            )
            assert received == [], "the signal waits for the commit"
        assert len(callbacks) == 1
        callbacks[0]()

    membership = membership_of(member, tipp)
    assert received == [(membership.pk, member.pk, Status.SUSPENDED, "Under investigation.")]
    assert not is_active_member(member, tipp)
    assert AuditEvent.objects.filter(action="membership.suspended", reason="Under investigation.")


def test_a_refused_decision_sends_no_signal(member, tipp, django_capture_on_commit_callbacks):
    with (
        deactivations() as received,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(VettingError),
    ):
        actions.suspend_membership(
            membership=membership_of(member, tipp), coordinator=member, reason="Nope."
        )

    assert received == []
    assert is_active_member(member, tipp)


def test_a_suspended_member_is_reinstated_with_their_revetting_date(
    make_user, make_membership, coordinator, tipp, today
):
    user = make_user()
    renew_by = today + timedelta(days=40)
    membership = make_membership(user, tipp, status="suspended", renew_by=renew_by)

    actions.reinstate_membership(
        membership=membership, coordinator=coordinator, reason="Cleared by the inquiry."
    )

    membership.refresh_from_db()
    assert (membership.status, membership.renew_by) == (Status.ACTIVE, renew_by)
    assert is_active_member(user, tipp)


def test_a_reinstatement_past_the_revetting_date_renews_the_membership(
    make_user, make_membership, coordinator, tipp, today
):
    user = make_user()
    membership = make_membership(user, tipp, status="suspended", renew_by=today - timedelta(days=3))

    actions.reinstate_membership(membership=membership, coordinator=coordinator, reason="Cleared.")

    assert is_active_member(user, tipp)


@pytest.mark.parametrize("from_status", ["active", "suspended"])
def test_revocation_signals_only_when_leaving_active(
    make_user, make_membership, coordinator, tipp, from_status, django_capture_on_commit_callbacks
):
    user = make_user()
    membership = make_membership(user, tipp, status=from_status)

    with deactivations() as received, django_capture_on_commit_callbacks(execute=True):
        actions.revoke_membership(membership=membership, coordinator=coordinator, reason="Fraud.")

    membership.refresh_from_db()
    assert membership.status == Status.REVOKED
    assert len(received) == (1 if from_status == "active" else 0)


def test_a_revoked_member_reapplies_only_after_a_coordinator_allows_it(member, coordinator, tipp):
    membership = membership_of(member, tipp)
    actions.revoke_membership(membership=membership, coordinator=coordinator, reason="Fraud.")

    error = refused("readmission_required", apply, user=member, network=tipp)
    assert error.http_status == 403

    actions.allow_readmission(
        membership=membership, coordinator=coordinator, reason="New post, new references."
    )
    refused(
        "wrong_status",
        actions.allow_readmission,
        membership=membership,
        coordinator=coordinator,
        reason="Twice.",
    )
    membership = apply(member, tipp)

    assert (membership.status, membership.readmission_allowed) == (Status.APPLICANT, False)
    assert list(membership.decisions.values_list("kind", "from_status", "to_status")) == [
        (Kind.REVOKED, Status.ACTIVE, Status.REVOKED),
        (Kind.READMISSION_ALLOWED, Status.REVOKED, Status.REVOKED),
        (Kind.APPLIED, Status.REVOKED, Status.APPLICANT),
    ]


def test_a_revoked_coordinator_comes_back_as_a_member(
    make_user, make_membership, coordinator, tipp
):
    user = make_user()
    membership = make_membership(user, tipp, role="coordinator")
    actions.revoke_membership(membership=membership, coordinator=coordinator, reason="Left.")
    actions.allow_readmission(membership=membership, coordinator=coordinator, reason="Back.")

    membership = apply(user, tipp)

    assert membership.role == Membership.Role.MEMBER
    assert membership.decisions.last().from_role == Membership.Role.COORDINATOR


def test_a_rejected_applicant_reapplies_and_old_endorsements_do_not_count(
    endorsed, applicant, member, colleague, coordinator, tipp
):
    actions.reject_membership(membership=endorsed, coordinator=coordinator, reason="Too early.")

    membership = actions.apply_to_network(
        user=applicant,
        network=tipp,
        institution="Ministério Público Federal",
        position="Procuradora",
        statement="Now heading the trafficking unit.",
    )

    assert membership.pk == endorsed.pk, "re-applying reuses the row"
    assert (membership.status, membership.application_round) == (Status.APPLICANT, 2)
    assert membership.institution == "Ministério Público Federal"
    assert actions.current_endorsements(membership).count() == 0
    assert membership.endorsements.count() == 2, "earlier endorsements stay on record"
    refused(
        "endorsements_missing",
        actions.approve_membership,
        membership=membership,
        coordinator=coordinator,
        reason="Ok",
    )
    # The same members may vouch again for the new application.
    membership = endorse_fully(membership, member, colleague)
    assert membership.status == Status.ENDORSED
    actions.approve_membership(membership=membership, coordinator=coordinator, reason="Ok now.")
    assert is_active_member(applicant, tipp)


# --- Re-vetting and expiry -----------------------------------------------------------------


def test_renewal_extends_the_revetting_date(make_user, make_membership, coordinator, tipp, today):
    membership = make_membership(make_user(), tipp, renew_by=today)

    actions.renew_membership(membership=membership, coordinator=coordinator, reason="Re-vetted.")

    membership.refresh_from_db()
    assert membership.renew_by == today + timedelta(days=365)
    decision = membership.decisions.get()
    assert (decision.kind, decision.from_status, decision.to_status) == (
        Kind.RENEWED,
        Status.ACTIVE,
        Status.ACTIVE,
    )


def test_an_overdue_membership_stops_counting_at_once_and_expiry_puts_it_on_record(
    make_user, make_membership, tipp, django_capture_on_commit_callbacks, today
):
    user = make_user()
    yesterday = today - timedelta(days=1)
    membership = make_membership(user, tipp, renew_by=yesterday)
    on_time = make_membership(make_user(), tipp, renew_by=today)

    assert not is_active_member(user, tipp)
    with deactivations() as received, django_capture_on_commit_callbacks(execute=True):
        expired = actions.expire_overdue_memberships()

    assert [m.pk for m in expired] == [membership.pk]
    membership.refresh_from_db()
    on_time.refresh_from_db()
    assert (membership.status, on_time.status) == (Status.EXPIRED, Status.ACTIVE)
    decision = membership.decisions.get()
    assert (decision.kind, decision.actor, decision.reason) == (
        Kind.EXPIRED,
        None,
        f"Re-vetting was due by {yesterday}.",
    )
    assert received == [(membership.pk, user.pk, Status.EXPIRED, decision.reason)]
    assert AuditEvent.objects.filter(action="membership.expired", actor=None).count() == 1
    assert actions.expire_overdue_memberships() == []


def test_a_membership_due_today_counts_until_midnight_and_not_a_second_longer(
    make_user, make_membership, tipp
):
    """`renew_by` is the last day the membership counts: active at 23:59:59 that day, overdue
    (and expired by the daily job) at midnight."""
    last_second = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
    with time_machine.travel(last_second, tick=False) as clock:
        user = make_user()
        membership = make_membership(user, tipp, renew_by=date(2026, 3, 1))
        assert is_active_member(user, tipp)
        assert actions.expire_overdue_memberships() == []

        clock.shift(1)

        assert not is_active_member(user, tipp)
        assert [m.pk for m in actions.expire_overdue_memberships()] == [membership.pk]


def test_the_expire_command_prints_what_it_expired(make_user, make_membership, tipp, capsys, today):
    user = make_user("late@example.org")
    make_membership(user, tipp, renew_by=today - timedelta(days=2))

    call_command("expire_memberships")
    call_command("expire_memberships")

    out = capsys.readouterr().out
    assert "expired: late@example.org in tipp" in out
    assert "1 membership(s) expired" in out
    assert "0 membership(s) expired" in out


def test_an_expired_member_reapplies(make_user, make_membership, tipp):
    user = make_user()
    make_membership(user, tipp, status="expired")

    membership = apply(user, tipp)

    assert (membership.status, membership.application_round) == (Status.APPLICANT, 2)


def test_an_overdue_member_who_reapplies_is_expired_first(make_user, make_membership, tipp, today):
    user = make_user()
    make_membership(user, tipp, renew_by=today - timedelta(days=1))

    membership = apply(user, tipp)

    assert list(membership.decisions.values_list("kind", flat=True)) == [Kind.EXPIRED, Kind.APPLIED]


# --- Roles ---------------------------------------------------------------------------------


def test_a_coordinator_appoints_another_and_demotes_them_again(member, coordinator, ready, tipp):
    membership = membership_of(member, tipp)

    actions.change_role(
        membership=membership, coordinator=coordinator, role="coordinator", reason="Co-lead."
    )
    assert is_coordinator(member, tipp)
    actions.suspend_membership(membership=ready("suspend"), coordinator=member, reason="Abuse.")

    actions.change_role(
        membership=membership, coordinator=coordinator, role="member", reason="Term ended."
    )
    assert not is_coordinator(member, tipp)
    assert AuditEvent.objects.filter(action="membership.role_changed").count() == 2
    refused(
        "not_coordinator",
        actions.suspend_membership,
        membership=ready("suspend"),
        coordinator=member,
        reason="Abuse.",
    )


def test_an_unknown_or_unchanged_role_is_refused(member, coordinator, tipp):
    membership = membership_of(member, tipp)

    refused(
        "invalid_role",
        actions.change_role,
        membership=membership,
        coordinator=coordinator,
        role="admin",
        reason="Ok",
    )
    refused(
        "same_role",
        actions.change_role,
        membership=membership,
        coordinator=coordinator,
        role="member",
        reason="Ok",
    )


def test_an_operator_appoints_the_first_coordinator(make_user, make_network):
    network = make_network()
    user = make_user(institution="Procuraduría", position="Fiscal jefe")

    membership = actions.appoint_coordinator(network=network, user=user, reason="Founding.")

    assert is_coordinator(user, network)
    decision = membership.decisions.get()
    assert (decision.kind, decision.actor, decision.to_role) == (
        Kind.APPOINTED,
        None,
        "coordinator",
    )
    refused(
        "already_member",
        actions.appoint_coordinator,
        network=network,
        user=user,
        reason="Again.",
    )


def test_the_whole_workflow_leaves_an_intact_audit_chain(endorsed, coordinator):
    actions.approve_membership(membership=endorsed, coordinator=coordinator, reason="Ok.")
    actions.suspend_membership(membership=endorsed, coordinator=coordinator, reason="Check.")
    actions.reinstate_membership(membership=endorsed, coordinator=coordinator, reason="Fine.")

    report = verify_chain()
    assert report.intact
    assert report.checked == AuditEvent.objects.count() >= 6
