"""/api/v1/rooms/<id>/settings/: a room's settings, read by its readers and changed by an
owner through the same action as the room page (docs/messaging.md)."""

from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging import access, actions
from messaging.api import json_schema, messaging_errors
from messaging.errors import MessagingError
from messaging.models import Room

SETTINGS = ("default_handling",)


def _settings_dict(room: Room, user) -> dict:
    return {"default_handling": room.default_handling, "owner": access.is_owner(user, room)}


@json_schema
@api_view(["GET", "PATCH"])
@messaging_errors
def room_settings(request, room_id):
    """GET: the room's settings. PATCH `{"default_handling": "H2"}`: an owner changes it."""
    room = access.get_room_for_member(request.user, room_id)
    if request.method == "PATCH":
        data = request.data
        if not isinstance(data, dict):
            raise MessagingError("invalid_field", "the request body is a JSON object")
        unknown = sorted(set(data) - set(SETTINGS))
        if unknown:
            raise MessagingError(
                "invalid_field", f"not a room setting: {', '.join(unknown)}", field=unknown[0]
            )
        if "default_handling" not in data:
            raise MessagingError(
                "missing_field", "default_handling is required", field="default_handling"
            )
        room = actions.set_default_handling(
            room=room, owner=request.user, code=data["default_handling"]
        )
    return Response(_settings_dict(room, request.user))
