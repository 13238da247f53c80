"""What each viewer is shown of a request. The queue card is an allow-list of fields."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from messaging import access as room_access
from messaging import crypto as room_crypto
from messaging.disclosure import display as disclosure_display
from messaging.translations import availability
from messaging.translations import crypto as translation_crypto
from messaging.translations.models import TranslationRequest
from network.languages.actions import certification_of
from network.languages.models import Certification, LanguagePair

QUEUE_FIELDS = (
    "id",
    "source_language",
    "target_language",
    "purpose",
    "urgency",
    "due_date",
    "size",
    "size_unit",
)


def queue_card(request: TranslationRequest) -> dict:
    """The only fields an eligible translator sees before claiming."""
    return {
        "id": str(request.pk),
        "source_language": request.source_language,
        "target_language": request.target_language,
        "purpose": request.purpose,
        "urgency": request.urgency,
        "due_date": request.due_date.isoformat(),
        "size": request.size,
        "size_unit": request.size_unit,
    }


def certifications_for(requests) -> dict:
    """The translator's certification for each request's pair, keyed by request id, in one
    query: verified (unexpired) or self-declared or none, as `certification_of` answers."""
    requests = [request for request in requests if request.translator_id]
    if not requests:
        return {}
    pairs = {
        (pair.user_id, pair.source, pair.target): pair.certification()
        for pair in LanguagePair.objects.filter(
            user_id__in={request.translator_id for request in requests}
        ).select_related("verified_by")
    }
    none = Certification(Certification.NONE)
    return {
        request.pk: pairs.get(
            (request.translator_id, request.source_language, request.target_language), none
        )
        for request in requests
    }


def _certification(request: TranslationRequest, certifications: dict | None) -> Certification:
    if not request.translator_id:
        return Certification(Certification.NONE)
    if certifications is not None and request.pk in certifications:
        return certifications[request.pk]
    return certification_of(request.translator, request.source_language, request.target_language)


def request_summary(request: TranslationRequest, certifications: dict | None = None) -> dict:
    """For the requester, the room's readers and the translator: no texts. The translator's
    certification is read now: an expired or withdrawn verification reads self-declared."""
    certification = _certification(request, certifications)
    return {
        **queue_card(request),
        "status": request.status,
        "item": request.item_kind,
        "message": str(request.message_id) if request.message_id else None,
        "attachment": str(request.attachment_id) if request.attachment_id else None,
        "source_detected": request.source_detected,
        "requester": {"id": request.requester_id, "name": request.requester.display_name},
        "translator": (
            {"id": request.translator_id, "name": request.translator.display_name}
            if request.translator_id
            else None
        ),
        "translator_certified": certification.verified,
        "translator_certification": certification.as_dict(),
        "handling_code": request.handling_code,
        "handling_note": request.handling_note,
        "overdue": request.is_overdue(),
        "created_at": request.created_at.isoformat(),
        "updated_at": request.updated_at.isoformat(),
    }


def request_detail(request: TranslationRequest) -> dict:
    """Everything, with the note and translation decrypted: for those who may read them.
    While the request is open, `availability` says whether anyone can take it."""
    return {
        **request_summary(request),
        "availability": (
            availability.of_request(request).as_dict()
            if request.status == TranslationRequest.Status.OPEN
            else None
        ),
        # While it waits for the provider of the item (or after the provider answered).
        "waiting_for": disclosure_display.waiting_for(request.permission),
        "note": translation_crypto.open_request_field(request, "note", request.note_ciphertext),
        "translation": translation_crypto.open_request_field(
            request, "translation", request.translation_ciphertext
        ),
        "events": [
            {
                "action": event.action,
                "actor": event.actor.display_name if event.actor_id else None,
                "from": event.from_status,
                "to": event.to_status,
                "note": translation_crypto.open_event_note(event, request),
                "at": event.occurred_at.isoformat(),
            }
            for event in request.events.select_related("actor")
        ],
    }


@dataclass(frozen=True)
class ShownTranslation:
    """A translation as shown beside its original."""

    request_id: str
    message_id: str
    attachment_id: str | None
    filename: str | None
    source_language: str
    target_language: str
    text: str
    status: str
    translator_name: str
    certified: bool
    certification: str
    certified_until: object
    handling_code: str
    handling_note: str
    handling_label: str

    def as_dict(self) -> dict:
        return {
            "request": self.request_id,
            "message": self.message_id,
            "attachment": self.attachment_id,
            "filename": self.filename,
            "source_language": self.source_language,
            "target_language": self.target_language,
            "text": self.text,
            "status": self.status,
            "is_translation": True,
            "translator": self.translator_name,
            "certified": self.certified,
            "certification": self.certification,
            "certified_until": self.certified_until.isoformat() if self.certified_until else None,
            "handling_code": self.handling_code,
            "handling_note": self.handling_note,
        }


SHOWN_STATUSES = (TranslationRequest.Status.SUBMITTED, TranslationRequest.Status.ACCEPTED)


def translations_for_messages(messages, viewer) -> dict[str, list[ShownTranslation]]:
    """Submitted and accepted translations of `messages` (and of their attachments), keyed by
    message id, limited to the rooms `viewer` may read."""
    message_ids = [message.pk for message in messages]
    if not message_ids:
        return {}
    rooms = room_access.readable_rooms(viewer)
    requests = (
        TranslationRequest.objects.filter(status__in=SHOWN_STATUSES, room__in=rooms)
        .filter(Q(message_id__in=message_ids) | Q(attachment__message_id__in=message_ids))
        .filter(message__deleted_at__isnull=True, attachment__message__deleted_at__isnull=True)
        .select_related("translator", "attachment")
        .order_by("created_at")
    )
    shown: dict[str, list[ShownTranslation]] = defaultdict(list)
    requests = list(requests)
    certifications = certifications_for(requests)
    for request in requests:
        certification = certifications[request.pk]
        message_id = str(request.message_id or request.attachment.message_id)
        shown[message_id].append(
            ShownTranslation(
                request_id=str(request.pk),
                message_id=message_id,
                attachment_id=str(request.attachment_id) if request.attachment_id else None,
                filename=room_crypto.open_attachment_name(request.attachment)
                if request.attachment_id
                else None,
                source_language=request.source_language,
                target_language=request.target_language,
                text=translation_crypto.open_request_field(
                    request, "translation", request.translation_ciphertext
                ),
                status=request.status,
                translator_name=request.translator.display_name,
                certified=certification.verified,
                certification=certification.status,
                certified_until=certification.verified_until,
                handling_code=request.handling_code,
                handling_note=request.handling_note,
                handling_label=request.get_handling_code_display(),
            )
        )
    return dict(shown)
