"""Asking a provider's permission to pass an item on, and the provider's one answer.

Both are recorded as events of the room's log (`disclosure.requested`,
`disclosure.answered`: ids and codes only, nothing of the item) and in the audit log; the
room's live pages learn of them as `event` frames. A refused action raises `DisclosureError`
and writes nothing.
"""

import uuid

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging import access
from messaging.disclosure import rule
from messaging.disclosure.models import ItemReadGrant, PermissionRequest
from messaging.models import Message, RoomEvent, RoomParticipant
from messaging.room_writes import append_event, finish_write, lock_room
from messaging.text import TextRefused, clean_text
from network.audit import log as audit
from network.errors import DomainError

NOTE_MAX = 500

# Sent inside the transaction of an answer: what waited for it (a translation request)
# goes, or ends, in the same commit. `permission_answered(sender=PermissionRequest,
# permission, actor)`.
permission_answered = Signal()


class DisclosureError(DomainError):
    """A refused ask or answer: `code` names the reason; its HTTP status follows from it."""


class UnknownPermission(DisclosureError):
    def __init__(self):
        super().__init__("unknown_permission", _("no such permission request"))


def _text(value, field: str, *, required: bool = False) -> str:
    try:
        return clean_text(value, field, max_length=NOTE_MAX, required=required)
    except TextRefused as refused:
        raise DisclosureError(refused.code, refused.message, field=field) from refused


def _purpose(value) -> str:
    if value not in PermissionRequest.Purpose.values:
        raise DisclosureError(
            "invalid_field",
            _("purpose must be one of: %(choices)s")
            % {"choices": ", ".join(PermissionRequest.Purpose.values)},
            field="purpose",
        )
    return value


def _recipients(message: Message, recipients) -> list[int]:
    """Named recipients: members who could read the room (participants of it, or readers
    of another room the item would be quoted into, are named by the path that asks)."""
    if recipients in (None, ""):
        return []
    if not isinstance(recipients, list | tuple | set):
        raise DisclosureError(
            "invalid_field", _("recipients must be a list of member ids"), field="recipients"
        )
    ids = []
    for value in recipients:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DisclosureError(
                "invalid_field", _("recipients must be a list of member ids"), field="recipients"
            )
        ids.append(value)
    return sorted(set(ids))


def _record(room, *, kind, actor, permission: PermissionRequest) -> None:
    event = append_event(
        room,
        kind=kind,
        actor=actor,
        details={
            "permission": str(permission.pk),
            "message": str(permission.message_id),
            "provider": permission.provider_id,
            "requester": permission.requester_id,
            "purpose": permission.purpose,
            "answer": permission.answer or None,
            **access.restricted_mark(permission.message.thread),
        },
    )
    finish_write(room, event)


def ask_permission(
    *, requester, message, purpose, recipients=None, outside: bool = False, reason: str = ""
) -> PermissionRequest:
    """Ask the provider of `message` for permission to pass it on for `purpose` to
    `recipients` (member ids) and, if `outside`, to people outside the room. A pending
    request for the same item, purpose and recipients is returned as it is."""
    purpose = _purpose(purpose)
    reason = _text(reason, "reason")
    found = access.readable_message(requester, getattr(message, "pk", message))
    if found is None:
        raise DisclosureError("unknown_item", _("no such message"), field="message")
    message = found
    ids = _recipients(message, recipients)
    if purpose == PermissionRequest.Purpose.READ:
        ids = _limited_readers_to_be(message, ids)
        outside = False
    if not ids and not outside:
        raise DisclosureError(
            "missing_field",
            _("name the recipients, or say the item leaves the room"),
            field="recipients",
        )
    if not rule.needs_provider(message, requester):
        raise DisclosureError(
            "permission_not_needed",
            _("this item needs no permission to be passed on: it is yours, or it is H0"),
            field="message",
        )
    wanted = None if outside else set(ids)
    decision = rule.may_pass(requester, message, purpose=purpose, recipients=wanted)
    if decision.code == "permission_pending":
        return decision.permission
    with transaction.atomic():
        room = lock_room(message.room)
        permission = PermissionRequest(
            id=uuid.uuid4(),
            room=room,
            message=message,
            provider=message.sender,
            requester=requester,
            purpose=purpose,
            recipients=ids,
            outside=bool(outside),
            reason=reason,
        )
        permission.save(force_insert=True)
        _record(
            room, kind=RoomEvent.Kind.DISCLOSURE_REQUESTED, actor=requester, permission=permission
        )
        audit.record(
            "disclosure.requested",
            actor=requester,
            target=permission,
            details={"purpose": purpose, "message": str(message.pk)},
        )
    return permission


def answer_permission(*, permission, provider, answer, note: str = "") -> PermissionRequest:
    """The provider's one answer: `granted` or `refused` (a refusal says why)."""
    if answer not in PermissionRequest.Answer.values:
        raise DisclosureError(
            "invalid_field", _("answer must be granted or refused"), field="answer"
        )
    note = _text(note, "note", required=answer == PermissionRequest.Answer.REFUSED)
    with transaction.atomic():
        room = lock_room(permission.room)
        locked = PermissionRequest.objects.select_for_update().get(pk=permission.pk)
        if not access.can_read(provider, room):
            raise UnknownPermission()
        if locked.provider_id != provider.pk:
            raise DisclosureError(
                "not_provider", _("only the member who provided the item answers")
            )
        if not locked.pending:
            raise DisclosureError("already_answered", _("this request has already been answered"))
        locked.answer = answer
        locked.answer_note = note
        locked.answered_at = timezone.now()
        locked.save(update_fields=["answer", "answer_note", "answered_at"])
        _record(room, kind=RoomEvent.Kind.DISCLOSURE_ANSWERED, actor=provider, permission=locked)
        if (
            answer == PermissionRequest.Answer.GRANTED
            and locked.purpose == PermissionRequest.Purpose.READ
        ):
            _grant_reading(locked.message, locked.recipients, provider, permission=locked)
        audit.record(
            "disclosure.answered",
            actor=provider,
            target=locked,
            details={"answer": answer, "purpose": locked.purpose},
        )
        permission_answered.send(sender=PermissionRequest, permission=locked, actor=provider)
    return locked


# --- Letting a support or observer participant read an H1 or H2 item ----------------------


def _limited_readers_to_be(message: Message, ids: list[int]) -> list[int]:
    """The recipients of a `read` permission: participants of the room in a limited capacity
    (support, observer) who read the item's thread but not the item (its H1 or H2 code)."""
    if message.handling_code not in access.LIMITED_UNREADABLE:
        raise DisclosureError(
            "permission_not_needed",
            _("only H1 and H2 items are kept from support and observer participants"),
            field="message",
        )
    if not ids:
        raise DisclosureError(
            "missing_field", _("name who should read the item"), field="recipients"
        )
    limited = set(
        RoomParticipant.objects.current()
        .filter(room_id=message.room_id, user_id__in=ids, capacity__in=access.LIMITED_CAPACITIES)
        .values_list("user_id", flat=True)
    )
    thread_readers = access.thread_readers([message.thread_id]).get(message.thread_id, set())
    if set(ids) - (limited & thread_readers):
        raise DisclosureError(
            "invalid_field",
            _(
                "every recipient must be a support or observer participant of the room who "
                "reads the item's thread"
            ),
            field="recipients",
        )
    if set(ids) <= access.message_readers(message, set(ids)):
        raise DisclosureError(
            "permission_not_needed", _("they already read this item"), field="recipients"
        )
    return ids


def _grant_reading(message: Message, user_ids, provider, *, permission=None) -> list[int]:
    """Record that `user_ids` may read `message` (inside the caller's transaction)."""
    existing = set(
        ItemReadGrant.objects.filter(message=message, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    new = [pk for pk in sorted(set(user_ids)) if pk not in existing]
    ItemReadGrant.objects.bulk_create(
        ItemReadGrant(message=message, user_id=pk, granted_by=provider, permission=permission)
        for pk in new
    )
    return new


def share_item(*, provider, message, recipients) -> list[int]:
    """The provider of an H1 or H2 item lets support or observer participants who read its
    thread read it too. On the room's log (`disclosure.answered`, purpose `read`) and in the
    audit log. Returns the ids of who may now read it."""
    found = access.readable_message(provider, getattr(message, "pk", message))
    if found is None or found.sender_id != provider.pk:
        raise DisclosureError(
            "not_provider", _("only the member who provided the item lets others read it")
        )
    message = found
    ids = _limited_readers_to_be(message, _recipients(message, recipients))
    with transaction.atomic():
        room = lock_room(message.room)
        granted = _grant_reading(message, ids, provider)
        event = append_event(
            room,
            kind=RoomEvent.Kind.DISCLOSURE_ANSWERED,
            actor=provider,
            details={
                "message": str(message.pk),
                "provider": provider.pk,
                "purpose": PermissionRequest.Purpose.READ,
                "answer": PermissionRequest.Answer.GRANTED,
                "recipients": ids,
                **access.restricted_mark(message.thread),
            },
        )
        finish_write(room, event)
        audit.record(
            "disclosure.shared",
            actor=provider,
            target=message,
            details={"recipients": ids, "granted": granted},
        )
    return ids
