"""Permission-checked getters: the only way views and API views obtain networks and
memberships for vetting, and the one answer to "may this request act as a coordinator of
network N" (`acts_as_coordinator`), which the directory's coordinator pages and endpoints use
too. A network that does not exist is a 404; one the user may not administer or endorse in
is an `AccessRefused` (403)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from network.accounts.factors import session_satisfies_coordinator_factor
from network.membership import is_active_member, is_coordinator
from network.models import Endorsement, Membership, Network
from network.vetting.actions import VettingError


class AccessRefused(VettingError, PermissionDenied):
    """A getter's refusal: a `VettingError` with its code for the vetting pages and API, and
    Django's `PermissionDenied` for every other surface (the directory's), so each answers 403."""


PENDING = (Membership.Status.APPLICANT, Membership.Status.ENDORSED)


def get_network(slug: str) -> Network:
    return get_object_or_404(Network, slug=slug)


def acts_as_coordinator(request, network: Network) -> bool:
    """An active coordinator of the network, in a session that passed the second factor the
    network requires of its coordinators (WebAuthn where `coordinators_require_webauthn`)."""
    return is_coordinator(request.user, network) and session_satisfies_coordinator_factor(
        request.session, network
    )


def require_coordinator(request, network: Network) -> None:
    if not is_coordinator(request.user, network):
        raise AccessRefused(
            "not_coordinator",
            _("Only active coordinators of %(network)s may do this.") % {"network": network},
        )
    if not session_satisfies_coordinator_factor(request.session, network):
        raise AccessRefused(
            "webauthn_required",
            _(
                "%(network)s requires its coordinators to sign in with a security key or "
                "passkey. Sign in again with one to continue."
            )
            % {"network": network},
        )


def get_network_for_coordinator(request, slug: str) -> Network:
    """The network, if the user is one of its active coordinators with the factor it requires."""
    network = get_network(slug)
    require_coordinator(request, network)
    return network


def coordinated_networks(request) -> list[Network]:
    """The networks this request may act for as a coordinator."""
    coordinating = Network.objects.filter(
        memberships__in=Membership.objects.active().filter(
            user=request.user, role=Membership.Role.COORDINATOR
        )
    ).order_by("name", "pk")
    return [n for n in coordinating if session_satisfies_coordinator_factor(request.session, n)]


def get_network_for_member(request, slug: str) -> Network:
    network = get_network(slug)
    if not is_active_member(request.user, network):
        raise AccessRefused(
            "not_active_member",
            _("Only active members of %(network)s may do this.") % {"network": network},
        )
    return network


def get_membership_in(network: Network, membership_id: int, *, pending: bool = False):
    memberships = Membership.objects.filter(network=network).select_related("user", "network")
    if pending:
        memberships = memberships.filter(status__in=PENDING)
    return get_object_or_404(memberships, pk=membership_id)


def get_membership_for_letter(request, slug: str, membership_id: int) -> Membership:
    """A membership whose designation letter the request may read: only the network's
    coordinators (with the factor the network requires) reach it through the API; to
    everyone else, the applicant included, it does not exist (`unknown_item`, 404)."""
    network = get_network(slug)
    if not is_coordinator(request.user, network):
        raise VettingError("unknown_item", _("No such designation letter."))
    require_coordinator(request, network)
    return get_membership_in(network, membership_id)


def get_membership_for_history(request, slug: str, membership_id: int) -> Membership:
    """A membership's history is shown to the member and to the network's coordinators."""
    network = get_network(slug)
    own = Membership.objects.filter(pk=membership_id, network=network, user=request.user)
    if own.exists():
        return get_membership_in(network, membership_id)
    network = get_network_for_coordinator(request, slug)
    return get_membership_in(network, membership_id)


def pending_applications(network: Network):
    """Pending applications, oldest first, with users and endorsements loaded in bulk."""
    endorsements = Endorsement.objects.select_related("endorser").order_by("created_at", "pk")
    return (
        Membership.objects.filter(network=network, status__in=PENDING)
        .select_related("user", "network")
        .prefetch_related(Prefetch("endorsements", queryset=endorsements))
        .order_by("applied_at", "pk")
    )


def current_round_endorsements(membership: Membership) -> list[Endorsement]:
    """The endorsements that count: those of the membership's current application round."""
    return [
        endorsement
        for endorsement in membership.endorsements.all()
        if endorsement.application_round == membership.application_round
    ]
