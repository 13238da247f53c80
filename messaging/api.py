"""The REST API of messaging, for clients that cannot hold a WebSocket. Same rules, same
actions and the same error codes as the socket (docs/messaging.md lists the endpoints)."""

import functools
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from messaging import access, actions, crypto, events, posting, roomlog
from messaging.access import UnknownRoom
from messaging.errors import MessagingError
from messaging.merkle import ProofError
from messaging.models import (
    Attachment,
    CaseTag,
    Message,
    ReadMarker,
    Room,
    RoomParticipant,
    Thread,
)
from network.models import Network

STATUS = {
    "bad_json": 400,
    "missing_field": 400,
    "invalid_field": 400,
    "body_too_large": 413,
    "file_too_large": 413,
    "unsupported_file_type": 415,
    "unknown_room": 404,
    "not_found": 404,
    "forbidden": 403,
    "client_id_conflict": 409,
}


# The API speaks JSON objects described in docs/messaging.md.
json_schema = extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
upload_schema = extend_schema(
    request={
        "multipart/form-data": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    },
    responses=OpenApiTypes.OBJECT,
)
download_schema = extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})


def _error(code: str, message: str, field: str | None = None) -> Response:
    return Response({"code": code, "message": message, "field": field}, status=STATUS[code])


def messaging_errors(view):
    """Answer MessagingError and UnknownRoom with the protocol's code and an HTTP status."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MessagingError as error:
            return _error(error.code, error.message, error.field)
        except UnknownRoom:
            return _error("unknown_room", "no such room")
        except ParseError as error:
            return _error("bad_json", str(error.detail))

    return wrapper


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise MessagingError("invalid_field", "the request body is a JSON object")
    return request.data


# --- Serialisation -------------------------------------------------------------------------


def _thread_dict(thread: Thread) -> dict:
    return {
        "id": str(thread.pk),
        "room": str(thread.room_id),
        "title": thread.title,
        "tags": [tag.as_dict() for tag in thread.tags.all()],
        "created_at": thread.created_at.isoformat(),
    }


def _room_dict(room: Room, **extra) -> dict:
    return {
        "id": str(room.pk),
        "kind": room.kind,
        "title": room.title,
        "network": room.network.slug if room.network_id else None,
        "head": room.head_seq,
        "created_at": room.created_at.isoformat(),
        **extra,
    }


def _participants(room: Room) -> list[dict]:
    rows = RoomParticipant.objects.current().filter(room=room).select_related("user")
    return [{"user": row.user_id, "name": row.user.display_name, "role": row.role} for row in rows]


# --- Rooms ---------------------------------------------------------------------------------


@json_schema
@api_view(["GET", "POST"])
@messaging_errors
def rooms(request):
    if request.method == "POST":
        return _create_room(request)
    user = request.user
    marker = ReadMarker.objects.filter(room=OuterRef("pk"), user=user).values("seq")[:1]
    message_marker = ReadMarker.objects.filter(room=OuterRef("room"), user=user).values("seq")
    unread = (
        Message.objects.filter(room=OuterRef("pk"), deleted_at__isnull=True)
        .exclude(sender=user)
        .filter(seq__gt=Coalesce(Subquery(message_marker[:1]), Value(0)))
        .values("room")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = (
        access.readable_rooms(user)
        .select_related("network")
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            read_seq=Coalesce(Subquery(marker), Value(0)),
        )
        .order_by("-created_at")
    )
    return Response(
        {"rooms": [_room_dict(room, unread=room.unread, read=room.read_seq) for room in rows]}
    )


def _create_room(request) -> Response:
    data = _body(request)
    network = None
    if data.get("network") not in (None, ""):
        network = Network.objects.filter(slug=str(data["network"])).first()
        if network is None:
            raise MessagingError("invalid_field", "no such network", field="network")
    room = actions.create_room(
        kind=data.get("kind") or "",
        creator=request.user,
        title=data.get("title") or "",
        network=network,
        participants=_users(data.get("participants") or []),
    )
    return Response(_room_dict(room, participants=_participants(room)), status=201)


def _users(ids) -> list:
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise MessagingError(
            "invalid_field", "participants is a list of user ids", field="participants"
        )
    found = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
    if len(found) != len(set(ids)):
        raise MessagingError("invalid_field", "an invited person is unknown", field="participants")
    return found


@extend_schema(operation_id="rooms_detail", responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@messaging_errors
def room_detail(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    threads = Thread.objects.filter(room=room).prefetch_related("tags")
    marker = ReadMarker.objects.filter(room=room, user=request.user).first()
    return Response(
        _room_dict(
            room,
            participants=_participants(room),
            threads=[_thread_dict(thread) for thread in threads],
            read=marker.seq if marker else 0,
            owner=access.is_owner(request.user, room),
        )
    )


@json_schema
@api_view(["POST"])
@messaging_errors
def participants(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    data = _body(request)
    (user,) = _users([data.get("user")]) if data.get("user") is not None else (None,)
    if user is None:
        raise MessagingError("missing_field", "user is required", field="user")
    actions.add_participant(
        room=room, user=user, added_by=request.user, role=data.get("role") or "participant"
    )
    return Response({"participants": _participants(room)}, status=201)


@json_schema
@api_view(["DELETE"])
@messaging_errors
def participant(request, room_id, user_id):
    room = access.get_room_for_member(request.user, room_id)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise MessagingError("invalid_field", "this person is not a participant", field="user")
    reason = request.query_params.get("reason", "")
    actions.remove_participant(room=room, user=user, removed_by=request.user, reason=reason)
    return Response(status=204)


# --- Threads and case tags ---------------------------------------------------------------


@json_schema
@api_view(["GET", "POST"])
@messaging_errors
def threads(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    if request.method == "POST":
        data = _body(request)
        thread = actions.create_thread(
            room=room, creator=request.user, title=data.get("title"), tags=data.get("tags")
        )
        return Response(_thread_dict(thread), status=201)
    rows = Thread.objects.filter(room=room).prefetch_related("tags")
    return Response({"threads": [_thread_dict(thread) for thread in rows]})


@json_schema
@api_view(["GET"])
@messaging_errors
def tag_search(request):
    """Threads carrying a case tag, across every room the member may read."""
    value = request.query_params.get("tag", "")
    normalized = actions.normalize_tag(value)
    if not normalized:
        raise MessagingError("missing_field", "tag is required", field="tag")
    tags = CaseTag.objects.filter(normalized=normalized)
    state = request.query_params.get("state")
    if state:
        tags = tags.filter(kind=CaseTag.Kind.CASE_NUMBER, state=state.upper())
    rows = (
        Thread.objects.filter(room__in=access.readable_rooms(request.user))
        .filter(Q(pk__in=tags.values("thread_id")))
        .prefetch_related("tags")
        .order_by("-created_at")
    )
    return Response({"threads": [_thread_dict(thread) for thread in rows]})


# --- History and messages -------------------------------------------------------------------


def _int_param(request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise MessagingError("invalid_field", f"{name} must be an integer", field=name) from exc
    if value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise MessagingError("invalid_field", f"{name} must be {limit}", field=name)
    return value


@json_schema
@api_view(["GET"])
@messaging_errors
def history(request, room_id):
    """Every event after `after` (default 0), at most `limit` (1-500, default 200)."""
    room = access.get_room_for_member(request.user, room_id)
    after = _int_param(request, "after", 0, 0, None)
    limit = _int_param(request, "limit", 200, 1, events.HISTORY_LIMIT_MAX)
    rows = events.events_after(room.pk, after, limit, upto=room.head_seq)
    last = rows[-1].seq if rows else after
    return Response(
        {
            "room": str(room.pk),
            "head": room.head_seq,
            "events": [events.event_dict(row) for row in rows],
            "more": last < room.head_seq,
        }
    )


@json_schema
@api_view(["POST"])
@messaging_errors
def messages(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    data = _body(request)
    result = posting.post_request(room, posting.SendRequest.from_payload(request.user, data))
    return Response(result.receipt(), status=200 if result.duplicate else 201)


def _message_in(room: Room, message_id) -> Message:
    try:
        return Message.objects.select_related("room", "sender").get(
            room=room, pk=uuid.UUID(str(message_id))
        )
    except (Message.DoesNotExist, ValueError) as exc:
        raise MessagingError("not_found", "no such message in this room") from exc


@json_schema
@api_view(["PATCH", "DELETE"])
@messaging_errors
def message_detail(request, room_id, message_id):
    room = access.get_room_for_member(request.user, room_id)
    message = _message_in(room, message_id)
    if request.method == "DELETE":
        actions.delete_message(message=message, actor=request.user)
        return Response(status=204)
    message = actions.edit_message(
        message=message, editor=request.user, body=_body(request).get("body")
    )
    return Response(events.message_data(message, crypto.open_body(message)))


# --- Attachments -----------------------------------------------------------------------------


@upload_schema
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
@messaging_errors
def attachments(request, room_id, message_id):
    room = access.get_room_for_member(request.user, room_id)
    message = _message_in(room, message_id)
    upload = request.FILES.get("file")
    if upload is None:
        raise MessagingError("missing_field", "file is required", field="file")
    if upload.size > settings.COUNTERPART_ATTACHMENT_MAX_BYTES:
        raise MessagingError(
            "file_too_large",
            f"the file is over {settings.COUNTERPART_ATTACHMENT_MAX_BYTES} bytes",
            field="file",
        )
    attachment = actions.add_attachment(
        message=message, uploader=request.user, filename=upload.name, content=upload.read()
    )
    return Response(
        {
            "id": str(attachment.pk),
            "message": str(message.pk),
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "size": attachment.size,
        },
        status=201,
    )


@download_schema
@api_view(["GET"])
@messaging_errors
def attachment_download(request, room_id, attachment_id):
    room = access.get_room_for_member(request.user, room_id)
    try:
        attachment = Attachment.objects.get(room=room, pk=uuid.UUID(str(attachment_id)))
    except (Attachment.DoesNotExist, ValueError):
        return _error("not_found", "no such attachment in this room")
    response = HttpResponse(
        crypto.open_attachment(attachment), content_type=attachment.content_type
    )
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Read markers and the log -------------------------------------------------------------


@json_schema
@api_view(["POST"])
@messaging_errors
def read_marker(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    seq = actions.mark_read(room=room, user=request.user, seq=_body(request).get("seq"))
    return Response({"room": str(room.pk), "seq": seq})


@json_schema
@api_view(["GET"])
@messaging_errors
def checkpoint(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    return Response(roomlog.signed_checkpoint(room))


@json_schema
@api_view(["GET"])
@messaging_errors
def consistency_proof(request, room_id):
    """The proof that the tree of `from` leaves is a prefix of the tree of `to` (default: all)."""
    room = access.get_room_for_member(request.user, room_id)
    if room.head_seq < 1:
        raise MessagingError("invalid_field", "the room's log is empty", field="from")
    new_size = _int_param(request, "to", room.head_seq, 1, room.head_seq)
    old_size = _int_param(request, "from", new_size, 1, new_size)
    return Response(roomlog.consistency(room, old_size, new_size))


@json_schema
@api_view(["GET"])
@messaging_errors
def inclusion_proof(request, room_id, seq):
    room = access.get_room_for_member(request.user, room_id)
    size = _int_param(request, "size", room.head_seq, 1, room.head_seq)
    try:
        return Response(roomlog.inclusion(room, seq, size))
    except ProofError as exc:
        raise MessagingError("invalid_field", str(exc), field="seq") from exc
