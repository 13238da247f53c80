"""Who sees which room guest. The room's owners (reading it in full) see its guests and
proposals; a coordinator of the room's network sees the network's proposals and guests, to
decide on them and end them, without reading the room; a sponsor sees their proposals.
Everyone else, the guests themselves included, sees none (unknown and forbidden look the
same). The participant list shows each guest's capacity and end date to the room."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from messaging import access as room_access
from messaging.guests.models import RoomGuest
from messaging.models import Room
from network.errors import DomainError
from network.vetting.access import acts_as_coordinator, coordinated_networks


class UnknownGuest(DomainError):
    def __init__(self):
        super().__init__("unknown_guest", _("No such room guest."))


def _all():
    return RoomGuest.objects.select_related(
        "room__network", "sponsor", "decided_by", "user", "ended_by"
    ).prefetch_related("threads")


def manages_guests(user, room: Room) -> bool:
    """Whether `user` proposes, sees and ends the guests of `room`: an owner of it who reads
    it in full (not in a limited capacity)."""
    return room_access.is_owner(user, room) and room_access.reads_whole_room(user, room)


def guests_of_room(user, room: Room) -> QuerySet[RoomGuest]:
    """The guests and proposals of `room`, for its owners who read it in full; else none."""
    if not manages_guests(user, room):
        return RoomGuest.objects.none()
    return _all().filter(room=room)


def visible_guests(request) -> QuerySet[RoomGuest]:
    """The proposals and guests this request sees on the guests page: of the networks it
    coordinates (with the factor they require), and those it proposed."""
    networks = [network.pk for network in coordinated_networks(request)]
    return _all().filter(Q(room__network_id__in=networks) | Q(sponsor=request.user))


def get_guest_to_decide(request, guest_id) -> RoomGuest:
    """A proposal of a network the request acts as a coordinator of; else UnknownGuest."""
    guest = _all().filter(pk=guest_id).first() if isinstance(guest_id, int) else None
    if guest is None or not acts_as_coordinator(request, guest.room.network):
        raise UnknownGuest()
    return guest


def get_guest_to_end(request, guest_id) -> RoomGuest:
    """A guest whose stay the request may end: an owner of the room who reads it in full, or
    a coordinator of its network; else UnknownGuest."""
    guest = _all().filter(pk=guest_id).first() if isinstance(guest_id, int) else None
    if guest is None:
        raise UnknownGuest()
    room = guest.room
    if not manages_guests(request.user, room) and not acts_as_coordinator(request, room.network):
        raise UnknownGuest()
    return guest


def may_decide(request, guest: RoomGuest) -> bool:
    return acts_as_coordinator(request, guest.room.network)
