"""GET /api/v1/translations/availability/: before submitting, whether a translation request
could be served (messaging/translations/availability.py), with the reason in words."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging.translations import actions
from network.api_input import QuerySerializer, validated_query


class AvailabilityQuerySerializer(QuerySerializer):
    message = serializers.UUIDField(required=False)
    attachment = serializers.UUIDField(required=False)
    source_language = serializers.CharField(
        required=False, max_length=8, help_text="Detected from the item when left out."
    )
    target_language = serializers.CharField(max_length=8)
    purpose = serializers.CharField(max_length=40)


class AvailabilityOut(serializers.Serializer):
    source_language = serializers.CharField()
    target_language = serializers.CharField()
    purpose = serializers.CharField()
    eligible_translators = serializers.IntegerField()
    certified_translators = serializers.IntegerField()
    state = serializers.CharField()
    serviceable = serializers.BooleanField()
    explanation = serializers.CharField()


@extend_schema(
    tags=["translations"], parameters=[AvailabilityQuerySerializer], responses=AvailabilityOut
)
@api_view(["GET"])
def translation_availability(request):
    """?message=<id> or ?attachment=<id>, target_language, purpose, optional
    source_language (detected from the item when left out)."""
    query = validated_query(AvailabilityQuerySerializer, request)
    found = actions.check_availability(
        requester=request.user,
        message=query.get("message"),
        attachment=query.get("attachment"),
        source_language=query.get("source_language"),
        target_language=query["target_language"],
        purpose=query["purpose"],
    )
    return Response(found.as_dict())
