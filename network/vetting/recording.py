"""Putting a change to a membership on record: the change itself, the `MembershipDecision`
(kind, actor, from/to status and role, reason), the audit entry `membership.<kind>`, and,
when the membership stops being active, `membership_deactivated` after commit.

Called by `network.vetting.actions` inside their transaction, on a locked row; nothing here
decides whether a change is allowed.
"""

from django.db import transaction

from network.audit.log import record
from network.models import Membership, MembershipDecision
from network.signals import membership_deactivated

Status = Membership.Status


def decide(
    membership: Membership,
    *,
    kind: str,
    actor,
    reason: str,
    status: str | None = None,
    role: str | None = None,
    **changes,
) -> MembershipDecision:
    """Apply a change to a locked membership and put it on record."""
    from_status, from_role = membership.status, membership.role
    if status is not None:
        membership.status = status
    if role is not None:
        membership.role = role
    for field, value in changes.items():
        setattr(membership, field, value)
    membership.save()
    return write_decision(
        membership,
        kind=kind,
        actor=actor,
        reason=reason,
        from_status=from_status,
        from_role=from_role,
    )


def write_decision(
    membership: Membership, *, kind: str, actor, reason: str, from_status: str, from_role: str
) -> MembershipDecision:
    decision = MembershipDecision.objects.create(
        membership=membership,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=membership.status,
        from_role=from_role,
        to_role=membership.role,
        reason=reason,
    )
    record(
        f"membership.{kind}",
        actor=actor,
        target=membership,
        reason=reason,
        details={
            **details_of(membership),
            "decision": decision.pk,
            "from_status": from_status,
            "to_status": membership.status,
            "from_role": from_role,
            "to_role": membership.role,
        },
    )
    if from_status == Status.ACTIVE and membership.status != Status.ACTIVE:
        transaction.on_commit(
            lambda: membership_deactivated.send(
                sender=Membership, membership=membership, user=membership.user, reason=reason
            )
        )
    return decision


def details_of(membership: Membership) -> dict:
    return {
        "network": membership.network.slug,
        "member": membership.user.email,
        "application_round": membership.application_round,
    }
