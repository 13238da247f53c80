"""Who sees a permission request: the readers of its room (its asking and its answer are
events of the room's log). Unknown and forbidden look the same."""

import uuid

from messaging import access as room_access
from messaging.disclosure.models import PermissionRequest


def get_permission_for(user, permission_id) -> PermissionRequest | None:
    try:
        parsed = uuid.UUID(str(permission_id))
    except (TypeError, ValueError, AttributeError):
        return None
    permission = (
        PermissionRequest.objects.select_related("room", "message", "provider", "requester")
        .filter(pk=parsed)
        .first()
    )
    if permission is None or not room_access.can_read_message(user, permission.message):
        return None
    return permission


def asked_of(user):
    """The requests waiting for `user`'s answer, in rooms `user` reads now."""
    return (
        PermissionRequest.objects.pending()
        .filter(provider=user, room__in=room_access.readable_rooms(user))
        .select_related("room", "message", "requester")
    )


def asked_by(user):
    """The requests `user` asked, in rooms `user` reads now."""
    return PermissionRequest.objects.filter(
        requester=user, room__in=room_access.readable_rooms(user)
    ).select_related("room", "message", "provider")
