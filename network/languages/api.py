from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from network.languages import actions
from network.languages.models import LanguagePair


def error_response(error: actions.LanguagePairError) -> Response:
    return Response(
        {"code": error.code, "detail": error.message, "field": error.field}, status=error.status
    )


@extend_schema(tags=["language pairs"], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["GET", "POST"])
def pairs(request):
    """GET: your declared pairs. POST {source, target, certified}: declare one."""
    if request.method == "POST":
        if not isinstance(request.data, dict):
            return Response(
                {"code": "bad_request", "detail": "the body must be a JSON object"}, status=400
            )
        try:
            pair = actions.declare_pair(
                user=request.user,
                source=request.data.get("source"),
                target=request.data.get("target"),
                certified=request.data.get("certified", False),
            )
        except actions.LanguagePairError as error:
            return error_response(error)
        return Response(pair.as_dict(), status=201)
    return Response([pair.as_dict() for pair in LanguagePair.objects.filter(user=request.user)])


@extend_schema(tags=["language pairs"], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["DELETE"])
def pair(request, pair_id: int):
    try:
        actions.withdraw_pair(user=request.user, pair_id=pair_id)
    except actions.LanguagePairError as error:
        return error_response(error)
    return Response(status=204)
