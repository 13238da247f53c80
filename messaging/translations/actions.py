"""Every write of the translation workflow.

Each action validates, locks the request row (`select_for_update`) and checks its status on
the locked row, writes the change and its `TranslationEvent` and audit entry in one
transaction, and notifies after commit. A refused action raises `TranslationError` and
changes nothing.

    awaiting_permission ──provider grants──> open; ──provider refuses──> cancelled
    open ──claim──> claimed ──submit──> submitted ──accept──> accepted
      ^               │  ^                  │
      └───release─────┘  └──submit── revision_requested <──request_revision
    cancel (requester): open, claimed, revision_requested → cancelled
    withdraw (the original deleted): open, claimed, revision_requested → cancelled
    reassign (room owner): open, claimed, revision_requested → claimed (another translator)
"""

import datetime
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging import access as room_access
from messaging import crypto as room_crypto
from messaging.disclosure import actions as disclosure_actions
from messaging.disclosure import rule as disclosure_rule
from messaging.models import Attachment, Message, RoomEvent
from messaging.room_writes import append_event, finish_write, lock_room
from messaging.text import TextRefused, clean_text
from messaging.translations import access, availability, notifications
from messaging.translations import crypto as translation_crypto
from messaging.translations.detect import detect_language
from messaging.translations.models import Notification, TranslationEvent, TranslationRequest
from network.audit import log as audit
from network.errors import DomainError
from network.iso import language_name
from network.languages.actions import LanguagePairError, language_code

NOTE_MAX = 2000
WITHDRAWN_NOTE = "The original was deleted by its sender."
Status = TranslationRequest.Status
Action = TranslationEvent.Action
CANCELLABLE = (
    Status.AWAITING_PERMISSION,
    Status.OPEN,
    Status.CLAIMED,
    Status.REVISION_REQUESTED,
)


class TranslationError(DomainError):
    """A refused request: `code` names the reason; its HTTP status follows from it."""


def _invalid(field: str, message: str) -> TranslationError:
    return TranslationError("invalid_field", message, field=field)


def _text(value, field: str, *, max_length: int, required: bool = False) -> str:
    try:
        return clean_text(value, field, max_length=max_length, required=required)
    except TextRefused as refused:
        raise TranslationError(refused.code, refused.message, field=field) from refused


def _language(value, field: str) -> str:
    try:
        return language_code(value, field)
    except LanguagePairError as error:
        raise TranslationError(error.code, error.message, field=field) from error


def _choice(value, field: str, choices, default=None) -> str:
    if value in (None, "") and default is not None:
        return default
    if value not in choices.values:
        raise _invalid(
            field,
            _("%(field)s must be one of: %(choices)s")
            % {"field": field, "choices": ", ".join(choices.values)},
        )
    return value


def _due_date(value) -> datetime.date:
    if value in (None, ""):
        raise TranslationError("missing_field", _("due_date is required"), field="due_date")
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value))
        except ValueError as exc:
            raise _invalid("due_date", _("due_date must be a date (YYYY-MM-DD)")) from exc
    if value < timezone.localdate():
        raise TranslationError("due_in_past", _("the due date is in the past"), field="due_date")
    return value


def _original_of(*, requester, message, attachment) -> tuple[Message | None, Attachment | None]:
    if (message is None) == (attachment is None):
        raise TranslationError(
            "missing_field", _("name exactly one message or one attachment"), field="item"
        )
    if message is not None:
        found = access.readable_message(requester, getattr(message, "pk", message))
        if found is None:
            raise TranslationError("unknown_item", _("no such message"), field="message")
        return found, None
    found = access.readable_attachment(requester, getattr(attachment, "pk", attachment))
    if found is None:
        raise TranslationError("unknown_item", _("no such attachment"), field="attachment")
    return None, found


def _source_language(value, *, message, attachment) -> tuple[str, bool]:
    if value not in (None, ""):
        return _language(value, "source_language"), False
    text = room_crypto.open_body(message) if message is not None else _attachment_text(attachment)
    detected = detect_language(text) if text else None
    if detected is None:
        raise TranslationError(
            "source_language_undetected",
            _("the source language could not be detected; choose it"),
            field="source_language",
        )
    return detected, True


def _attachment_text(attachment: Attachment) -> str | None:
    if not attachment.content_type.startswith("text/"):
        return None
    try:
        return room_crypto.open_attachment(attachment).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _record(request, *, action, actor, from_status, note: str = "") -> TranslationEvent:
    event = TranslationEvent(
        id=uuid.uuid4(),
        request=request,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=request.status,
        translator=request.translator,
    )
    if note:
        event.note_ciphertext = translation_crypto.seal_event_note(event, request, note)
    event.save(force_insert=True)
    audit.record(
        f"translations.{action}",
        actor=actor,
        target=request,
        details={
            "from": from_status,
            "to": request.status,
            "translator": request.translator_id,
        },
    )
    return event


def check_availability(
    *, requester, target_language, purpose, message=None, attachment=None, source_language=None
) -> availability.Availability:
    """Whether a request with these fields could be served, validated as `request_translation`
    validates them; nothing is written."""
    message, attachment = _original_of(requester=requester, message=message, attachment=attachment)
    target = _language(target_language, "target_language")
    source, _detected = _source_language(source_language, message=message, attachment=attachment)
    purpose = _choice(purpose, "purpose", TranslationRequest.Purpose)
    room = (message or attachment.message).room
    return availability.availability(
        requester=requester, room=room, source=source, target=target, purpose=purpose
    )


def request_translation(
    *,
    requester,
    target_language,
    purpose,
    due_date,
    message=None,
    attachment=None,
    source_language=None,
    urgency=None,
    note: str | None = "",
) -> TranslationRequest:
    """Ask for a message or an attachment the requester can read to be translated."""
    message, attachment = _original_of(requester=requester, message=message, attachment=attachment)
    target = _language(target_language, "target_language")
    source, detected = _source_language(source_language, message=message, attachment=attachment)
    if source == target:
        raise TranslationError(
            "same_language",
            _("the source and target languages are the same"),
            field="target_language",
        )
    purpose = _choice(purpose, "purpose", TranslationRequest.Purpose)
    urgency = _choice(urgency, "urgency", TranslationRequest.Urgency, default="routine")
    due = _due_date(due_date)
    note = _text(note, "note", max_length=NOTE_MAX)
    original = message or attachment.message
    room = original.room
    # A translator outside the room: H1/H2/H3 items of another member's wait for that
    # member's permission (messaging/disclosure/rule.py).
    decision = disclosure_rule.may_pass(
        requester, original, purpose=disclosure_rule.Purpose.TRANSLATION, recipients=None
    )
    if decision.code == "capacity_limited":
        raise TranslationError(decision.code, str(decision.reason), field="item")
    if decision.code == "permission_refused":
        raise TranslationError(decision.code, decision.reason, field="item")
    with transaction.atomic():
        permission = None
        if not decision.allowed:
            permission = decision.permission or disclosure_actions.ask_permission(
                requester=requester,
                message=original,
                purpose=disclosure_rule.Purpose.TRANSLATION,
                outside=True,
                reason=_("translation into %(language)s") % {"language": language_name(target)},
            )
        request = TranslationRequest(
            id=uuid.uuid4(),
            room=room,
            message=message,
            attachment=attachment,
            requester=requester,
            source_language=source,
            source_detected=detected,
            target_language=target,
            purpose=purpose,
            urgency=urgency,
            due_date=due,
            size=len(room_crypto.open_body(message)) if message else attachment.size,
            handling_code=original.handling_code,
            handling_note=original.handling_note,
            key_epoch=room.key_epoch,
            permission=permission,
            status=Status.OPEN if permission is None else Status.AWAITING_PERMISSION,
        )
        if note:
            request.note_ciphertext = translation_crypto.seal_request_field(request, "note", note)
        request.save(force_insert=True)
        _record(request, action=Action.REQUESTED, actor=requester, from_status="")
        if permission is None:
            _offer(request)
    return request


def _offer(request: TranslationRequest) -> None:
    """Tell the eligible translators of an open request, or the coordinators if none."""
    translators = access.eligible_translators(request)
    notifications.notify(
        recipients=translators, kind=Notification.Kind.NEW_REQUEST, request=request
    )
    if not translators:  # nobody can take it (for court: nobody certified)
        notifications.notify(
            recipients=availability.coordinators_to_tell(request),
            kind=Notification.Kind.UNSERVED,
            request=request,
        )


def permission_answered(*, permission, actor) -> int:
    """The provider answered: the requests that waited for `permission` open (and are offered
    to translators) or, refused, are cancelled with the provider's reason. In the answer's
    transaction; returns how many changed."""
    changed = 0
    waiting = TranslationRequest.objects.filter(
        permission=permission, status=Status.AWAITING_PERMISSION
    )
    for request in waiting.order_by("pk"):
        locked = _lock(request)
        if locked.status != Status.AWAITING_PERMISSION:
            continue
        if permission.answer == permission.Answer.GRANTED:
            locked.status = Status.OPEN
            _save(locked, "status")
            _record(
                locked, action=Action.PERMITTED, actor=actor, from_status=Status.AWAITING_PERMISSION
            )
            _offer(locked)
        else:
            _cancel(locked, actor=actor, note=permission.answer_note)
        changed += 1
    return changed


# --- Transitions -----------------------------------------------------------------------------


def _lock(request: TranslationRequest) -> TranslationRequest:
    # Only the request row: the room row is what message posting locks.
    return (
        TranslationRequest.objects.select_for_update(of=("self",))
        .select_related("room")
        .get(pk=request.pk)
    )


def _lock_with_room(request: TranslationRequest):
    """The room row, then the request row: the order a message deletion takes (it locks the
    room, then withdraws the requests of the message). For the transitions that change what
    is shown beside the original, which the room's live pages learn by a room event."""
    room = lock_room(request.room)
    return room, _lock(request)


def _announce(room, locked: TranslationRequest, actor) -> None:
    """A `translation.changed` event of the room: its live pages fetch the message again."""
    original = locked.message or locked.attachment.message
    event = append_event(
        room,
        kind=RoomEvent.Kind.TRANSLATION_CHANGED,
        actor=actor,
        details={
            "request": str(locked.pk),
            "message": str(original.pk),
            "status": locked.status,
            **room_access.restricted_mark(original.thread),
        },
    )
    finish_write(room, event)


# Why a request in another status refuses an action ("cannot accept a request that is
# claimed"), a sentence per action so that each language can build its own.
REFUSED_TRANSITIONS = {
    "claim": gettext_lazy("cannot claim a request that is %(status)s"),
    "release": gettext_lazy("cannot release a request that is %(status)s"),
    "edit": gettext_lazy("cannot edit a request that is %(status)s"),
    "submit": gettext_lazy("cannot submit a request that is %(status)s"),
    "request a revision of": gettext_lazy(
        "cannot request a revision of a request that is %(status)s"
    ),
    "accept": gettext_lazy("cannot accept a request that is %(status)s"),
    "cancel": gettext_lazy("cannot cancel a request that is %(status)s"),
    "reassign": gettext_lazy("cannot reassign a request that is %(status)s"),
}


def _require_status(locked: TranslationRequest, allowed, verb: str) -> None:
    if locked.status not in allowed:
        raise TranslationError(
            "invalid_transition",
            REFUSED_TRANSITIONS[verb] % {"status": locked.get_status_display()},
        )


def _require_requester(request: TranslationRequest, user) -> None:
    if request.requester_id != user.pk or not room_access.can_read(user, request.room):
        raise TranslationError("forbidden", _("only the requester may do this"))


def _require_translator(request: TranslationRequest, user) -> None:
    if request.translator_id != user.pk:
        raise TranslationError("not_translator", _("you have not claimed this request"))
    if not access.shares_network(user, request):
        raise TranslationError(
            "not_eligible",
            _("you are no longer an active member of a shared network"),
        )


def _eligibility(user, request: TranslationRequest) -> bool:
    """Check `user` may translate `request`; returns whether their pair is certified."""
    if user.pk == request.requester_id:
        raise TranslationError("forbidden", _("you cannot translate your own request"))
    pair = access.matching_pair(user, request)
    if pair is None:
        raise TranslationError(
            "no_language_pair",
            _("you have not declared %(source)s → %(target)s")
            % {
                "source": language_name(request.source_language),
                "target": language_name(request.target_language),
            },
        )
    if request.purpose == TranslationRequest.Purpose.FOR_COURT and not pair.is_verified:
        raise TranslationError(
            "certification_required",
            _(
                "a request for court needs a certified translator whose certification for "
                "this pair a coordinator has verified and which has not expired"
            ),
        )
    if not access.shares_network(user, request):
        raise TranslationError("not_eligible", _("you share no active network with the requester"))
    return pair.is_verified


def _save(request: TranslationRequest, *fields: str) -> None:
    request.updated_at = timezone.now()
    request.save(update_fields=[*fields, "updated_at"])


def claim_request(*, request: TranslationRequest, translator) -> TranslationRequest:
    """Take an open request. Of concurrent claims exactly one wins; the others get 409."""
    certified = _eligibility(translator, request)
    with transaction.atomic():
        locked = _lock(request)
        if locked.status != Status.OPEN:
            raise TranslationError(
                "already_claimed" if locked.translator_id else "invalid_transition",
                _("this request was already claimed")
                if locked.translator_id
                else REFUSED_TRANSITIONS["claim"] % {"status": locked.get_status_display()},
            )
        locked.status = Status.CLAIMED
        locked.translator = translator
        locked.translator_certified = certified
        _save(locked, "status", "translator", "translator_certified")
        _record(locked, action=Action.CLAIMED, actor=translator, from_status=Status.OPEN)
        notifications.notify(
            recipients=[locked.requester], kind=Notification.Kind.CLAIMED, request=locked
        )
    return locked


def release_request(
    *, request: TranslationRequest, translator, note: str = ""
) -> TranslationRequest:
    """Give a claimed request back to the queue."""
    note = _text(note, "note", max_length=NOTE_MAX)
    with transaction.atomic():
        locked = _lock(request)
        if locked.translator_id != translator.pk:
            raise TranslationError("not_translator", _("you have not claimed this request"))
        _require_status(locked, (Status.CLAIMED, Status.REVISION_REQUESTED), "release")
        previous = locked.status
        locked.status = Status.OPEN
        locked.translator = None
        locked.translator_certified = False
        _save(locked, "status", "translator", "translator_certified")
        _record(locked, action=Action.RELEASED, actor=translator, from_status=previous, note=note)
    return locked


def save_draft(*, request: TranslationRequest, translator, text) -> TranslationRequest:
    """Store the work in progress (encrypted) without submitting it."""
    text = _text(text, "text", max_length=settings.COUNTERPART_MESSAGE_MAX_CHARS * 4)
    with transaction.atomic():
        locked = _lock(request)
        _require_translator(locked, translator)
        _require_status(locked, (Status.CLAIMED, Status.REVISION_REQUESTED), "edit")
        locked.translation_ciphertext = translation_crypto.seal_request_field(
            locked, "translation", text
        )
        _save(locked, "translation_ciphertext")
    return locked


def submit_translation(*, request: TranslationRequest, translator, text) -> TranslationRequest:
    """Hand the translation to the requester for review."""
    text = _text(text, "text", max_length=settings.COUNTERPART_MESSAGE_MAX_CHARS * 4, required=True)
    with transaction.atomic():
        room, locked = _lock_with_room(request)
        _require_translator(locked, translator)
        _require_status(locked, (Status.CLAIMED, Status.REVISION_REQUESTED), "submit")
        previous = locked.status
        locked.status = Status.SUBMITTED
        locked.translation_ciphertext = translation_crypto.seal_request_field(
            locked, "translation", text
        )
        _save(locked, "status", "translation_ciphertext")
        _record(locked, action=Action.SUBMITTED, actor=translator, from_status=previous)
        notifications.notify(
            recipients=[locked.requester], kind=Notification.Kind.SUBMITTED, request=locked
        )
        _announce(room, locked, translator)
    return locked


def request_revision(*, request: TranslationRequest, requester, note) -> TranslationRequest:
    """Send a submitted translation back to its translator, saying what to change."""
    note = _text(note, "note", max_length=NOTE_MAX, required=True)
    with transaction.atomic():
        room, locked = _lock_with_room(request)
        _require_requester(locked, requester)
        _require_status(locked, (Status.SUBMITTED,), "request a revision of")
        locked.status = Status.REVISION_REQUESTED
        _save(locked, "status")
        _record(
            locked,
            action=Action.REVISION_REQUESTED,
            actor=requester,
            from_status=Status.SUBMITTED,
            note=note,
        )
        notifications.notify(
            recipients=[locked.translator],
            kind=Notification.Kind.REVISION_REQUESTED,
            request=locked,
        )
        _announce(room, locked, requester)
    return locked


def accept_translation(*, request: TranslationRequest, requester) -> TranslationRequest:
    """Accept the submitted translation; the translator's access to the item ends."""
    with transaction.atomic():
        room, locked = _lock_with_room(request)
        _require_requester(locked, requester)
        _require_status(locked, (Status.SUBMITTED,), "accept")
        locked.status = Status.ACCEPTED
        _save(locked, "status")
        _record(locked, action=Action.ACCEPTED, actor=requester, from_status=Status.SUBMITTED)
        notifications.notify(
            recipients=[locked.translator], kind=Notification.Kind.ACCEPTED, request=locked
        )
        _announce(room, locked, requester)
    return locked


def cancel_request(*, request: TranslationRequest, requester, note: str = "") -> TranslationRequest:
    note = _text(note, "note", max_length=NOTE_MAX)
    with transaction.atomic():
        locked = _lock(request)
        _require_requester(locked, requester)
        _require_status(locked, CANCELLABLE, "cancel")
        _cancel(locked, actor=requester, note=note)
    return locked


def withdraw_requests_of_deleted(*, message: Message, actor) -> int:
    """Cancel the live requests (open, claimed, revision requested) of a message, or of its
    files, that its sender has just deleted: nobody can read the original through them any
    more. In the caller's transaction; returns how many were withdrawn."""
    live = TranslationRequest.objects.filter(
        Q(message=message) | Q(attachment__message=message),
        status__in=CANCELLABLE,
    )
    withdrawn = 0
    for request in live.order_by("pk"):
        locked = _lock(request)
        if locked.status in CANCELLABLE:
            _cancel(locked, actor=actor, note=WITHDRAWN_NOTE)
            withdrawn += 1
    return withdrawn


def _cancel(locked: TranslationRequest, *, actor, note: str) -> None:
    """Cancel a live request; its translator, if any, is told."""
    previous = locked.status
    locked.status = Status.CANCELLED
    _save(locked, "status")
    _record(locked, action=Action.CANCELLED, actor=actor, from_status=previous, note=note)
    if locked.translator_id is not None and locked.translator_id != actor.pk:
        notifications.notify(
            recipients=[locked.translator], kind=Notification.Kind.CANCELLED, request=locked
        )


def reassign_request(
    *, request: TranslationRequest, owner, translator, note: str = ""
) -> TranslationRequest:
    """The room owner hands the request to another eligible translator."""
    note = _text(note, "note", max_length=NOTE_MAX)
    if not room_access.can_read(owner, request.room) or not room_access.is_owner(
        owner, request.room
    ):
        raise TranslationError("forbidden", _("only the room owner may reassign"))
    if translator is None:
        raise TranslationError("missing_field", _("translator is required"), field="translator")
    certified = _eligibility(translator, request)
    with transaction.atomic():
        locked = _lock(request)
        _require_status(
            locked, (Status.OPEN, Status.CLAIMED, Status.REVISION_REQUESTED), "reassign"
        )
        if locked.translator_id == translator.pk:
            raise TranslationError(
                "invalid_transition", _("this translator already holds the request")
            )
        previous = locked.status
        locked.status = Status.CLAIMED
        locked.translator = translator
        locked.translator_certified = certified
        _save(locked, "status", "translator", "translator_certified")
        _record(locked, action=Action.REASSIGNED, actor=owner, from_status=previous, note=note)
        notifications.notify(
            recipients=[translator], kind=Notification.Kind.REASSIGNED, request=locked
        )
    return locked


def flag_overdue(*, today: datetime.date | None = None) -> int:
    """Flag live requests past their due date, notifying requester and translator once."""
    today = today or timezone.localdate()
    flagged = 0
    candidates = TranslationRequest.objects.overdue(today).filter(overdue_flagged_at__isnull=True)
    for request_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            locked = (
                TranslationRequest.objects.select_for_update(of=("self",))
                .select_related("requester", "translator")
                .get(pk=request_id)
            )
            if locked.overdue_flagged_at is not None or not locked.is_overdue(today):
                continue
            locked.overdue_flagged_at = timezone.now()
            locked.save(update_fields=["overdue_flagged_at"])
            _record(locked, action=Action.OVERDUE, actor=None, from_status=locked.status)
            notifications.notify(
                recipients=[locked.requester, locked.translator],
                kind=Notification.Kind.OVERDUE,
                request=locked,
            )
            flagged += 1
    return flagged


def release_ineligible_claims(*, translator) -> int:
    """Put back in the queue the claimed requests of a translator who no longer shares an
    active network with the requester (suspended, revoked, expired, account disabled).
    A submitted translation stays for the requester to review."""
    released = 0
    held = TranslationRequest.objects.filter(
        translator=translator, status__in=(Status.CLAIMED, Status.REVISION_REQUESTED)
    )
    for request in held:
        if translator.is_active and access.shares_network(translator, request):
            continue
        with transaction.atomic():
            locked = _lock(request)
            if locked.translator_id != translator.pk or locked.status not in (
                Status.CLAIMED,
                Status.REVISION_REQUESTED,
            ):
                continue
            previous = locked.status
            locked.status = Status.OPEN
            locked.translator = None
            locked.translator_certified = False
            _save(locked, "status", "translator", "translator_certified")
            _record(
                locked,
                action=Action.RELEASED,
                actor=None,
                from_status=previous,
                note="The translator is no longer an active member of a shared network.",
            )
        released += 1
    return released


HANDED_OVER = (
    Status.AWAITING_PERMISSION,
    Status.OPEN,
    Status.CLAIMED,
    Status.SUBMITTED,
    Status.REVISION_REQUESTED,
)


def hand_over_requests(*, network, outgoing, successor, actor) -> tuple[int, int]:
    """A focal point's handover (`network.signals.seat_replaced`, docs/trust.md): the open
    requests the outgoing member asked for in the network's rooms become the successor's to
    follow, and the ones the outgoing member holds as translator go back to the queue. Each
    move is a step of the request's history. Returns (moved, released)."""
    moved = released = 0
    with transaction.atomic():
        asked = TranslationRequest.objects.filter(
            room__network=network, requester=outgoing, status__in=HANDED_OVER
        )
        for request in asked:
            locked = _lock(request)
            locked.requester = successor
            _save(locked, "requester")
            _record(
                locked,
                action=Action.REASSIGNED,
                actor=actor,
                from_status=locked.status,
                note="Handed over to the successor of the requester's seat.",
            )
            moved += 1
        held = TranslationRequest.objects.filter(
            room__network=network,
            translator=outgoing,
            status__in=(Status.CLAIMED, Status.REVISION_REQUESTED),
        )
        for request in held:
            locked = _lock(request)
            previous = locked.status
            locked.status = Status.OPEN
            locked.translator = None
            locked.translator_certified = False
            _save(locked, "status", "translator", "translator_certified")
            _record(
                locked,
                action=Action.RELEASED,
                actor=actor,
                from_status=previous,
                note="The translator's seat was handed over to a successor.",
            )
            released += 1
    return moved, released
