"""/api/v1/rooms/<id>/settings/: a room's settings, read by its readers and changed by an
owner through the same action as the room page (docs/messaging.md)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging import access, actions
from messaging.models import Message, Room
from network.api_input import InputSerializer, validated


class RoomSettingsInputSerializer(InputSerializer):
    default_handling = serializers.ChoiceField(choices=Message.Handling.choices)


class RoomSettingsOut(serializers.Serializer):
    default_handling = serializers.ChoiceField(choices=Message.Handling.choices)
    owner = serializers.BooleanField(help_text="Whether the reader may change the settings.")


def _settings(room: Room, user) -> dict:
    return {"default_handling": room.default_handling, "owner": access.is_owner(user, room)}


@extend_schema(methods=["GET"], responses=RoomSettingsOut)
@extend_schema(methods=["PATCH"], request=RoomSettingsInputSerializer, responses=RoomSettingsOut)
@api_view(["GET", "PATCH"])
def room_settings(request, room_id):
    """GET: the room's settings. PATCH `{"default_handling": "H2"}`: an owner changes it."""
    room = access.get_room_for_member(request.user, room_id)
    if request.method == "PATCH":
        code = validated(RoomSettingsInputSerializer, request.data)["default_handling"]
        room = actions.set_default_handling(room=room, owner=request.user, code=code)
    return Response(_settings(room, request.user))
