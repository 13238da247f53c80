"""GET /api/v1/translations/availability/: before submitting, whether a translation request
could be served (messaging/translations/availability.py), with the reason in words."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging.translations import actions
from messaging.translations.api import _error


@extend_schema(tags=["translations"], responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def translation_availability(request):
    """?message=<id> or ?attachment=<id>, target_language, purpose, optional
    source_language (detected from the item when left out)."""
    params = request.query_params
    try:
        found = actions.check_availability(
            requester=request.user,
            message=params.get("message") or None,
            attachment=params.get("attachment") or None,
            source_language=params.get("source_language") or None,
            target_language=params.get("target_language"),
            purpose=params.get("purpose"),
        )
    except actions.TranslationError as error:
        return _error(error)
    return Response(found.as_dict())
