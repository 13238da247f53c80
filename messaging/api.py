"""The REST API of messaging, for clients that cannot hold a WebSocket. Same rules, same
actions and the same error codes as the socket (docs/messaging.md lists the endpoints)."""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from messaging import access, actions, crypto, events, posting, roomlog
from messaging.api_serializers import (
    AttachmentOut,
    CheckpointOut,
    ConsistencyProof,
    ConsistencyQuerySerializer,
    CreatedRoom,
    EditInputSerializer,
    History,
    HistoryQuerySerializer,
    InclusionProof,
    MessageOut,
    ParticipantInputSerializer,
    ParticipantList,
    ReadInputSerializer,
    ReadMarkerOut,
    Receipt,
    RemovalQuerySerializer,
    RoomDetail,
    RoomInputSerializer,
    RoomList,
    SendInputSerializer,
    SizeQuerySerializer,
    TagQuerySerializer,
    ThreadInputSerializer,
    ThreadList,
    ThreadOut,
    ThreadReaderInputSerializer,
)
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
from network.api_input import validated, validated_query
from network.api_throttles import scoped
from network.models import Network

# The API speaks JSON objects described in docs/messaging.md.
upload_schema = extend_schema(
    request={
        "multipart/form-data": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    },
    responses={201: AttachmentOut},
)
download_schema = extend_schema(
    responses={(200, "*/*"): OpenApiTypes.BINARY},
    description="The file, with the content type it was stored with.",
)


def _bounded(value: int, name: str, high: int) -> int:
    """A validated integer that must also not pass the room's current head."""
    if value > high:
        raise MessagingError("invalid_field", f"{name} must be at most {high}", field=name)
    return value


# --- Serialisation -------------------------------------------------------------------------


def _thread_dict(thread: Thread) -> dict:
    return {
        "id": str(thread.pk),
        "room": str(thread.room_id),
        "title": thread.title,
        "tags": [tag.as_dict() for tag in thread.tags.all()],
        "created_at": thread.created_at.isoformat(),
        "restricted": thread.restricted,
        "victim_sensitive": thread.victim_sensitive,
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
    return [
        {
            "user": row.user_id,
            "name": row.user.display_name,
            "role": row.role,
            "capacity": row.capacity,
        }
        for row in rows
    ]


# --- Rooms ---------------------------------------------------------------------------------


@extend_schema(methods=["GET"], responses=RoomList)
@extend_schema(methods=["POST"], request=RoomInputSerializer, responses={201: CreatedRoom})
@api_view(["GET", "POST"])
def rooms(request):
    if request.method == "POST":
        return _create_room(request)
    user = request.user
    marker = ReadMarker.objects.filter(room=OuterRef("pk"), user=user).values("seq")[:1]
    message_marker = ReadMarker.objects.filter(room=OuterRef("room"), user=user).values("seq")
    unread = (
        access.visible_messages(
            user, Message.objects.filter(room=OuterRef("pk"), deleted_at__isnull=True)
        )
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
    data = validated(RoomInputSerializer, request.data)
    network = None
    if data.get("network"):
        network = Network.objects.filter(slug=data["network"]).first()
        if network is None:
            raise MessagingError("invalid_field", "no such network", field="network")
    room = actions.create_room(
        kind=data["kind"],
        creator=request.user,
        title=data.get("title") or "",
        network=network,
        participants=_users(data.get("participants") or []),
    )
    return Response(_room_dict(room, participants=_participants(room)), status=201)


def _users(ids: list[int]) -> list:
    found = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
    if len(found) != len(set(ids)):
        raise MessagingError("invalid_field", "an invited person is unknown", field="participants")
    return found


@extend_schema(operation_id="rooms_detail", responses=RoomDetail)
@api_view(["GET"])
def room_detail(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    threads = access.visible_threads(request.user, Thread.objects.filter(room=room))
    threads = threads.prefetch_related("tags")
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


@extend_schema(request=ParticipantInputSerializer, responses={201: ParticipantList})
@api_view(["POST"])
def participants(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    data = validated(ParticipantInputSerializer, request.data)
    (user,) = _users([data["user"]])
    actions.add_participant(
        room=room,
        user=user,
        added_by=request.user,
        role=data.get("role") or "participant",
        capacity=data.get("capacity"),
    )
    return Response({"participants": _participants(room)}, status=201)


@extend_schema(parameters=[RemovalQuerySerializer], responses={204: None})
@api_view(["DELETE"])
def participant(request, room_id, user_id):
    room = access.get_room_for_member(request.user, room_id)
    reason = validated_query(RemovalQuerySerializer, request).get("reason", "")
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise MessagingError("invalid_field", "this person is not a participant", field="user")
    actions.remove_participant(room=room, user=user, removed_by=request.user, reason=reason)
    return Response(status=204)


# --- Threads and case tags ---------------------------------------------------------------


@extend_schema(methods=["GET"], responses=ThreadList)
@extend_schema(methods=["POST"], request=ThreadInputSerializer, responses={201: ThreadOut})
@api_view(["GET", "POST"])
def threads(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    if request.method == "POST":
        data = validated(ThreadInputSerializer, request.data)
        thread = actions.create_thread(
            room=room,
            creator=request.user,
            title=data.get("title"),
            tags=data.get("tags"),
            restricted=data.get("restricted", False),
            victim_sensitive=data.get("victim_sensitive", False),
            readers=data.get("readers") or (),
        )
        return Response(_thread_dict(thread), status=201)
    rows = access.visible_threads(request.user, Thread.objects.filter(room=room))
    rows = rows.prefetch_related("tags")
    return Response({"threads": [_thread_dict(thread) for thread in rows]})


def _visible_thread(user, room: Room, thread_id) -> Thread:
    found = (
        access.visible_threads(user, Thread.objects.select_related("room"))
        .filter(room=room, pk=thread_id)
        .first()
    )
    if found is None:
        raise MessagingError("not_found", "no such thread in this room")
    return found


def _member(user_id):
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise MessagingError("invalid_field", "this person is not a participant", field="user")
    return user


@extend_schema(
    request=ThreadReaderInputSerializer,
    responses={201: inline_serializer("ThreadReaderAdded", {"user": serializers.IntegerField()})},
)
@api_view(["POST"])
def thread_readers(request, room_id, thread_id):
    """Name a participant a reader of a restricted thread (its creator or a room owner)."""
    room = access.get_room_for_member(request.user, room_id)
    thread = _visible_thread(request.user, room, thread_id)
    data = validated(ThreadReaderInputSerializer, request.data)
    actions.add_thread_reader(thread=thread, user=_member(data["user"]), added_by=request.user)
    return Response({"user": data["user"]}, status=201)


@extend_schema(
    responses=inline_serializer("ThreadReaderRemoved", {"epoch": serializers.IntegerField()})
)
@api_view(["DELETE"])
def thread_reader(request, room_id, thread_id, user_id):
    """End a reader's reading of a restricted thread; the room gets a new data key."""
    room = access.get_room_for_member(request.user, room_id)
    thread = _visible_thread(request.user, room, thread_id)
    epoch = actions.remove_thread_reader(
        thread=thread, user=_member(user_id), removed_by=request.user
    )
    return Response({"epoch": epoch})


@extend_schema(parameters=[TagQuerySerializer], responses=ThreadList)
@api_view(["GET"])
def tag_search(request):
    """Threads carrying a case tag, across every room the member may read."""
    wanted = validated_query(TagQuerySerializer, request)
    normalized = actions.normalize_tag(wanted["tag"])
    if not normalized:
        raise MessagingError("missing_field", "tag is required", field="tag")
    tags = CaseTag.objects.filter(normalized=normalized)
    state = wanted.get("state")
    if state:
        tags = tags.filter(kind=CaseTag.Kind.CASE_NUMBER, state=state.upper())
    rows = (
        access.readable_threads(request.user)
        .filter(Q(pk__in=tags.values("thread_id")))
        .prefetch_related("tags")
        .order_by("-created_at")
    )
    return Response({"threads": [_thread_dict(thread) for thread in rows]})


# --- History and messages -------------------------------------------------------------------


@extend_schema(parameters=[HistoryQuerySerializer], responses=History)
@api_view(["GET"])
def history(request, room_id):
    """Every event after `after` (default 0), at most `limit` (1-500, default 200)."""
    room = access.get_room_for_member(request.user, room_id)
    wanted = validated_query(HistoryQuerySerializer, request)
    after, limit = wanted["after"], wanted["limit"]
    rows = events.events_after(room.pk, after, limit, upto=room.head_seq)
    last = rows[-1].seq if rows else after
    return Response(
        {
            "room": str(room.pk),
            "head": room.head_seq,
            "events": events.dicts_for(rows, request.user.pk),
            "more": last < room.head_seq,
        }
    )


@extend_schema(
    request=SendInputSerializer,
    responses={200: Receipt, 201: Receipt},
    description="201 when stored; 200 when this client_id was stored before (nothing new).",
)
@scoped("message_post", "POST")
@api_view(["POST"])
def messages(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    data = validated(SendInputSerializer, request.data)
    result = posting.post_request(room, posting.SendRequest.from_payload(request.user, data))
    return Response(result.receipt(), status=200 if result.duplicate else 201)


def _message_in(room: Room, message_id, user) -> Message:
    """A message of `room` in a thread `user` may see (messaging/access.py)."""
    try:
        return access.visible_messages(user, Message.objects.select_related("room", "sender")).get(
            room=room, pk=uuid.UUID(str(message_id))
        )
    except (Message.DoesNotExist, ValueError) as exc:
        raise MessagingError("not_found", "no such message in this room") from exc


@extend_schema(methods=["DELETE"], responses={204: None})
@extend_schema(methods=["PATCH"], request=EditInputSerializer, responses=MessageOut)
@api_view(["PATCH", "DELETE"])
def message_detail(request, room_id, message_id):
    room = access.get_room_for_member(request.user, room_id)
    message = _message_in(room, message_id, request.user)
    if request.method == "DELETE":
        actions.delete_message(message=message, actor=request.user)
        return Response(status=204)
    body = validated(EditInputSerializer, request.data).get("body")
    message = actions.edit_message(message=message, editor=request.user, body=body)
    return Response(events.message_data(message, crypto.open_body(message)))


# --- Attachments -----------------------------------------------------------------------------


@upload_schema
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
def attachments(request, room_id, message_id):
    room = access.get_room_for_member(request.user, room_id)
    message = _message_in(room, message_id, request.user)
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
            "filename": crypto.open_attachment_name(attachment),
            "content_type": attachment.content_type,
            "size": attachment.size,
        },
        status=201,
    )


@download_schema
@api_view(["GET"])
def attachment_download(request, room_id, attachment_id):
    room = access.get_room_for_member(request.user, room_id)
    try:
        attachment = Attachment.objects.select_related("message__thread").get(
            room=room, pk=uuid.UUID(str(attachment_id))
        )
        if not access.can_read_message(request.user, attachment.message):
            raise Attachment.DoesNotExist
    except (Attachment.DoesNotExist, ValueError) as exc:
        raise MessagingError("not_found", "no such attachment in this room") from exc
    response = HttpResponse(
        crypto.open_attachment(attachment), content_type=attachment.content_type
    )
    response["Content-Disposition"] = content_disposition_header(
        True, crypto.open_attachment_name(attachment)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Read markers and the log -------------------------------------------------------------


@extend_schema(request=ReadInputSerializer, responses=ReadMarkerOut)
@api_view(["POST"])
def read_marker(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    seq = validated(ReadInputSerializer, request.data)["seq"]
    seq = actions.mark_read(room=room, user=request.user, seq=seq)
    return Response({"room": str(room.pk), "seq": seq})


@extend_schema(responses=CheckpointOut)
@api_view(["GET"])
def checkpoint(request, room_id):
    room = access.get_room_for_member(request.user, room_id)
    return Response(roomlog.signed_checkpoint(room))


@extend_schema(parameters=[ConsistencyQuerySerializer], responses=ConsistencyProof)
@api_view(["GET"])
def consistency_proof(request, room_id):
    """The proof that the tree of `from` leaves is a prefix of the tree of `to` (default: all)."""
    room = access.get_room_for_member(request.user, room_id)
    wanted = validated_query(ConsistencyQuerySerializer, request)
    if room.head_seq < 1:
        raise MessagingError("invalid_field", "the room's log is empty", field="from")
    new_size = _bounded(wanted.get("to", room.head_seq), "to", room.head_seq)
    old_size = _bounded(wanted.get("from", new_size), "from", new_size)
    return Response(roomlog.consistency(room, old_size, new_size))


@extend_schema(parameters=[SizeQuerySerializer], responses=InclusionProof)
@api_view(["GET"])
def inclusion_proof(request, room_id, seq):
    room = access.get_room_for_member(request.user, room_id)
    wanted = validated_query(SizeQuerySerializer, request)
    if room.head_seq < 1:
        raise MessagingError("invalid_field", "the room's log is empty", field="size")
    size = _bounded(wanted.get("size", room.head_seq), "size", room.head_seq)
    try:
        return Response(roomlog.inclusion(room, seq, size))
    except ProofError as exc:
        raise MessagingError("invalid_field", str(exc), field="seq") from exc
