"""The socket's database calls: plain functions over the access getters and the actions, run
from the consumer through `run_in_db` (each re-checks access in the same call)."""

from messaging import access, actions, events
from messaging.errors import invalid
from messaging.models import Room, Thread


def room_meta(room: Room) -> dict:
    return {"id": str(room.pk), "kind": room.kind, "network_id": room.network_id}


def readable_meta(user, room_id) -> dict:
    return room_meta(access.get_room_for_member(user, room_id))


def events_after(user, room_id, after: int | None, limit: int) -> tuple[list, int]:
    """(the rendered events after `after`, as (seq, text); the room's head)."""
    room = access.get_room_for_member(user, room_id)
    if after is None:
        return [], room.head_seq
    if after > room.head_seq:
        raise invalid("after", "after is beyond the room's last seq")
    rows = events.events_after(room.pk, after, limit, upto=room.head_seq)
    return events.frames_for(rows, access.user_pk(user)), room.head_seq


def typing_shown(user, room_id, thread_id) -> bool:
    """Whether a typing notice of `user` in `thread_id` goes to the room's sockets: the user
    reads the room (UnknownRoom otherwise), and the thread is no restricted thread of it
    (whose activity is hidden from the room's other readers). In a room with participants in
    a limited capacity (support, observer), who read only some of its threads, typing is
    shown to nobody (typing notices are not filtered per thread)."""
    room = access.get_room_for_member(user, room_id)
    if access.limited_participants([room.pk]):
        return False
    return not Thread.objects.filter(room=room, pk=thread_id, restricted=True).exists()


def mark_read(user, room_id, seq) -> int:
    return actions.mark_read(room=access.get_room_for_member(user, room_id), user=user, seq=seq)


def still_readable(user, room_ids: list[str]) -> tuple[set[str], bool]:
    """(which of `room_ids` the user may still read, whether they are still active)."""
    rooms = access.readable_rooms(user).filter(pk__in=room_ids).values_list("pk", flat=True)
    return {str(pk) for pk in rooms}, access.may_use_rooms(user)


def active_anywhere(user) -> bool:
    """An active member of some network, or a current room guest (messaging/guests)."""
    return access.may_use_rooms(user)
