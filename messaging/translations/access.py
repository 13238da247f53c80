"""Who may see which translation request, and the one way a translator reads the item.

- The requester (while they can still read the room) and the room's readers see the request.
- Eligible translators — a declared pair matching the request (certified for court), active
  membership of a network shared with the requester (the room's network when it has one) —
  see open requests in their queue, with only the language pair, purpose, urgency, due date
  and size.
- The translator who claimed a request reads that one item, through
  `get_item_for_translator`, while the request is claimed, submitted or under revision, and
  while they stay eligible by network. Never the room, its thread or its other messages.

Unknown and forbidden requests look the same (UnknownRequest).
"""

import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from messaging import access as room_access
from messaging import crypto as room_crypto
from messaging.models import Attachment, Message
from messaging.translations import availability
from messaging.translations.models import TranslationRequest
from network.errors import DomainError
from network.languages.models import LanguagePair
from network.membership import active_network_ids
from network.models import Membership


class UnknownRequest(DomainError):
    """No translation request with that id that this user may see."""

    def __init__(self, request_id=None):
        super().__init__("unknown_request", _("No such translation request."))
        self.request_id = request_id


class Role:
    REQUESTER = "requester"
    ROOM_READER = "room_reader"
    TRANSLATOR = "translator"
    CANDIDATE = "candidate"


def _parse_id(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _pair_condition(user) -> Q | None:
    condition = None
    for pair in LanguagePair.objects.filter(user=user):
        match = Q(source_language=pair.source, target_language=pair.target)
        if not pair.is_verified:
            match &= Q(purpose=TranslationRequest.Purpose.INFORMATION)
        condition = match if condition is None else condition | match
    return condition


def _shared_network_condition(network_ids: set[int]) -> Q:
    """The requester is active in one of `network_ids`; in the room's network if it has one."""
    active = Membership.objects.active()
    requester_shares = Exists(
        active.filter(user_id=OuterRef("requester_id"), network_id__in=network_ids)
    )
    requester_in_room_network = Exists(
        active.filter(user_id=OuterRef("requester_id"), network_id=OuterRef("room__network_id"))
    )
    return requester_shares & (
        Q(room__network__isnull=True)
        | Q(room__network_id__in=network_ids) & requester_in_room_network
    )


def candidate_requests(user) -> QuerySet[TranslationRequest]:
    """Live requests `user` could translate: matching pair, shared network, not their own."""
    networks = active_network_ids(user)
    pairs = _pair_condition(user) if networks else None
    if pairs is None:
        return TranslationRequest.objects.none()
    return (
        TranslationRequest.objects.live()
        .filter(pairs)
        .filter(_shared_network_condition(networks))
        .exclude(requester=user)
    )


def queue_for(user) -> QuerySet[TranslationRequest]:
    """The open requests `user` may claim."""
    return candidate_requests(user).filter(status=TranslationRequest.Status.OPEN)


def shares_network(user, request: TranslationRequest) -> bool:
    networks = active_network_ids(user)
    return bool(networks) and (
        TranslationRequest.objects.filter(pk=request.pk)
        .filter(_shared_network_condition(networks))
        .exists()
    )


def matching_pair(user, request: TranslationRequest) -> LanguagePair | None:
    return (
        LanguagePair.objects.filter(user=user)
        .matching(request.source_language, request.target_language)
        .order_by("-certified", "-verified_until")
        .first()
    )


def eligible_translators(request: TranslationRequest) -> list:
    """Members who would see `request` in their queue (for the new-request notice)."""
    return list(
        availability.translators_for(
            requester=request.requester,
            room=request.room,
            source=request.source_language,
            target=request.target_language,
            certified=request.purpose == TranslationRequest.Purpose.FOR_COURT,
        )
    )


def translator_reads(user, request: TranslationRequest) -> bool:
    return (
        request.translator_id == user.pk
        and request.status in TranslationRequest.TRANSLATOR_READS
        and not original_deleted(request)
        and shares_network(user, request)
    )


def role_of(user, request: TranslationRequest) -> str | None:
    """How `user` relates to `request` now, or None (then they may not see it)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if translator_reads(user, request):
        return Role.TRANSLATOR
    original = request.message if request.message_id else request.attachment.message
    if room_access.can_read_message(user, original):
        return Role.REQUESTER if request.requester_id == user.pk else Role.ROOM_READER
    # An eligible translator sees the queue card of a live request (so a late claim gets a
    # clear "already claimed"), never more.
    if candidate_requests(user).filter(pk=request.pk).exists():
        return Role.CANDIDATE
    return None


def get_request_for_viewer(user, request_id) -> tuple[TranslationRequest, str]:
    """The request and the viewer's role in it; UnknownRequest if they may not see it."""
    parsed = _parse_id(request_id)
    request = (
        TranslationRequest.objects.select_related("room", "requester", "translator")
        .filter(pk=parsed)
        .first()
        if parsed
        else None
    )
    role = role_of(user, request) if request is not None else None
    if role is None:
        raise UnknownRequest(request_id)
    return request, role


@dataclass(frozen=True)
class TranslatorItem:
    """What a translator may read: the one item, with its handling code; nothing else."""

    request: TranslationRequest
    kind: str  # "message" or "attachment"
    text: str | None
    filename: str | None
    content_type: str | None
    content: bytes | None


def get_item_for_translator(user, request_id) -> TranslatorItem:
    """The item of a request `user` has claimed and still holds; else UnknownRequest."""
    parsed = _parse_id(request_id)
    request = (
        TranslationRequest.objects.select_related("message", "attachment").filter(pk=parsed).first()
        if parsed
        else None
    )
    if request is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise UnknownRequest(request_id)
    if not translator_reads(user, request):
        raise UnknownRequest(request_id)
    if request.message_id:
        return TranslatorItem(
            request, "message", room_crypto.open_body(request.message), None, None, None
        )
    attachment = request.attachment
    return TranslatorItem(
        request,
        "attachment",
        None,
        room_crypto.open_attachment_name(attachment),
        attachment.content_type,
        room_crypto.open_attachment(attachment),
    )


def original_deleted(request: TranslationRequest) -> bool:
    """Whether the provider deleted the original: then nobody reads it through the request."""
    message = request.message if request.message_id else request.attachment.message
    return message.deleted_at is not None


def readable_message(user, message_id) -> Message | None:
    parsed = _parse_id(message_id)
    if parsed is None:
        return None
    messages = Message.objects.filter(
        pk=parsed, room__in=room_access.readable_rooms(user), deleted_at__isnull=True
    )
    return room_access.visible_messages(user, messages).select_related("room").first()


def readable_attachment(user, attachment_id) -> Attachment | None:
    parsed = _parse_id(attachment_id)
    if parsed is None:
        return None
    found = (
        Attachment.objects.filter(
            pk=parsed, room__in=room_access.readable_rooms(user), message__deleted_at__isnull=True
        )
        .select_related("room", "message__thread")
        .first()
    )
    return found if found and room_access.can_read_message(user, found.message) else None
