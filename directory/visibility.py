"""Who sees what in the directory, and the permission-checked getters.

- Person-level details (the person's or desk's name and position, phone, email, how-to-reach
  notes, the member link, who verified it) are shown to active members of a network the entry
  serves, and to the member the entry is linked to. Entries are published to the networks they
  serve; a vetted member of another network sees the authority-level part of the entry.
- Everyone else signed in (outsiders, applicants, suspended or expired members) sees
  authority-level information only: the authority, state, competences, languages,
  availability, accepted request languages, formal requirements and required channel.
- Free-text search matches an entry's person-level text (name, position, how to reach) only
  for a viewer who sees that entry's details; for every other entry, and for every entry when
  the viewer is not a member, it looks at institution names only, so a person's name never
  confirms a hit (`Viewer.details_visible`, the same rule as `sees_details`, for queries).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from directory.models import Authority, ContactPoint, DirectoryCorrespondent
from network.membership import active_network_ids, is_coordinator
from network.vetting.access import acts_as_coordinator


@dataclass(frozen=True)
class Viewer:
    user: object
    network_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_member(self) -> bool:
        """An active member of at least one network."""
        return bool(self.network_ids)

    def sees_details(self, contact_point: ContactPoint) -> bool:
        if not self.is_member:
            return False
        if contact_point.member_id is not None and contact_point.member_id == self.user.pk:
            return True
        served = {network.pk for network in contact_point.networks.all()}
        return bool(served & self.network_ids)

    def details_visible(self) -> Q:
        """`sees_details` as a condition on contact points, for queries."""
        if not self.is_member:
            return Q(pk__isnull=True)  # false for every row
        served = ContactPoint.networks.through.objects.filter(
            contactpoint=OuterRef("pk"), network__in=self.network_ids
        )
        # `member IS NOT NULL` keeps the condition false, never NULL, for unlinked entries.
        return Q(member__isnull=False, member=self.user.pk) | Q(Exists(served))


def viewer_for(user) -> Viewer:
    return Viewer(user=user, network_ids=frozenset(active_network_ids(user)))


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
