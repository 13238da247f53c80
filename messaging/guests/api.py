"""/api/v1/rooms/<room>/guests/ and /api/v1/guests/: propose room guests, decide on them,
end their stay (docs/trust.md, docs/api.md)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging import access as room_access
from messaging.api_serializers import PersonRef
from messaging.guests import access, actions, display
from messaging.guests.models import GuestStatus
from network.api_input import UUID, InputSerializer, Text, validated


def _text(**kwargs):
    """Text the action checks itself (its own codes): null and blank reach it as given."""
    kwargs.setdefault("max_length", None)
    return Text(required=False, allow_null=True, allow_blank=True, **kwargs)


class ProposeSerializer(InputSerializer):
    email = _text(max_length=254)
    name = _text()
    organisation = _text()
    purpose = _text()
    ends_on = _text(max_length=10, help_text="The last day of the stay, YYYY-MM-DD.")
    threads = serializers.ListField(child=UUID(), required=False, max_length=50)


class DecisionSerializer(InputSerializer):
    decision = serializers.ChoiceField(choices=["approve", "refuse"])
    reason = _text()


class EndSerializer(InputSerializer):
    reason = _text()


class GuestOut(serializers.Serializer):
    id = serializers.IntegerField()
    room = serializers.UUIDField()
    network = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    organisation = serializers.CharField()
    purpose = serializers.CharField()
    ends_on = serializers.DateField()
    status = serializers.ChoiceField(choices=GuestStatus.choices)
    threads = serializers.ListField(child=serializers.UUIDField())
    sponsor = PersonRef()
    proposed_at = serializers.DateTimeField()
    decided_by = PersonRef(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField(allow_blank=True)
    user = PersonRef(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField(allow_blank=True)


@extend_schema(
    tags=["guests"], methods=["GET"], operation_id="room_guests_list", responses=GuestOut(many=True)
)
@extend_schema(
    tags=["guests"],
    methods=["POST"],
    operation_id="room_guests_propose",
    request=ProposeSerializer,
    responses={201: GuestOut},
)
@api_view(["GET", "POST"])
def room_guests(request, room_id):
    """GET: the room's guests and proposals (its owners). POST: an owner proposes a guest,
    who waits for a coordinator of the room's network."""
    room = room_access.get_room_for_member(request.user, room_id)
    if request.method == "POST":
        data = validated(ProposeSerializer, request.data)
        guest = actions.propose(
            room=room,
            sponsor=request.user,
            email=data.get("email"),
            name=data.get("name"),
            organisation=data.get("organisation"),
            purpose=data.get("purpose"),
            ends_on=data.get("ends_on"),
            threads=data.get("threads") or [],
        )
        return Response(display.guest_data(guest), status=201)
    if not access.manages_guests(request.user, room):
        raise actions.GuestError("forbidden", _("Only an owner of the room sees its guests."))
    return Response([display.guest_data(g) for g in access.guests_of_room(request.user, room)])


@extend_schema(tags=["guests"], operation_id="guests_list", responses=GuestOut(many=True))
@api_view(["GET"])
def guests(request):
    """The proposals and guests of the networks you coordinate, and those you proposed."""
    return Response([display.guest_data(g) for g in access.visible_guests(request)[:200]])


@extend_schema(
    tags=["guests"], operation_id="guests_decide", request=DecisionSerializer, responses=GuestOut
)
@api_view(["POST"])
def decision(request, guest_id):
    """A coordinator of the room's network approves or refuses (with a reason) a proposal."""
    guest = access.get_guest_to_decide(request, guest_id)
    data = validated(DecisionSerializer, request.data)
    decided = actions.decide(
        guest=guest,
        coordinator=request.user,
        approve=data["decision"] == "approve",
        reason=data.get("reason") or "",
    )
    return Response(display.guest_data(decided))


@extend_schema(
    tags=["guests"], operation_id="guests_end", request=EndSerializer, responses=GuestOut
)
@api_view(["POST"])
def end(request, guest_id):
    """An owner of the room or a coordinator of its network ends a proposal or a stay now."""
    guest = access.get_guest_to_end(request, guest_id)
    data = validated(EndSerializer, request.data)
    ended = actions.end(guest=guest, actor=request.user, reason=data.get("reason") or "")
    return Response(display.guest_data(ended))
