"""/api/v1/permissions/: ask a provider's permission to pass an item on, and answer it."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging.api_serializers import PersonRef
from messaging.disclosure import access, actions, display
from messaging.disclosure.models import PermissionRequest
from network.api_input import UUID, Boolean, InputSerializer, Integer, Text, validated


def _optional_text(**kwargs):
    """Text the action checks itself (its own codes): null and blank reach it as given."""
    kwargs.setdefault("max_length", None)
    return Text(required=False, allow_null=True, allow_blank=True, **kwargs)


class AskSerializer(InputSerializer):
    message = UUID()
    purpose = _optional_text(max_length=40)
    recipients = serializers.ListField(child=Integer(min_value=1), required=False, max_length=200)
    outside = Boolean(required=False)
    reason = _optional_text()


class AnswerSerializer(InputSerializer):
    answer = _optional_text(max_length=40)
    note = _optional_text()


class PermissionOut(serializers.Serializer):
    id = serializers.UUIDField()
    room = serializers.UUIDField()
    message = serializers.UUIDField()
    handling_code = serializers.CharField()
    provider = PersonRef()
    requester = PersonRef()
    purpose = serializers.ChoiceField(choices=PermissionRequest.Purpose.choices)
    recipients = serializers.ListField(child=serializers.IntegerField())
    outside = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    asked_at = serializers.DateTimeField()
    answer = serializers.ChoiceField(choices=PermissionRequest.Answer.choices, allow_null=True)
    answer_note = serializers.CharField(allow_blank=True)
    answered_at = serializers.DateTimeField(allow_null=True)


class PermissionLists(serializers.Serializer):
    asked_of_me = PermissionOut(many=True)
    asked_by_me = PermissionOut(many=True)


@extend_schema(tags=["permissions"], methods=["GET"], responses=PermissionLists)
@extend_schema(
    tags=["permissions"], methods=["POST"], request=AskSerializer, responses={201: PermissionOut}
)
@api_view(["GET", "POST"])
def permissions(request):
    """GET: the requests waiting for your answer, and those you asked. POST: ask the provider
    of a message for permission to pass it on."""
    if request.method == "POST":
        data = validated(AskSerializer, request.data)
        asked = actions.ask_permission(
            requester=request.user,
            message=data["message"],
            purpose=data.get("purpose"),
            recipients=data.get("recipients"),
            outside=data.get("outside", False),
            reason=data.get("reason") or "",
        )
        return Response(display.permission_data(asked), status=201)
    return Response(
        {
            "asked_of_me": [display.permission_data(p) for p in access.asked_of(request.user)],
            "asked_by_me": [
                display.permission_data(p) for p in access.asked_by(request.user)[:200]
            ],
        }
    )


def _found(user, permission_id) -> PermissionRequest:
    found = access.get_permission_for(user, permission_id)
    if found is None:
        raise actions.UnknownPermission()
    return found


@extend_schema(tags=["permissions"], operation_id="permissions_detail", responses=PermissionOut)
@api_view(["GET"])
def permission(request, permission_id):
    """One request, for the readers of its item."""
    return Response(display.permission_data(_found(request.user, permission_id)))


@extend_schema(
    tags=["permissions"],
    operation_id="permissions_answer",
    request=AnswerSerializer,
    responses=PermissionOut,
)
@api_view(["POST"])
def answer(request, permission_id):
    """The provider's one answer: `granted`, or `refused` with a note saying why."""
    found = _found(request.user, permission_id)
    data = validated(AnswerSerializer, request.data)
    answered = actions.answer_permission(
        permission=found,
        provider=request.user,
        answer=data.get("answer"),
        note=data.get("note") or "",
    )
    return Response(display.permission_data(answered))


class ShareSerializer(InputSerializer):
    message = UUID()
    recipients = serializers.ListField(child=Integer(min_value=1), max_length=200)


class SharedOut(serializers.Serializer):
    message = serializers.UUIDField()
    readers = serializers.ListField(child=serializers.IntegerField())


@extend_schema(
    tags=["permissions"],
    operation_id="permissions_share",
    request=ShareSerializer,
    responses={201: SharedOut},
)
@api_view(["POST"])
def share(request):
    """The provider of an H1 or H2 item lets support or observer participants who read its
    thread read it too."""
    data = validated(ShareSerializer, request.data)
    readers = actions.share_item(
        provider=request.user, message=data["message"], recipients=data["recipients"]
    )
    return Response({"message": str(data["message"]), "readers": readers}, status=201)
