"""Who may read which room: the only way views, API views and the consumer obtain a room.

- A case or direct room: a current participant who is an active member of some network; a
  case room tied to a network needs active membership of that network.
- A network channel: an active member of its network.

Coordinators read nothing by virtue of their role. Unknown and forbidden rooms look the same.
"""

import uuid

from django.db.models import Exists, OuterRef, Q, QuerySet

from messaging.models import Room, RoomParticipant
from network.models import Membership


class UnknownRoom(Exception):
    """No room with that id that this user may read."""

    code = "unknown_room"


def _parse_room_id(room_id) -> uuid.UUID | None:
    if isinstance(room_id, uuid.UUID):
        return room_id
    try:
        return uuid.UUID(str(room_id))
    except (TypeError, ValueError, AttributeError):
        return None


def readable_rooms(user) -> QuerySet[Room]:
    """Every room `user` may read now."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Room.objects.none()
    active = Membership.objects.active().filter(user=user)
    any_network = Exists(active)
    room_network = Exists(active.filter(network_id=OuterRef("network_id")))
    participant = Exists(
        RoomParticipant.objects.current().filter(room_id=OuterRef("pk"), user=user)
    )
    return Room.objects.filter(
        Q(kind=Room.Kind.NETWORK, network__isnull=False) & room_network
        | Q(kind__in=[Room.Kind.CASE, Room.Kind.DIRECT], network__isnull=True)
        & participant
        & any_network
        | Q(kind__in=[Room.Kind.CASE, Room.Kind.DIRECT], network__isnull=False)
        & participant
        & room_network
    )


def get_room_for_member(user, room_id) -> Room:
    """The room `room_id` if `user` may read it now; else UnknownRoom (indexed look-ups)."""
    parsed = _parse_room_id(room_id)
    if parsed is None:
        raise UnknownRoom(room_id)
    room = Room.objects.select_related("network").filter(pk=parsed).first()
    if room is None or not can_read(user, room):
        raise UnknownRoom(room_id)
    return room


def can_read(user, room: Room) -> bool:
    """The rule of `readable_rooms` for one room: at most two indexed look-ups (the current
    participation, the active membership), cheap to build, unlike the three-`Exists` query."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    active = Membership.objects.active().filter(user=user)
    if room.network_id is not None:
        active = active.filter(network_id=room.network_id)
    if room.kind == Room.Kind.NETWORK:
        return room.network_id is not None and active.exists()
    return (
        RoomParticipant.objects.current().filter(room_id=room.pk, user=user).exists()
        and active.exists()
    )


def users_with_access(room: Room | dict, user_ids) -> set[int]:
    """Of `user_ids`, those who may read `room` now (one query)."""
    user_ids = set(user_ids)
    if not user_ids:
        return set()
    kind = room["kind"] if isinstance(room, dict) else room.kind
    network_id = room["network_id"] if isinstance(room, dict) else room.network_id
    room_id = room["id"] if isinstance(room, dict) else room.pk
    active = Membership.objects.active()
    if network_id is not None:
        active = active.filter(network_id=network_id)
    if kind == Room.Kind.NETWORK:
        rows = active.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    else:
        rows = (
            RoomParticipant.objects.current()
            .filter(room_id=room_id, user_id__in=user_ids)
            .filter(Exists(active.filter(user_id=OuterRef("user_id"))))
            .values_list("user_id", flat=True)
        )
    return set(rows)


def is_owner(user, room: Room) -> bool:
    return (
        room.has_participants
        and RoomParticipant.objects.current()
        .filter(room=room, user=user, role=RoomParticipant.Role.OWNER)
        .exists()
    )
