"""The coordinator's decisions on a membership: one table for the pages and the API.

Each decision has a name (`allow_readmission`; the API path spells it `allow-readmission/`),
the action that takes it, a label for people, and the statuses in which the pages offer it.
The actions remain the authority: they refuse a decision the membership's status does not
allow, whatever is offered.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from network.models import Membership
from network.vetting import actions

Status = Membership.Status


@dataclass(frozen=True)
class Decision:
    name: str
    action: Callable[..., Membership]
    label: Promise
    offered_in: tuple[str, ...]
    takes_role: bool = False

    @property
    def path(self) -> str:
        """The API's path segment for the decision."""
        return self.name.replace("_", "-")

    def take(self, *, membership: Membership, coordinator, reason: str, role: str = ""):
        if self.takes_role:
            return self.action(
                membership=membership, coordinator=coordinator, role=role, reason=reason
            )
        return self.action(membership=membership, coordinator=coordinator, reason=reason)


DECISIONS = {
    decision.name: decision
    for decision in (
        Decision("approve", actions.approve_membership, _("Approve"), (Status.ENDORSED,)),
        Decision("reject", actions.reject_membership, _("Reject"), (Status.ENDORSED,)),
        Decision("renew", actions.renew_membership, _("Renew (re-vetted)"), (Status.ACTIVE,)),
        Decision("suspend", actions.suspend_membership, _("Suspend"), (Status.ACTIVE,)),
        Decision("reinstate", actions.reinstate_membership, _("Reinstate"), (Status.SUSPENDED,)),
        Decision(
            "revoke",
            actions.revoke_membership,
            _("Revoke"),
            (Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED),
        ),
        Decision(
            "allow_readmission",
            actions.allow_readmission,
            _("Allow to apply again"),
            (Status.REVOKED,),
        ),
        Decision("role", actions.change_role, _("Change role"), (Status.ACTIVE,), takes_role=True),
    )
}


def offered_decisions(membership: Membership) -> list[Decision]:
    """The decisions the pages offer for a membership in its current status."""
    if membership.status == Status.REVOKED and membership.readmission_allowed:
        return []
    return [d for d in DECISIONS.values() if membership.status in d.offered_in]
