"""The only writers of memberships and endorsements.

Each function validates, writes in one transaction with the membership row locked, records a
`MembershipDecision` and an audit entry, and, when a membership stops being active, sends
`membership_deactivated` after commit (`network.vetting.recording`). A refusal raises
`VettingError`; nothing is written.
"""

from collections.abc import Callable
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from network.audit.log import record
from network.errors import DomainError
from network.membership import is_active_member, is_coordinator
from network.models import AdmissionPath, Endorsement, Membership, MembershipDecision, Network
from network.signals import seat_replaced
from network.vetting import admission, reasons, recording

Status = Membership.Status
Role = Membership.Role
Kind = MembershipDecision.Kind

MAX_FIELD_LENGTH = 200
MAX_TEXT_LENGTH = 4000


class VettingError(DomainError):
    """A refused vetting action; its HTTP status follows from its code (network/errors.py)."""


# --- Applying and endorsing ----------------------------------------------------------------


def apply_to_network(
    *,
    user,
    network: Network,
    institution: str,
    position: str,
    statement: str,
    nominating_authority: str = "",
    declaration: str = "",
    seat_state: str = "",
    seat_role: str = "",
    letter: bytes | None = None,
    letter_content_type: str = "",
) -> Membership:
    """Apply, or apply again after a rejection, an expiry or a coordinator's consent.

    Re-applying reuses the one row per user and network and starts a new application round:
    endorsements given to an earlier application stay on record but no longer count. What
    the network's admission path asks (a declaration, a seat and a designation letter) is
    checked by `network.vetting.admission`.
    """
    fields = {
        "institution": _required_field(institution, _("institution")),
        "position": _required_field(position, _("position")),
        "statement": _required_text(statement, "statement_required", _("A statement")),
        "nominating_authority": _optional_field(nominating_authority, _("nominating authority")),
        **admission.application_fields(
            network,
            user=user,
            declaration=declaration,
            seat_state=seat_state,
            seat_role=seat_role,
            letter=letter,
            letter_content_type=letter_content_type,
        ),
    }
    if not user.is_active:
        raise VettingError("account_inactive", _("This account is disabled."))
    try:
        with transaction.atomic():
            membership = (
                Membership.objects.select_for_update().filter(user=user, network=network).first()
            )
            if membership is None:
                membership = _create_application(user=user, network=network, fields=fields)
            else:
                _reopen_application(membership, actor=user, fields=fields)
            if letter:
                membership.letter_sealed = admission.seal_letter(membership, letter)
                membership.letter_checked_at = None
                membership.letter_checked_by = None
                membership.save(
                    update_fields=["letter_sealed", "letter_checked_at", "letter_checked_by"]
                )
            if admission.ready_for_decision(network):
                recording.decide(
                    membership,
                    kind=Kind.ENDORSED,
                    actor=None,
                    reason=reasons.none_required(),
                    status=Status.ENDORSED,
                )
            return membership
    except IntegrityError as exc:
        # A concurrent first application by the same user won the unique constraint.
        raise VettingError(
            "already_member", _("You have already applied to %(network)s.") % {"network": network}
        ) from exc


def _create_application(*, user, network: Network, fields: dict) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.create(
            user=user, network=network, status=Status.APPLICANT, role=Role.MEMBER, **fields
        )
    recording.write_decision(
        membership,
        kind=Kind.APPLIED,
        actor=user,
        reason="",
        from_status="",
        from_role="",
    )
    return membership


def _reopen_application(membership: Membership, *, actor, fields: dict) -> None:
    network = membership.network
    if membership.status == Status.ACTIVE and not membership.is_active:
        _expire(membership)
    if membership.status in (Status.APPLICANT, Status.ENDORSED):
        raise VettingError(
            "already_member",
            _("Your application to %(network)s is already pending.") % {"network": network},
        )
    if membership.status in (Status.ACTIVE, Status.SUSPENDED):
        raise VettingError(
            "already_member",
            _("You are already a member of %(network)s (%(status)s).")
            % {"network": network, "status": membership.get_status_display()},
        )
    if membership.status == Status.REVOKED and not membership.readmission_allowed:
        raise VettingError(
            "readmission_required",
            _(
                "Your membership of %(network)s was revoked; you may apply again only after "
                "a coordinator allows it."
            )
            % {"network": network},
        )
    recording.decide(
        membership,
        kind=Kind.APPLIED,
        actor=actor,
        reason="",
        status=Status.APPLICANT,
        role=Role.MEMBER,
        application_round=membership.application_round + 1,
        applied_at=timezone.now(),
        activated_at=None,
        renew_by=None,
        readmission_allowed=False,
        **fields,
    )


def endorse(*, membership: Membership, endorser, statement: str) -> Endorsement:
    """An active member of the same network vouches for a pending applicant, once."""
    statement = _required_text(statement, "statement_required", _("An endorsement statement"))
    with transaction.atomic():
        membership = _lock(membership)
        network = membership.network
        if membership.user_id == endorser.pk:
            raise VettingError("self_endorsement", _("You cannot endorse your own application."))
        if not is_active_member(endorser, network):
            raise VettingError(
                "not_active_member",
                _("Only active members of %(network)s may endorse its applicants.")
                % {"network": network},
            )
        if membership.status not in (Status.APPLICANT, Status.ENDORSED):
            raise _wrong_status(membership, _("endorsed"))
        current = membership.endorsements.filter(application_round=membership.application_round)
        if current.filter(endorser=endorser).exists():
            raise VettingError("already_endorsed", _("You have already endorsed this application."))
        endorsement = Endorsement.objects.create(
            membership=membership,
            endorser=endorser,
            statement=statement,
            application_round=membership.application_round,
        )
        record(
            "membership.endorsement_given",
            actor=endorser,
            target=membership,
            details={**recording.details_of(membership), "endorsement": endorsement.pk},
        )
        count = current.count()
        if membership.status == Status.APPLICANT and count >= network.required_endorsements:
            recording.decide(
                membership,
                kind=Kind.ENDORSED,
                actor=endorser,
                reason=reasons.endorsed(count, network.required_endorsements),
                status=Status.ENDORSED,
            )
        return endorsement


def current_endorsements(membership: Membership):
    """Endorsements of the membership's current application round."""
    return membership.endorsements.filter(application_round=membership.application_round)


# --- Coordinators' decisions ---------------------------------------------------------------


def approve_membership(*, membership: Membership, coordinator, reason: str) -> Membership:
    def approve(locked: Membership, reason: str) -> None:
        _require_decidable(locked)
        _require_second_pair_of_eyes(locked, coordinator)
        admission.require_admissible(locked)
        today = timezone.localdate()
        checked = {}
        if locked.network.admission == AdmissionPath.DESIGNATION:
            checked = {"letter_checked_at": timezone.now(), "letter_checked_by": coordinator}
        recording.decide(
            locked,
            kind=Kind.APPROVED,
            actor=coordinator,
            reason=reason,
            status=Status.ACTIVE,
            activated_at=timezone.now(),
            renew_by=today + timedelta(days=locked.network.revetting_period_days),
            **checked,
        )
        if checked:
            _replace_seat_holder(locked, coordinator)

    return _coordinator_decision(membership, coordinator, reason, approve)


def _replace_seat_holder(successor: Membership, coordinator) -> None:
    """A designation admitted for a full seat ends the membership designated longest ago
    (recorded, the member may apply again) and hands its holdings over to the successor."""
    network = successor.network
    holders = list(admission.seat_holders(successor).select_for_update())
    if len(holders) < network.seats_per_state:
        return
    outgoing = holders[0]
    recording.decide(
        outgoing,
        kind=Kind.REPLACED,
        actor=coordinator,
        reason=reasons.replaced(successor),
        status=Status.REVOKED,
        readmission_allowed=True,
    )
    seat_replaced.send(
        sender=Membership,
        network=network,
        outgoing=outgoing.user,
        successor=successor.user,
        actor=coordinator,
    )


def reject_membership(*, membership: Membership, coordinator, reason: str) -> Membership:
    def reject(locked: Membership, reason: str) -> None:
        _require_decidable(locked)
        recording.decide(
            locked, kind=Kind.REJECTED, actor=coordinator, reason=reason, status=Status.REJECTED
        )

    return _coordinator_decision(membership, coordinator, reason, reject)


def renew_membership(*, membership: Membership, coordinator, reason: str) -> Membership:
    """Re-vetting: the member stays active until today + the network's re-vetting period."""

    def renew(locked: Membership, reason: str) -> None:
        _require_status(locked, {Status.ACTIVE}, _("renewed"))
        recording.decide(
            locked,
            kind=Kind.RENEWED,
            actor=coordinator,
            reason=reason,
            renew_by=_next_renewal(locked.network),
        )

    return _coordinator_decision(membership, coordinator, reason, renew)


def suspend_membership(*, membership: Membership, coordinator, reason: str) -> Membership:
    def suspend(locked: Membership, reason: str) -> None:
        _require_status(locked, {Status.ACTIVE}, _("suspended"))
        recording.decide(
            locked, kind=Kind.SUSPENDED, actor=coordinator, reason=reason, status=Status.SUSPENDED
        )

    return _coordinator_decision(membership, coordinator, reason, suspend)


def reinstate_membership(*, membership: Membership, coordinator, reason: str) -> Membership:
    """Suspended → active. A reinstatement past `renew_by` counts as the re-vetting."""

    def reinstate(locked: Membership, reason: str) -> None:
        _require_status(locked, {Status.SUSPENDED}, _("reinstated"))
        renew_by = locked.renew_by
        if renew_by is None or renew_by < timezone.localdate():
            renew_by = _next_renewal(locked.network)
        recording.decide(
            locked,
            kind=Kind.REINSTATED,
            actor=coordinator,
            reason=reason,
            status=Status.ACTIVE,
            renew_by=renew_by,
        )

    return _coordinator_decision(membership, coordinator, reason, reinstate)


def revoke_membership(*, membership: Membership, coordinator, reason: str) -> Membership:
    """Active, suspended or expired → revoked; re-applying then needs a coordinator's consent."""

    def revoke(locked: Membership, reason: str) -> None:
        _require_status(locked, {Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED}, _("revoked"))
        recording.decide(
            locked,
            kind=Kind.REVOKED,
            actor=coordinator,
            reason=reason,
            status=Status.REVOKED,
            readmission_allowed=False,
        )

    return _coordinator_decision(membership, coordinator, reason, revoke)


def allow_readmission(*, membership: Membership, coordinator, reason: str) -> Membership:
    """A coordinator consents that a revoked person may apply again (status stays revoked)."""

    def allow(locked: Membership, reason: str) -> None:
        _require_status(locked, {Status.REVOKED}, _("allowed to apply again"))
        if locked.readmission_allowed:
            raise VettingError("wrong_status", _("This person is already allowed to apply again."))
        recording.decide(
            locked,
            kind=Kind.READMISSION_ALLOWED,
            actor=coordinator,
            reason=reason,
            readmission_allowed=True,
        )

    return _coordinator_decision(membership, coordinator, reason, allow)


def change_role(*, membership: Membership, coordinator, role: str, reason: str) -> Membership:
    if role not in Role.values:
        raise VettingError(
            "invalid_role",
            _("Unknown role %(role)s; choose one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)},
        )

    def change(locked: Membership, reason: str) -> None:
        _require_status(locked, {Status.ACTIVE}, _("given another role"))
        if locked.role == role:
            raise VettingError(
                "same_role",
                _("This member already has the role %(role)s.")
                % {"role": locked.get_role_display()},
            )
        recording.decide(
            locked, kind=Kind.ROLE_CHANGED, actor=coordinator, reason=reason, role=role
        )

    return _coordinator_decision(membership, coordinator, reason, change)


# --- Re-vetting deadline and operators ------------------------------------------------------


def expire_overdue_memberships(*, today: date | None = None) -> list[Membership]:
    """Mark active memberships whose `renew_by` has passed as expired; return them.

    They stopped counting as active the day after `renew_by` already (see
    `Membership.objects.active()`); this puts the expiry on record and tells other apps.
    """
    today = today or timezone.localdate()
    expired = []
    overdue = Membership.objects.filter(status=Status.ACTIVE, renew_by__lt=today)
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            membership = Membership.objects.select_for_update().get(pk=pk)
            if membership.status != Status.ACTIVE or membership.renew_by >= today:
                continue  # renewed or decided meanwhile
            _expire(membership)
            expired.append(membership)
    return expired


def appoint_coordinator(
    *, network: Network, user, reason: str, institution: str = "", position: str = ""
) -> Membership:
    """An operator (shell access) makes `user` an active coordinator, e.g. a network's first.

    Only management commands call this: it has no coordinator to check, so it records the
    appointment with no actor and the operator's reason.
    """
    reason = _required_reason(reason)
    if not user.is_active:
        raise VettingError("account_inactive", _("This account is disabled."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(user=user, network=network)
        membership = membership.first()
        if membership is not None and membership.is_active and membership.role == Role.COORDINATOR:
            raise VettingError(
                "already_member",
                _("%(user)s is already a coordinator of %(network)s.")
                % {"user": user.email, "network": network},
            )
        changes = {"status": Status.ACTIVE, "role": Role.COORDINATOR}
        if membership is None or not membership.is_active:
            changes.update(activated_at=timezone.now(), renew_by=_next_renewal(network))
        if membership is None:
            membership = Membership.objects.create(
                user=user,
                network=network,
                status=Status.APPLICANT,
                institution=_required_field(institution or user.institution, _("institution")),
                position=_required_field(position or user.position, _("position")),
                statement=reason,
            )
        recording.decide(membership, kind=Kind.APPOINTED, actor=None, reason=reason, **changes)
        return membership


# --- Internals -----------------------------------------------------------------------------


def _coordinator_decision(
    membership: Membership,
    coordinator,
    reason: str,
    decide: Callable[[Membership, str], None],
) -> Membership:
    with transaction.atomic():
        locked = _lock(membership)
        _require_coordinator(coordinator, locked)
        decide(locked, _required_reason(reason))
        return locked


def _lock(membership: Membership) -> Membership:
    return Membership.objects.select_for_update().get(pk=membership.pk)


def _require_coordinator(coordinator, membership: Membership) -> None:
    if not is_coordinator(coordinator, membership.network_id):
        raise VettingError(
            "not_coordinator",
            _("Only an active coordinator of %(network)s may decide on its memberships.")
            % {"network": membership.network},
        )
    if membership.user_id == coordinator.pk:
        raise VettingError(
            "own_membership", _("Another coordinator must decide on your own membership.")
        )


def _require_second_pair_of_eyes(membership: Membership, coordinator) -> None:
    """Admission takes two people where the network has them (ASVS 2.3.5): a coordinator who
    vouched for an applicant leaves the approval to another active coordinator who did not.
    Only when every other coordinator endorsed too (a network's first members) may they
    approve themselves; the endorsements and the decision stay on record either way."""
    endorsers = set(current_endorsements(membership).values_list("endorser", flat=True))
    if coordinator.pk not in endorsers:
        return
    independent = (
        Membership.objects.active()
        .filter(network=membership.network, role=Role.COORDINATOR)
        .exclude(user__in=[*endorsers, membership.user_id])
    )
    if independent.exists():
        raise VettingError(
            "endorser_cannot_approve",
            _(
                "You endorsed this application; a coordinator of %(network)s who did not "
                "endorse it must decide on its approval."
            )
            % {"network": membership.network},
        )


def _require_decidable(membership: Membership) -> None:
    network = membership.network
    count = current_endorsements(membership).count()
    if membership.status == Status.APPLICANT or (
        membership.status == Status.ENDORSED and count < admission.endorsements_needed(network)
    ):
        raise VettingError(
            "endorsements_missing",
            _(
                "This application has %(count)d of the %(required)d endorsements "
                "%(network)s requires before a decision."
            )
            % {"count": count, "required": network.required_endorsements, "network": network},
        )
    _require_status(membership, {Status.ENDORSED}, _("decided"))


def _require_status(membership: Membership, allowed: set[str], verb: str) -> None:
    if membership.status not in allowed:
        raise _wrong_status(membership, verb)


def _wrong_status(membership: Membership, verb: str) -> VettingError:
    return VettingError(
        "wrong_status",
        _("A membership that is %(status)s cannot be %(verb)s.")
        % {"status": membership.get_status_display(), "verb": verb},
    )


def _expire(membership: Membership) -> None:
    recording.decide(
        membership,
        kind=Kind.EXPIRED,
        actor=None,
        reason=_("Re-vetting was due by %(date)s.") % {"date": membership.renew_by},
        status=Status.EXPIRED,
    )


def _next_renewal(network: Network) -> date:
    return timezone.localdate() + timedelta(days=network.revetting_period_days)


def _required_reason(reason: str) -> str:
    return _required_text(reason, "reason_required", _("A reason"))


def _required_text(value: str, code: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise VettingError(code, _("%(label)s is required.") % {"label": label})
    if len(value) > MAX_TEXT_LENGTH:
        raise VettingError(
            "field_too_long",
            _("%(label)s may be at most %(max)d characters.")
            % {"label": label, "max": MAX_TEXT_LENGTH},
        )
    return value


def _required_field(value: str, label: str) -> str:
    value = _optional_field(value, label)
    if not value:
        raise VettingError("field_required", _("The %(field)s is required.") % {"field": label})
    return value


def _optional_field(value: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_FIELD_LENGTH:
        raise VettingError(
            "field_too_long",
            _("The %(field)s may be at most %(max)d characters.")
            % {"field": label, "max": MAX_FIELD_LENGTH},
        )
    return value
