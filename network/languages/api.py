from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from network.api_input import Boolean, InputSerializer, Text, validated
from network.errors import DomainError
from network.languages import actions
from network.languages.models import LanguagePair


class CertificationSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text="verified (by a coordinator, unexpired), self-declared or none."
    )
    verified_until = serializers.DateField(allow_null=True)
    verified_by = serializers.CharField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)


class LanguagePairSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()
    target = serializers.CharField()
    certified = serializers.BooleanField(help_text="The member's own statement.")
    declared_at = serializers.DateTimeField()
    evidence = serializers.CharField(
        allow_null=True, help_text="The content type of the uploaded evidence, if any."
    )
    certification = CertificationSerializer()


class PairToVerifySerializer(LanguagePairSerializer):
    translator = inline_serializer(
        "PairTranslator", {"id": serializers.IntegerField(), "name": serializers.CharField()}
    )


class DeclarePairSerializer(InputSerializer):
    source = Text(max_length=8, help_text="ISO 639-1 code of the language translated from.")
    target = Text(max_length=8, help_text="ISO 639-1 code of the language translated into.")
    certified = Boolean(required=False, default=False)


class VerifySerializer(InputSerializer):
    expires = Text(max_length=10, help_text="Last day the verification holds (YYYY-MM-DD).")


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
    mine = LanguagePair.objects.filter(user=request.user).select_related("verified_by")
    return Response([pair.as_dict() for pair in mine])


@extend_schema(tags=["language pairs"], request=None, responses={204: None})
@api_view(["DELETE"])
def pair(request, pair_id: int):
    actions.withdraw_pair(user=request.user, pair_id=pair_id)
    return Response(status=204)


@extend_schema(
    tags=["language pairs"],
    request={
        "multipart/form-data": inline_serializer(
            "PairEvidence", {"evidence": serializers.FileField()}
        )
    },
    responses={201: LanguagePairSerializer},
)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
def evidence(request, pair_id: int):
    """Upload evidence (PDF, PNG or JPEG) for one of your certified pairs, as `evidence`.
    It replaces earlier evidence and ends any verification."""
    content = actions.read_upload(request.FILES.get("evidence"))
    pair = actions.upload_evidence(user=request.user, pair_id=pair_id, content=content)
    return Response(pair.as_dict(), status=201)


def _to_verify(pair: LanguagePair) -> dict:
    return {**pair.as_dict(), "translator": {"id": pair.user_id, "name": pair.user.display_name}}


@extend_schema(tags=["language pairs"], responses=PairToVerifySerializer(many=True))
@api_view(["GET"])
def verifications(request):
    """Coordinators: the certified pairs with evidence of members of your networks."""
    if not actions.is_coordinator_anywhere(request.user):
        raise DomainError("not_coordinator", _("Only coordinators verify certifications."))
    return Response([_to_verify(p) for p in actions.awaiting_verification(request.user)])


@extend_schema(
    tags=["language pairs"],
    methods=["POST"],
    request=VerifySerializer,
    responses=PairToVerifySerializer,
)
@extend_schema(
    tags=["language pairs"], methods=["DELETE"], request=None, responses=PairToVerifySerializer
)
@api_view(["POST", "DELETE"])
def verification(request, pair_id: int):
    """POST {expires}: verify the pair against its evidence until that date. DELETE: withdraw
    the verification. Coordinators of a network the translator belongs to only."""
    if request.method == "DELETE":
        pair = actions.withdraw_verification(coordinator=request.user, pair_id=pair_id)
    else:
        wanted = validated(VerifySerializer, request.data)
        pair = actions.verify_pair(
            coordinator=request.user, pair_id=pair_id, expires=wanted["expires"]
        )
    return Response(_to_verify(pair))
