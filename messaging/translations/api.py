"""/api/v1/translations/: the same workflow as the pages, as JSON."""

import base64

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging.translations import access, actions, display, notifications
from messaging.translations.access import Role, UnknownRequest
from messaging.translations.models import Notification, TranslationRequest
from network.accounts.models import User


def _error(error: actions.TranslationError) -> Response:
    return Response(
        {"code": error.code, "detail": error.message, "field": error.field}, status=error.status
    )


def _not_an_object() -> Response:
    return Response({"code": "bad_request", "detail": "the body must be a JSON object"}, 400)


def _unknown() -> Response:
    return Response({"code": "unknown_request", "detail": "no such translation request"}, 404)


def _for_role(request: TranslationRequest, role: str) -> dict:
    if role == Role.CANDIDATE:
        return display.queue_card(request)
    return display.request_detail(request)


@extend_schema(tags=["translations"], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["GET", "POST"])
def requests(request):
    """GET ?message=<id> or ?attachment=<id>: translations shown beside that original.
    GET: your requests. POST: request a translation."""
    if request.method == "POST":
        return _create(request)
    if "message" in request.query_params or "attachment" in request.query_params:
        return _translations_of(request)
    mine = TranslationRequest.objects.filter(requester=request.user).select_related(
        "requester", "translator"
    )
    return Response([display.request_summary(item) for item in mine])


def _create(request) -> Response:
    data = request.data
    if not isinstance(data, dict):
        return _not_an_object()
    try:
        created = actions.request_translation(
            requester=request.user,
            message=data.get("message") or None,
            attachment=data.get("attachment") or None,
            source_language=data.get("source_language"),
            target_language=data.get("target_language"),
            purpose=data.get("purpose"),
            urgency=data.get("urgency"),
            due_date=data.get("due_date"),
            note=data.get("note", ""),
        )
    except actions.TranslationError as error:
        return _error(error)
    return Response(display.request_detail(created), status=201)


def _translations_of(request) -> Response:
    message_id = request.query_params.get("message")
    if message_id:
        message = access.readable_message(request.user, message_id)
    else:
        attachment = access.readable_attachment(request.user, request.query_params["attachment"])
        message = attachment.message if attachment else None
    if message is None:
        return Response({"code": "unknown_item", "detail": "no such message or attachment"}, 404)
    shown = display.translations_for_messages([message], request.user).get(str(message.pk), [])
    wanted = request.query_params.get("attachment")
    return Response(
        [item.as_dict() for item in shown if not wanted or item.attachment_id == wanted]
    )


@extend_schema(tags=["translations"], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def board(request):
    """Your requests, your queue, your claimed work."""
    user = request.user
    mine = TranslationRequest.objects.filter(requester=user).select_related(
        "requester", "translator"
    )
    claimed = TranslationRequest.objects.filter(
        translator=user, status__in=TranslationRequest.TRANSLATOR_READS
    ).select_related("requester", "translator")
    return Response(
        {
            "requests": [display.request_summary(item) for item in mine],
            "queue": [display.queue_card(item) for item in access.queue_for(user)],
            "claimed": [display.request_summary(item) for item in claimed],
        }
    )


@extend_schema(tags=["translations"], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def queue(request):
    return Response([display.queue_card(item) for item in access.queue_for(request.user)])


@extend_schema(
    tags=["translations"],
    operation_id="translations_detail",
    request=OpenApiTypes.OBJECT,
    responses=OpenApiTypes.OBJECT,
)
@api_view(["GET"])
def detail(request, request_id):
    try:
        found, role = access.get_request_for_viewer(request.user, request_id)
    except UnknownRequest:
        return _unknown()
    return Response({"role": role, **_for_role(found, role)})


@extend_schema(tags=["translations"], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def item(request, request_id):
    """The item to translate, for the translator who holds the request."""
    try:
        found = access.get_item_for_translator(request.user, request_id)
    except UnknownRequest:
        return _unknown()
    body = {
        "request": str(found.request.pk),
        "kind": found.kind,
        "handling_code": found.request.handling_code,
        "handling_note": found.request.handling_note,
    }
    if found.kind == "message":
        body["text"] = found.text
    else:
        body.update(
            filename=found.filename,
            content_type=found.content_type,
            content_base64=base64.b64encode(found.content).decode(),
        )
    return Response(body)


def _reassign(found, user, data):
    translator = User.objects.filter(pk=_int(data.get("translator")), is_active=True).first()
    if translator is None:
        raise actions.TranslationError("invalid_field", "no such translator", field="translator")
    return actions.reassign_request(
        request=found, owner=user, translator=translator, note=data.get("note", "")
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


TRANSITIONS = {
    "claim": lambda found, user, data: actions.claim_request(request=found, translator=user),
    "release": lambda found, user, data: actions.release_request(
        request=found, translator=user, note=data.get("note", "")
    ),
    "draft": lambda found, user, data: actions.save_draft(
        request=found, translator=user, text=data.get("text")
    ),
    "submit": lambda found, user, data: actions.submit_translation(
        request=found, translator=user, text=data.get("text")
    ),
    "revision": lambda found, user, data: actions.request_revision(
        request=found, requester=user, note=data.get("note")
    ),
    "accept": lambda found, user, data: actions.accept_translation(request=found, requester=user),
    "cancel": lambda found, user, data: actions.cancel_request(
        request=found, requester=user, note=data.get("note", "")
    ),
    "reassign": _reassign,
}


@extend_schema(
    tags=["translations"],
    operation_id="translations_transition",
    request=OpenApiTypes.OBJECT,
    responses=OpenApiTypes.OBJECT,
)
@api_view(["POST"])
def transition(request, request_id, action: str):
    """POST .../<claim|release|draft|submit|revision|accept|cancel|reassign>/"""
    if action not in TRANSITIONS:
        return Response({"code": "unknown_action", "detail": f"no action {action!r}"}, 404)
    if not isinstance(request.data, dict):
        return _not_an_object()
    try:
        found, _role = access.get_request_for_viewer(request.user, request_id)
    except UnknownRequest:
        return _unknown()
    try:
        changed = TRANSITIONS[action](found, request.user, request.data)
    except actions.TranslationError as error:
        return _error(error)
    role = access.role_of(request.user, changed)
    if role is None:  # the action ended the caller's access (e.g. released)
        return Response({"id": str(changed.pk), "status": changed.status})
    return Response({"role": role, **_for_role(changed, role)})


@extend_schema(tags=["translations"], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def notification_list(request):
    rows = Notification.objects.filter(recipient=request.user).select_related("request")
    if request.query_params.get("unread") == "1":
        rows = rows.unread()
    return Response([row.as_dict() for row in rows[:200]])


@extend_schema(tags=["translations"], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def notification_read(request, notification_id: int):
    try:
        row = notifications.mark_read(user=request.user, notification_id=notification_id)
    except LookupError:
        return Response({"code": "unknown_notification", "detail": "no such notification"}, 404)
    return Response(row.as_dict())


@extend_schema(tags=["translations"], request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def notifications_read_all(request):
    return Response({"marked": notifications.mark_all_read(user=request.user)})
