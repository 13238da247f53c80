"""The bodies the case-record API takes and the objects it answers with (docs/records.md)."""

from rest_framework import serializers

from messaging.records.models import ExportRequest
from network.api_input import UUID, InputSerializer, Integer, Text


class DateTime(serializers.DateTimeField):
    """An ISO 8601 date and time written as a JSON string, with its time zone."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        return super().to_internal_value(value)


class ExportInputSerializer(InputSerializer):
    legal_basis = Text(max_length=500)
    case_reference = Text(required=False, allow_blank=True, max_length=200)
    thread = UUID(required=False, allow_null=True)
    tag = Text(required=False, allow_blank=True, allow_null=True, max_length=120)
    since = DateTime(required=False, allow_null=True)
    until = DateTime(required=False, allow_null=True)


class ExportOut(serializers.Serializer):
    id = serializers.UUIDField()
    room = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ExportRequest.Status.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    approval_required = serializers.BooleanField()
    requested_by = serializers.IntegerField()
    requested_at = serializers.DateTimeField()
    approved_by = serializers.IntegerField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    thread = serializers.UUIDField(allow_null=True)
    tag = serializers.CharField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    bundle_hash = serializers.CharField(allow_null=True)
    bundle_size = serializers.IntegerField(allow_null=True)


class CloseInputSerializer(InputSerializer):
    reason = Text(required=False, allow_blank=True, max_length=500)


class ClosedOut(serializers.Serializer):
    room = serializers.UUIDField()
    closed_at = serializers.DateTimeField()


class HoldInputSerializer(InputSerializer):
    reason = Text(max_length=500)
    ends_at = DateTime(required=False, allow_null=True)


class HoldOut(serializers.Serializer):
    id = serializers.UUIDField()
    room = serializers.UUIDField()
    reason = serializers.CharField()
    placed_by = serializers.IntegerField()
    placed_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)


class RetentionInputSerializer(InputSerializer):
    closed_room_days = Integer(min_value=1, max_value=36500)


class RetentionRoom(serializers.Serializer):
    room = serializers.UUIDField()
    closed_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=["kept", "due", "held"])
    holds = HoldOut(many=True)


class RetentionOut(serializers.Serializer):
    network = serializers.CharField()
    closed_room_days = serializers.IntegerField()
    rooms = RetentionRoom(many=True)
