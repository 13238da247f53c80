"""The bodies and query strings the messaging API takes (checked before any action runs) and
the objects it answers with, as the schema describes them (docs/messaging.md)."""

from rest_framework import serializers

from messaging import actions, events
from messaging.models import CaseTag, Message, Room, RoomParticipant
from network.api_input import (
    UUID,
    Boolean,
    InputSerializer,
    Integer,
    QueryInteger,
    QuerySerializer,
    Text,
)

# --- Input ----------------------------------------------------------------------------


def _optional_text(**kwargs):
    """Text the action bounds itself (with its own codes, e.g. body_too_large)."""
    kwargs.setdefault("max_length", None)
    return Text(required=False, allow_null=True, allow_blank=True, **kwargs)


class RoomInputSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=Room.Kind.choices)
    title = _optional_text()
    network = Text(required=False, allow_null=True, allow_blank=True, max_length=100)
    participants = serializers.ListField(
        child=Integer(min_value=1), required=False, allow_null=True, max_length=200
    )


class ParticipantInputSerializer(InputSerializer):
    user = Integer(min_value=1)
    role = serializers.ChoiceField(choices=RoomParticipant.Role.choices, required=False)
    capacity = serializers.ChoiceField(choices=RoomParticipant.Capacity.choices, required=False)


class RemovalQuerySerializer(QuerySerializer):
    reason = Text(required=False, allow_blank=True, max_length=500)


class CaseTagInputSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=CaseTag.Kind.choices)
    value = Text(max_length=actions.TAG_MAX)
    state = Text(required=False, allow_null=True, max_length=8)


class ThreadInputSerializer(InputSerializer):
    title = _optional_text()
    tags = CaseTagInputSerializer(many=True, required=False, allow_null=True, max_length=20)
    restricted = Boolean(required=False)
    victim_sensitive = Boolean(required=False)
    readers = serializers.ListField(
        child=Integer(min_value=1), required=False, allow_null=True, max_length=200
    )


class ThreadReaderInputSerializer(InputSerializer):
    user = Integer(min_value=1)


class TagQuerySerializer(QuerySerializer):
    tag = Text(max_length=actions.TAG_MAX)
    state = Text(required=False, allow_blank=True, max_length=8)


class HistoryQuerySerializer(QuerySerializer):
    after = QueryInteger(required=False, min_value=0, default=0)
    limit = QueryInteger(
        required=False, min_value=1, max_value=events.HISTORY_LIMIT_MAX, default=200
    )


class SendInputSerializer(InputSerializer):
    """The fields of a `send` frame (docs/protocol.md), posted over HTTP."""

    client_id = UUID()
    thread = UUID(required=False, allow_null=True)
    body = _optional_text()
    handling = serializers.ChoiceField(
        choices=Message.Handling.choices, required=False, allow_null=True
    )
    handling_note = _optional_text()
    evaluation = Text(required=False, allow_null=True, allow_blank=True, max_length=8)
    reply_to = Integer(required=False, allow_null=True, min_value=1)
    mentions = serializers.ListField(
        child=Integer(min_value=1), required=False, allow_null=True, max_length=100
    )


class EditInputSerializer(InputSerializer):
    body = _optional_text()


class ReadInputSerializer(InputSerializer):
    seq = Integer(min_value=0)


class SizeQuerySerializer(QuerySerializer):
    size = QueryInteger(required=False, min_value=1)


class ConsistencyQuerySerializer(QuerySerializer):
    to = QueryInteger(required=False, min_value=1)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = QueryInteger(required=False, min_value=1)
        return fields


# --- Answers -----------------------------------------------------------------------------


class PersonRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ParticipantOut(serializers.Serializer):
    user = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=RoomParticipant.Role.choices)
    capacity = serializers.ChoiceField(choices=RoomParticipant.Capacity.choices)


class CaseTagOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseTag.Kind.choices)
    value = serializers.CharField()
    state = serializers.CharField(required=False, allow_blank=True)


class ThreadOut(serializers.Serializer):
    id = serializers.UUIDField()
    room = serializers.UUIDField()
    title = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.DictField())
    created_at = serializers.DateTimeField()
    restricted = serializers.BooleanField()
    victim_sensitive = serializers.BooleanField()


class ThreadList(serializers.Serializer):
    threads = ThreadOut(many=True)


class RoomOut(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Room.Kind.choices)
    title = serializers.CharField(allow_blank=True)
    network = serializers.CharField(allow_null=True, help_text="Network slug, or null.")
    head = serializers.IntegerField(help_text="The seq of the room's last event.")
    created_at = serializers.DateTimeField()


class RoomInList(RoomOut):
    unread = serializers.IntegerField()
    read = serializers.IntegerField(help_text="The seq of your read marker.")


class RoomList(serializers.Serializer):
    rooms = RoomInList(many=True)


class CreatedRoom(RoomOut):
    participants = ParticipantOut(many=True)


class RoomDetail(CreatedRoom):
    threads = ThreadOut(many=True)
    read = serializers.IntegerField()
    owner = serializers.BooleanField()


class ParticipantList(serializers.Serializer):
    participants = ParticipantOut(many=True)


class HandlingOut(serializers.Serializer):
    code = serializers.ChoiceField(choices=Message.Handling.choices)
    note = serializers.CharField(allow_blank=True)


class MessageOut(serializers.Serializer):
    id = serializers.UUIDField()
    seq = serializers.IntegerField()
    thread = serializers.UUIDField()
    sender = PersonRef()
    body = serializers.CharField(allow_null=True, allow_blank=True)
    html = serializers.CharField(allow_null=True, allow_blank=True)
    handling = HandlingOut()
    evaluation = serializers.CharField(allow_null=True)
    reply_to = serializers.IntegerField(allow_null=True)
    mentions = serializers.ListField(child=serializers.IntegerField())
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted_at = serializers.DateTimeField(allow_null=True)


class EventOut(serializers.Serializer):
    type = serializers.CharField()
    room = serializers.UUIDField()
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.IntegerField(allow_null=True)
    data = serializers.DictField(help_text="A message (as posted) or the event's details.")


class History(serializers.Serializer):
    room = serializers.UUIDField()
    head = serializers.IntegerField()
    events = EventOut(many=True)
    more = serializers.BooleanField()


class Receipt(serializers.Serializer):
    client_id = serializers.UUIDField()
    room = serializers.UUIDField()
    seq = serializers.IntegerField()
    message = serializers.UUIDField()
    duplicate = serializers.BooleanField()


class AttachmentOut(serializers.Serializer):
    id = serializers.UUIDField()
    message = serializers.UUIDField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class ReadMarkerOut(serializers.Serializer):
    room = serializers.UUIDField()
    seq = serializers.IntegerField()


class CheckpointOut(serializers.Serializer):
    room = serializers.UUIDField()
    size = serializers.IntegerField()
    root = serializers.CharField()
    checkpoint = serializers.CharField()
    verifier_key = serializers.CharField()


class InclusionProof(serializers.Serializer):
    room = serializers.UUIDField()
    seq = serializers.IntegerField()
    size = serializers.IntegerField()
    leaf_index = serializers.IntegerField()
    entry = serializers.CharField()
    leaf_hash = serializers.CharField()
    proof = serializers.ListField(child=serializers.CharField())
    root = serializers.CharField()


class ConsistencyProof(serializers.Serializer):
    room = serializers.UUIDField()
    old_size = serializers.IntegerField()
    new_size = serializers.IntegerField()
    old_root = serializers.CharField()
    new_root = serializers.CharField()
    proof = serializers.ListField(child=serializers.CharField())
