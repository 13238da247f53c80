"""/api/v1/translations/: the same workflow as the pages, as JSON."""

import base64

from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from messaging.translations import access, actions, display, notifications
from messaging.translations.access import Role
from messaging.translations.api_serializers import (
    Board,
    NotificationOut,
    QueueCard,
    RequestDetail,
    RequestView,
    TranslatorItem,
)
from messaging.translations.models import Notification, TranslationRequest
from network.accounts.models import User
from network.api_input import (
    UUID,
    InputSerializer,
    Integer,
    QuerySerializer,
    Text,
    validated,
    validated_query,
)
from network.api_throttles import scoped
from network.errors import DomainError

OBJECT_LIST = OpenApiResponse(build_array_type(build_basic_type(OpenApiTypes.OBJECT)))


def _optional_text(**kwargs):
    """Text the action checks itself (its own codes): null and blank reach it as given."""
    kwargs.setdefault("max_length", None)
    return Text(required=False, allow_null=True, allow_blank=True, **kwargs)


class RequestTranslationSerializer(InputSerializer):
    message = UUID(required=False, allow_null=True)
    attachment = UUID(required=False, allow_null=True)
    source_language = _optional_text(max_length=8)
    target_language = _optional_text(max_length=8)
    purpose = _optional_text(max_length=40)
    urgency = _optional_text(max_length=40)
    due_date = _optional_text(max_length=40, help_text="YYYY-MM-DD")
    note = _optional_text()


class OriginalQuerySerializer(QuerySerializer):
    message = serializers.UUIDField(required=False)
    attachment = serializers.UUIDField(required=False)


class NoInputSerializer(InputSerializer):
    pass


class TransitionSerializer(InputSerializer):
    """The fields of every transition: each takes those it needs (note; text for draft and
    submit; translator for reassign) and ignores the others."""

    note = _optional_text()
    text = _optional_text()
    translator = Integer(required=False, allow_null=True, min_value=1)


class NotificationQuerySerializer(QuerySerializer):
    unread = serializers.ChoiceField(choices=["0", "1"], required=False)


def _for_role(request: TranslationRequest, role: str) -> dict:
    if role == Role.CANDIDATE:
        return display.queue_card(request)
    return display.request_detail(request)


@extend_schema(
    tags=["translations"],
    methods=["GET"],
    parameters=[OriginalQuerySerializer],
    responses=OBJECT_LIST,
)
@extend_schema(
    tags=["translations"],
    methods=["POST"],
    request=RequestTranslationSerializer,
    responses={201: RequestDetail},
)
@scoped("translation_request", "POST")
@api_view(["GET", "POST"])
def requests(request):
    """GET ?message=<id> or ?attachment=<id>: translations shown beside that original.
    GET: your requests. POST: request a translation."""
    if request.method == "POST":
        return _create(request)
    originals = validated_query(OriginalQuerySerializer, request)
    if originals:
        return _translations_of(request, originals)
    mine = TranslationRequest.objects.filter(requester=request.user).select_related(
        "requester", "translator"
    )
    mine = list(mine)
    certifications = display.certifications_for(mine)
    return Response([display.request_summary(item, certifications) for item in mine])


def _create(request) -> Response:
    data = validated(RequestTranslationSerializer, request.data)
    created = actions.request_translation(
        requester=request.user,
        message=data.get("message"),
        attachment=data.get("attachment"),
        source_language=data.get("source_language"),
        target_language=data.get("target_language"),
        purpose=data.get("purpose"),
        urgency=data.get("urgency"),
        due_date=data.get("due_date"),
        note=data.get("note") or "",
    )
    return Response(display.request_detail(created), status=201)


def _translations_of(request, originals: dict) -> Response:
    if originals.get("message"):
        message = access.readable_message(request.user, originals["message"])
    else:
        attachment = access.readable_attachment(request.user, originals["attachment"])
        message = attachment.message if attachment else None
    if message is None:
        raise DomainError("unknown_item", "no such message or attachment")
    shown = display.translations_for_messages([message], request.user).get(str(message.pk), [])
    wanted = str(originals["attachment"]) if originals.get("attachment") else None
    return Response(
        [item.as_dict() for item in shown if not wanted or item.attachment_id == wanted]
    )


@extend_schema(tags=["translations"], responses=Board)
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
    mine, claimed = list(mine), list(claimed)
    certifications = display.certifications_for(mine + claimed)
    return Response(
        {
            "requests": [display.request_summary(item, certifications) for item in mine],
            "queue": [display.queue_card(item) for item in access.queue_for(user)],
            "claimed": [display.request_summary(item, certifications) for item in claimed],
        }
    )


@extend_schema(tags=["translations"], responses=QueueCard(many=True))
@api_view(["GET"])
def queue(request):
    return Response([display.queue_card(item) for item in access.queue_for(request.user)])


@extend_schema(
    tags=["translations"],
    operation_id="translations_detail",
    responses=RequestView,
)
@api_view(["GET"])
def detail(request, request_id):
    found, role = access.get_request_for_viewer(request.user, request_id)
    return Response({"role": role, **_for_role(found, role)})


@extend_schema(tags=["translations"], responses=TranslatorItem)
@api_view(["GET"])
def item(request, request_id):
    """The item to translate, for the translator who holds the request."""
    found = access.get_item_for_translator(request.user, request_id)
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
    if data.get("translator") is None:
        raise actions.TranslationError(
            "missing_field", "translator is required", field="translator"
        )
    translator = User.objects.filter(pk=data["translator"], is_active=True).first()
    if translator is None:
        raise actions.TranslationError("invalid_field", "no such translator", field="translator")
    return actions.reassign_request(
        request=found, owner=user, translator=translator, note=data.get("note") or ""
    )


TRANSITIONS = {
    "claim": lambda found, user, data: actions.claim_request(request=found, translator=user),
    "release": lambda found, user, data: actions.release_request(
        request=found, translator=user, note=data.get("note") or ""
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
        request=found, requester=user, note=data.get("note") or ""
    ),
    "reassign": _reassign,
}


@extend_schema(
    tags=["translations"],
    operation_id="translations_transition",
    request=TransitionSerializer,
    responses=RequestView,
)
@api_view(["POST"])
def transition(request, request_id, action: str):
    """POST .../<claim|release|draft|submit|revision|accept|cancel|reassign>/ with the
    fields that transition takes (note; text for draft and submit; translator for reassign)."""
    if action not in TRANSITIONS:
        raise DomainError("unknown_action", f"no action {action[:40]!r}")
    found, _role = access.get_request_for_viewer(request.user, request_id)
    data = validated(TransitionSerializer, request.data)
    changed = TRANSITIONS[action](found, request.user, data)
    role = access.role_of(request.user, changed)
    if role is None:  # the action ended the caller's access (e.g. released)
        return Response({"id": str(changed.pk), "status": changed.status})
    return Response({"role": role, **_for_role(changed, role)})


@extend_schema(
    tags=["translations"],
    parameters=[NotificationQuerySerializer],
    responses=NotificationOut(many=True),
)
@api_view(["GET"])
def notification_list(request):
    wanted = validated_query(NotificationQuerySerializer, request)
    rows = Notification.objects.filter(recipient=request.user).select_related("request")
    if wanted.get("unread") == "1":
        rows = rows.unread()
    return Response([row.as_dict() for row in rows[:200]])


@extend_schema(tags=["translations"], request=None, responses=NotificationOut)
@api_view(["POST"])
def notification_read(request, notification_id: int):
    validated(NoInputSerializer, request.data)
    try:
        row = notifications.mark_read(user=request.user, notification_id=notification_id)
    except LookupError as exc:
        raise DomainError("unknown_notification", "no such notification") from exc
    return Response(row.as_dict())


@extend_schema(
    tags=["translations"],
    request=None,
    responses=inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()}),
)
@api_view(["POST"])
def notifications_read_all(request):
    validated(NoInputSerializer, request.data)
    return Response({"marked": notifications.mark_all_read(user=request.user)})
