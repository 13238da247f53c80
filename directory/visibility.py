"""Who sees what in the directory, and the permission-checked getters. The one place of the
rule (docs/trust.md, "Across networks"):

- The directory is open to active members of a network only: applicants, rejected,
  suspended, revoked and expired accounts, and people in no network, are refused every page,
  API operation, CSV and vCard (`directory_viewer`, `DirectoryClosed`, code
  `directory_members_only`, 403).
- Person-level details (the person's or desk's name and position, phone, email, how-to-reach
  notes, the member link, who verified it) are shown to active members of a network the entry
  serves, to the member the entry is linked to, to every active member when the entry opted
  in to "reachable by vetted members of any network", and to a member holding a live
  introduction grant for the entry (directory/introductions/grants.py): unexpired, and both
  the requester and the member who granted it still active in the networks recorded on it.
  That check runs here, on every view, so a grant ends at once when either membership stops.
  Every other active member sees the authority-level part: the authority, state,
  competences, languages, availability, accepted request languages, formal requirements and
  required channel.
- The authority's address is authority-level, except for victim-support NGOs and entries
  marked confidential: their address is shown only to active members of a network the entry
  serves (`Viewer.sees_address`, `Viewer.sees_authority_address`).
- Free-text search matches an entry's person-level text (name, position, how to reach) only
  for a viewer who sees that entry's details; for every other entry it looks at institution
  names only, so a person's name never confirms a hit (`Viewer.details_visible`, the same
  rule as `sees_details`, for queries).
"""

from dataclasses import dataclass, field
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from directory.models import Authority, ContactPoint, DirectoryCorrespondent
from network.errors import DomainError
from network.membership import active_network_ids, is_coordinator
from network.vetting.access import acts_as_coordinator


class DirectoryClosed(DomainError):
    def __init__(self):
        super().__init__(
            "directory_members_only",
            _(
                "The directory is open to active members of a network only. Your account is "
                "not an active member of any network: an application still under review, a "
                "rejected, suspended, revoked or expired membership does not open it."
            ),
        )


SENSITIVE_ADDRESS_KINDS = frozenset({Authority.Kind.VICTIM_SUPPORT_NGO})


@dataclass(frozen=True)
class Viewer:
    user: object
    network_ids: frozenset[int] = field(default_factory=frozenset)
    # Entries the viewer holds a live introduction grant for.
    granted_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_member(self) -> bool:
        """An active member of at least one network."""
        return bool(self.network_ids)

    def serves_me(self, contact_point: ContactPoint) -> bool:
        """The entry serves a network the viewer is an active member of."""
        served = {network.pk for network in contact_point.networks.all()}
        return bool(served & self.network_ids)

    def sees_details(self, contact_point: ContactPoint) -> bool:
        if not self.is_member:
            return False
        if contact_point.member_id is not None and contact_point.member_id == self.user.pk:
            return True
        if contact_point.reachable_by_any_network or contact_point.pk in self.granted_ids:
            return True
        return self.serves_me(contact_point)

    def sees_address(self, contact_point: ContactPoint) -> bool:
        if not self.is_member:
            return False
        if contact_point.confidential or contact_point.authority.kind in SENSITIVE_ADDRESS_KINDS:
            return self.serves_me(contact_point) or contact_point.member_id == self.user.pk
        return True

    def sees_authority_address(self, authority: Authority) -> bool:
        """On the authority's own page: a sensitive address (victim support, or an entry of
        the authority marked confidential) only for members of a network one of its entries
        serves."""
        if not self.is_member:
            return False
        entries = ContactPoint.objects.filter(authority=authority)
        sensitive = (
            authority.kind in SENSITIVE_ADDRESS_KINDS or entries.filter(confidential=True).exists()
        )
        if not sensitive:
            return True
        return entries.filter(networks__in=self.network_ids).exists()

    def details_visible(self) -> Q:
        """`sees_details` as a condition on contact points, for queries."""
        if not self.is_member:
            return Q(pk__isnull=True)  # false for every row
        served = ContactPoint.networks.through.objects.filter(
            contactpoint=OuterRef("pk"), network__in=self.network_ids
        )
        # `member IS NOT NULL` keeps the condition false, never NULL, for unlinked entries.
        return (
            Q(member__isnull=False, member=self.user.pk)
            | Q(reachable_by_any_network=True)
            | Q(pk__in=list(self.granted_ids))
            | Q(Exists(served))
        )


def viewer_for(user) -> Viewer:
    network_ids = frozenset(active_network_ids(user))
    granted: frozenset[int] = frozenset()
    if network_ids:
        from directory.introductions.grants import live_grant_entry_ids

        granted = frozenset(live_grant_entry_ids(user))
    return Viewer(user=user, network_ids=network_ids, granted_ids=granted)


def directory_viewer(user) -> Viewer:
    """The viewer, or `DirectoryClosed` for anyone not an active member of a network."""
    viewer = viewer_for(user)
    if not viewer.is_member:
        raise DirectoryClosed()
    return viewer


def members_only(view):
    """Refuse the directory to anyone not an active member of a network (pages and API)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        directory_viewer(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def get_contact_point(pk: int) -> ContactPoint:
    """Any signed-in user may open a card; what it shows depends on the Viewer."""
    try:
        return (
            ContactPoint.objects.with_freshness()
            .select_related("authority", "authority__parent", "member", "verified_by")
            .prefetch_related("competences", "languages", "networks")
            .get(pk=pk)
        )
    except ContactPoint.DoesNotExist as exc:
        raise Http404("No such contact point.") from exc


def get_contact_point_with_details(viewer: Viewer, pk: int) -> ContactPoint:
    """For person-level exports (vCard): refused unless the viewer sees the details."""
    contact_point = get_contact_point(pk)
    if not viewer.sees_details(contact_point):
        raise PermissionDenied(
            "Person-level details of this entry are shown only to active members "
            "of the networks it serves."
        )
    return contact_point


def get_authority(pk: int) -> Authority:
    try:
        return Authority.objects.select_related("parent").get(pk=pk)
    except Authority.DoesNotExist as exc:
        raise Http404("No such authority.") from exc


def may_maintain(user, contact_point: ContactPoint, *, request=None) -> bool:
    """The linked member, a coordinator of a network it serves, or that network's
    directory correspondent for the entry's state. Given the `request`, a coordinator counts
    only with the second factor the network requires of its coordinators."""
    viewer = viewer_for(user)
    if not viewer.is_member:
        return False
    if contact_point.member_id == user.pk:
        return True
    for network in contact_point.networks.all():
        if network.pk not in viewer.network_ids:
            continue
        if acts_as_coordinator(request, network) if request else is_coordinator(user, network):
            return True
        if DirectoryCorrespondent.objects.filter(
            network=network, state=contact_point.state, member=user
        ).exists():
            return True
    return False


def get_contact_point_for_maintenance(request, pk: int) -> ContactPoint:
    contact_point = get_contact_point(pk)
    if not may_maintain(request.user, contact_point, request=request):
        raise PermissionDenied(
            "Only the member linked to this entry, a coordinator of a network it serves "
            "or that network's directory correspondent for its state may confirm or correct it."
        )
    return contact_point
