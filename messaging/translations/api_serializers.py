"""The objects the translations API answers with, as the schema describes them
(messaging/translations/display.py builds them)."""

from rest_framework import serializers

from messaging.api_serializers import PersonRef
from messaging.translations.models import TranslationRequest
from network.languages.api import CertificationSerializer


class QueueCard(serializers.Serializer):
    """The only fields an eligible translator sees before claiming."""

    id = serializers.UUIDField()
    source_language = serializers.CharField()
    target_language = serializers.CharField()
    purpose = serializers.ChoiceField(choices=TranslationRequest.Purpose.choices)
    urgency = serializers.CharField()
    due_date = serializers.DateField()
    size = serializers.IntegerField()
    size_unit = serializers.CharField()


class RequestSummary(QueueCard):
    status = serializers.ChoiceField(choices=TranslationRequest.Status.choices)
    item = serializers.CharField()
    message = serializers.UUIDField(allow_null=True)
    attachment = serializers.UUIDField(allow_null=True)
    source_detected = serializers.BooleanField()
    requester = PersonRef()
    translator = PersonRef(allow_null=True)
    translator_certified = serializers.BooleanField(
        help_text="The translator's pair is verified and unexpired now."
    )
    translator_certification = CertificationSerializer()
    handling_code = serializers.CharField()
    handling_note = serializers.CharField(allow_blank=True)
    overdue = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class RequestEvent(serializers.Serializer):
    action = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    to = serializers.CharField()
    note = serializers.CharField(allow_null=True, allow_blank=True)
    at = serializers.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(allow_blank=True)
        return fields


class WaitingFor(serializers.Serializer):
    """The provider's permission a request waits for, or waited for."""

    id = serializers.UUIDField()
    provider = PersonRef()
    answer = serializers.CharField(allow_null=True)
    answer_note = serializers.CharField(allow_blank=True)


class RequestDetail(RequestSummary):
    waiting_for = WaitingFor(allow_null=True)
    note = serializers.CharField(allow_null=True, allow_blank=True)
    translation = serializers.CharField(allow_null=True, allow_blank=True)
    events = RequestEvent(many=True)


class RequestView(serializers.Serializer):
    """A request as its viewer may see it: a `candidate` gets the queue card only; the
    requester, the room's readers and the translator get everything. After a transition
    that ends the caller's access (e.g. a release), only `id` and `status`."""

    id = serializers.UUIDField()
    role = serializers.ChoiceField(
        choices=["requester", "room_reader", "translator", "candidate"], required=False
    )

    def get_fields(self):
        fields = super().get_fields()
        for name, field in RequestDetail().get_fields().items():
            if name not in fields:
                field.required = False
                fields[name] = field
        return fields


class TranslatorItem(serializers.Serializer):
    request = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=["message", "attachment"])
    handling_code = serializers.CharField()
    handling_note = serializers.CharField(allow_blank=True)
    text = serializers.CharField(required=False, allow_blank=True)
    filename = serializers.CharField(required=False)
    content_type = serializers.CharField(required=False)
    content_base64 = serializers.CharField(required=False)


class Board(serializers.Serializer):
    requests = RequestSummary(many=True)
    queue = QueueCard(many=True)
    claimed = RequestSummary(many=True)


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    summary = serializers.CharField()
    request = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()
