"""Introductions under /api/v1/directory/introductions/: the same actions as the pages."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from directory.introductions import actions
from directory.introductions.access import get_introduction, introductions_for
from directory.introductions.models import PURPOSE_MAX, REASON_MAX, Urgency
from directory.visibility import get_contact_point, members_only
from network.api_input import InputSerializer, Text, validated
from network.api_throttles import scoped


class IntroductionSerializer(serializers.Serializer):
    """The purpose is shown to the requester and to those who decide; the entry's
    person-level part is never carried here (the directory's rule applies)."""

    id = serializers.UUIDField()
    url = serializers.CharField()
    contact_point = serializers.IntegerField()
    authority = serializers.CharField()
    state = serializers.CharField()
    purpose = serializers.CharField()
    competence = serializers.CharField()
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    status = serializers.CharField()
    requester = serializers.CharField()
    requester_network = serializers.CharField()
    serving_network = serializers.CharField()
    broker_role = serializers.CharField()
    escalated = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    room = serializers.UUIDField(allow_null=True)


def present(introduction) -> dict:
    return {
        "id": introduction.pk,
        "url": introduction.get_absolute_url(),
        "contact_point": introduction.contact_point_id,
        "authority": introduction.contact_point.authority.name,
        "state": introduction.contact_point.state,
        "purpose": introduction.purpose,
        "competence": introduction.competence,
        "urgency": introduction.urgency,
        "status": introduction.status,
        "requester": introduction.requester.display_name,
        "requester_network": introduction.requester_network.slug,
        "serving_network": introduction.serving_network.slug,
        "broker_role": introduction.broker_role,
        "escalated": introduction.escalated_at is not None,
        "created_at": introduction.created_at,
        "decided_at": introduction.decided_at,
        "decline_reason": introduction.decline_reason,
        "room": introduction.room_id,
    }


class IntroductionAskSerializer(InputSerializer):
    contact_point = serializers.IntegerField(min_value=1)
    purpose = Text(
        max_length=PURPOSE_MAX,
        help_text="Why you need the introduction; no names of victims or suspects, no case "
        "details.",
    )
    competence = Text(max_length=60, help_text="The competence sought, e.g. jit.authorize.")
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)


class DeclineSerializer(InputSerializer):
    reason = Text(max_length=REASON_MAX, required=False, allow_blank=True)


@extend_schema(
    methods=["GET"],
    operation_id="v1_directory_introductions_list",
    responses=inline_serializer(
        "Introductions",
        {
            "asked": IntroductionSerializer(many=True),
            "to_decide": IntroductionSerializer(many=True),
        },
    ),
)
@extend_schema(
    methods=["POST"], request=IntroductionAskSerializer, responses={201: IntroductionSerializer}
)
@scoped("introduction_request", "POST")
@api_view(["GET", "POST"])
@members_only
def introductions(request):
    if request.method == "GET":
        asked, to_decide = introductions_for(request.user)
        return Response(
            {
                "asked": IntroductionSerializer([present(i) for i in asked], many=True).data,
                "to_decide": IntroductionSerializer(
                    [present(i) for i in to_decide], many=True
                ).data,
            }
        )
    data = validated(IntroductionAskSerializer, request.data)
    introduction = actions.request_introduction(
        requester=request.user,
        contact_point=get_contact_point(data["contact_point"]),
        purpose=data["purpose"],
        competence=data["competence"],
        urgency=data.get("urgency", Urgency.ROUTINE),
    )
    return Response(
        IntroductionSerializer(present(introduction)).data, status=status.HTTP_201_CREATED
    )


@extend_schema(responses=IntroductionSerializer)
@api_view(["GET"])
@members_only
def introduction_detail(request, introduction_id):
    return Response(
        IntroductionSerializer(present(get_introduction(request.user, introduction_id))).data
    )


@extend_schema(request=None, responses=IntroductionSerializer)
@api_view(["POST"])
@members_only
def accept(request, introduction_id):
    introduction = get_introduction(request.user, introduction_id)
    validated(InputSerializer, request.data)
    introduction = actions.accept(introduction=introduction, user=request.user)
    return Response(IntroductionSerializer(present(introduction)).data)


@extend_schema(request=DeclineSerializer, responses=IntroductionSerializer)
@api_view(["POST"])
@members_only
def decline(request, introduction_id):
    introduction = get_introduction(request.user, introduction_id)
    data = validated(DeclineSerializer, request.data)
    introduction = actions.decline(
        introduction=introduction, user=request.user, reason=data.get("reason", "")
    )
    return Response(IntroductionSerializer(present(introduction)).data)
