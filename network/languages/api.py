from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from network.api_input import Boolean, InputSerializer, Text, validated
from network.languages import actions
from network.languages.models import LanguagePair


class LanguagePairSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()
    target = serializers.CharField()
    certified = serializers.BooleanField()
    declared_at = serializers.DateTimeField()


class DeclarePairSerializer(InputSerializer):
    source = Text(max_length=8, help_text="ISO 639-1 code of the language translated from.")
    target = Text(max_length=8, help_text="ISO 639-1 code of the language translated into.")
    certified = Boolean(required=False, default=False)


@extend_schema(
    tags=["language pairs"],
    methods=["GET"],
    responses=LanguagePairSerializer(many=True),
)
@extend_schema(
    tags=["language pairs"],
    methods=["POST"],
    request=DeclarePairSerializer,
    responses={201: LanguagePairSerializer},
)
@api_view(["GET", "POST"])
def pairs(request):
    """GET: your declared pairs. POST {source, target, certified}: declare one."""
    if request.method == "POST":
        wanted = validated(DeclarePairSerializer, request.data)
        pair = actions.declare_pair(user=request.user, **wanted)
        return Response(pair.as_dict(), status=201)
    return Response([pair.as_dict() for pair in LanguagePair.objects.filter(user=request.user)])


@extend_schema(tags=["language pairs"], request=None, responses={204: None})
@api_view(["DELETE"])
def pair(request, pair_id: int):
    actions.withdraw_pair(user=request.user, pair_id=pair_id)
    return Response(status=204)
