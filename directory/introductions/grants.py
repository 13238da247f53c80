"""Live introduction grants: the one query behind `directory.visibility.viewer_for` and the
"introduced to me" eligibility of room invitations. A grant is live while unexpired and while
both the requester (in `requester_network`) and the member who granted it (in
`granting_network`) are active members; nothing needs to end it."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from directory.introductions.models import IntroductionGrant
from network.models import Membership


def live_grants():
    active = Membership.objects.active()
    return IntroductionGrant.objects.filter(expires_at__gt=timezone.now()).filter(
        Exists(active.filter(user=OuterRef("requester"), network=OuterRef("requester_network"))),
        Exists(active.filter(user=OuterRef("granted_by"), network=OuterRef("granting_network"))),
    )


def live_grant_entry_ids(user) -> set[int]:
    return set(live_grants().filter(requester=user).values_list("contact_point_id", flat=True))


def introduced_user_ids(user) -> set[int]:
    """The people `user` was introduced to, or who were introduced to `user`, by a live
    grant: they may invite each other to rooms without a network in common."""
    pairs = live_grants().filter(Q(requester=user) | Q(granted_by=user))
    ids = set()
    for requester_id, granted_by_id in pairs.values_list("requester_id", "granted_by_id"):
        ids.update((requester_id, granted_by_id))
    ids.discard(user.pk)
    return ids
