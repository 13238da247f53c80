"""The one answer to "is this person an active member of network N"; everything asks here."""

from network.models import Membership, Network


def is_active_member(user, network: Network | int) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    network_id = network.pk if isinstance(network, Network) else network
    return Membership.objects.active().filter(user=user, network_id=network_id).exists()


def active_network_ids(user) -> set[int]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(Membership.objects.active().filter(user=user).values_list("network_id", flat=True))


def is_active_anywhere(user) -> bool:
    return bool(active_network_ids(user))


def is_coordinator(user, network: Network | int) -> bool:
    network_id = network.pk if isinstance(network, Network) else network
    return (
        Membership.objects.active()
        .filter(user=user, network_id=network_id, role=Membership.Role.COORDINATOR)
        .exists()
    )
