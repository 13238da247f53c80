"""Who may read which room: the only way views, API views and the consumer obtain a room.

- A case or direct room: a current participant who is an active member of some network; a
  case room tied to a network needs active membership of that network.
- A network channel: an active member of its network.

Coordinators read nothing by virtue of their role. Unknown and forbidden rooms look the same.
"""

import uuid
from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from messaging.models import Room, RoomParticipant
from messaging.prepared import PreparedQuery
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
    """The rule of `readable_rooms` for one room and one person (one indexed query)."""
    return user_pk(user) in users_who_can_read(room, [user])


def user_pk(user) -> int | None:
    return user.pk if getattr(user, "is_authenticated", False) else None


def users_who_can_read(room: Room | dict, users) -> set[int]:
    """Ids of those of `users` (signed-in, active accounts) who may read `room` now."""
    return users_who_can_read_later(room, users)()


def users_who_can_read_later(room: Room | dict, users) -> Callable[[], set[int]]:
    """`users_who_can_read`, its query sent now and its answer read when called (to send it
    with others: prepared.together)."""
    return users_with_access_later(
        room, {user.pk for user in users if user_pk(user) is not None and user.is_active}
    )


def users_with_access(room: Room | dict, user_ids) -> set[int]:
    """Of `user_ids`, those who may read `room` now (one query): the rule of
    `readable_rooms`, for one room and many people. Compiled once per shape (prepared.py)."""
    return users_with_access_later(room, user_ids)()


def users_with_access_later(room: Room | dict, user_ids) -> Callable[[], set[int]]:
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return set
    kind = room["kind"] if isinstance(room, dict) else room.kind
    network_id = room["network_id"] if isinstance(room, dict) else room.network_id
    room_id = room["id"] if isinstance(room, dict) else room.pk
    if kind == Room.Kind.NETWORK:
        if network_id is None:
            return set
        pending = _network_readers.execute(timezone.localdate(), network=network_id, users=user_ids)
    else:
        # The participants of a case or direct room, with an active membership of its network,
        # or of any network if the room has none.
        network = {} if network_id is None else {"network": network_id}
        pending = _participant_readers.execute(
            timezone.localdate(), room=_parse_room_id(room_id), users=user_ids, **network
        )

    return lambda: {row[0] for row in pending.fetch()}


def _active(network=None):
    active = Membership.objects.active()
    return active if network is None else active.filter(network_id=network)


_network_readers = PreparedQuery(
    lambda network, users: (
        _active(network).filter(user_id__in=users).values_list("user_id").order_by()
    )
)
_participant_readers = PreparedQuery(
    lambda room, users, network=None: (
        RoomParticipant.objects.current()
        .filter(room_id=room, user_id__in=users)
        .filter(Exists(_active(network).filter(user_id=OuterRef("user_id"))))
        .values_list("user_id")
        .order_by()
    )
)


def is_owner(user, room: Room) -> bool:
    return (
        room.has_participants
        and RoomParticipant.objects.current()
        .filter(room=room, user=user, role=RoomParticipant.Role.OWNER)
        .exists()
    )
