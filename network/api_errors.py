"""How every refusal and failure becomes an answer.

Under /api/ every error is JSON of one shape, `{"error": {"code", "message", "field"?,
"fields"?}}` (docs/api.md): `exception_handler` (DRF's EXCEPTION_HANDLER) maps a DomainError,
a DRF exception or a Django one; `handler400/403/404/500` (the root URLconf's) and
`unknown_api_path` answer what never reached an API view. On pages, `DomainErrorMiddleware`
renders a DomainError nobody caught with its message and status.
"""

import logging

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    ValidationError,
)
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from network.errors import DomainError, error_body, status_for

logger = logging.getLogger("network.api")

API_PREFIX = "/api/"

# DRF's own codes, renamed where the protocol already has a name for the same thing.
DRF_CODES = {"parse_error": "bad_json", "error": "invalid_field"}


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(
    code: str, message: str, *, status: int | None = None, field: str | None = None
) -> JsonResponse:
    """The error shape as a plain Django response, for answers given outside DRF views."""
    return JsonResponse(error_body(code, message, field=field), status=status or status_for(code))


# --- DRF views ------------------------------------------------------------------------------


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception an API view raises, in the one shape."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.as_body(), status=exc.http_status)
    if isinstance(exc, ValidationError):
        set_rollback()
        return Response(_django_validation_body(exc), status=400)
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
        set_rollback()
        return Response(*_too_big(exc))
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = _drf_body(exc, response.data)
        return response
    set_rollback()
    request = context.get("request")
    logger.error(
        "unexpected error answering %s %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        exc_info=exc,
    )
    return Response(_server_error_body(), status=500)


def _server_error_body() -> dict:
    return error_body("server_error", _("Something went wrong on our side. Try again later."))


def _too_big(exc) -> tuple[dict, int]:
    if isinstance(exc, RequestDataTooBig):
        return error_body("request_too_large", _("The request body is too large.")), 413
    return error_body("invalid_field", _("The request has too many fields.")), 400


def _django_validation_body(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        name, messages = next(iter(fields.items()))
        field = None if name == "__all__" else name
        message = " ".join(messages) if field is None else f"{name}: {' '.join(messages)}"
        return error_body("invalid_field", message, field=field, fields=fields)
    return error_body("invalid_field", " ".join(str(m) for m in exc.messages))


def _drf_body(exc, data) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        return _serializer_errors_body(data)
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return error_body("not_found", _flat(data) or _("Not found."))
    if isinstance(exc, PermissionDenied):
        return error_body("permission_denied", _flat(data))
    code = exc.default_code if isinstance(exc, exceptions.APIException) else "invalid_field"
    if isinstance(exc, exceptions.Throttled):
        code = "throttled"
    return error_body(DRF_CODES.get(code, code), _flat(data))


def _flat(data) -> str:
    if isinstance(data, dict):
        return " ".join(_flat(value) for value in data.values())
    if isinstance(data, list):
        return " ".join(_flat(value) for value in data)
    return str(data)


def _serializer_errors_body(detail) -> dict:
    """A serializer's errors: the first field (in the order sent) is `field`; all in `fields`."""
    if not isinstance(detail, dict):
        return error_body(_first_code(detail), _flat(detail))
    fields = {name: _flat(errors) for name, errors in detail.items()}
    name, errors = next(iter(detail.items()))
    field = None if name in ("non_field_errors", "__all__") else name
    message = fields[name] if field is None else f"{name}: {fields[name]}"
    return error_body(_first_code(errors), message, field=field, fields=fields)


def _first_code(errors) -> str:
    while isinstance(errors, (list, dict)) and errors:
        errors = errors[0] if isinstance(errors, list) else next(iter(errors.values()))
    code = getattr(errors, "code", None)
    if code == "required":
        return "missing_field"
    if code in ("unknown_field", "bad_json"):
        return code
    return "invalid_field"


# --- Outside DRF views: the root URLconf's handlers and the /api/ catch-all -------------------


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def unknown_api_path(request, *args, **kwargs):
    """Any path under /api/ that no URL pattern serves: 404 once authenticated (a client
    that is not gets 401, as on every endpoint, and learns nothing of which paths exist)."""
    raise exceptions.NotFound(_("No such API endpoint."))


def handler400(request, exception=None):
    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent)):
        body, status = _too_big(exception)
        return JsonResponse(body, status=status)
    message = _("The request was refused.")
    if isinstance(exception, SuspiciousOperation):
        message = _("The request is malformed.")
    return json_error("invalid_field", message, status=400)


def handler403(request, exception=None):
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    return json_error("permission_denied", _("You may not do this."), status=403)


def handler404(request, exception=None):
    if not is_api(request):
        return defaults.page_not_found(request, exception)
    return json_error("not_found", _("Not found."), status=404)


def handler500(request):
    if not is_api(request):
        return defaults.server_error(request)
    return JsonResponse(_server_error_body(), status=500)


# --- Pages ----------------------------------------------------------------------------------


class DomainErrorMiddleware:
    """A DomainError that a page did not catch: its message, with its status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if is_api(request):
            return json_error(
                exception.code,
                exception.message,
                status=exception.http_status,
                field=exception.field,
            )
        return render(
            request,
            "domain_error.html",
            {"error": exception},
            status=exception.http_status,
        )
