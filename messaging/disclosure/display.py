"""Permission requests as the API and the pages show them: ids, names and codes; nothing of
the item's content."""

from messaging.disclosure.models import PermissionRequest


def _person(user) -> dict:
    return {"id": user.pk, "name": user.display_name}


def permission_data(permission: PermissionRequest) -> dict:
    return {
        "id": str(permission.pk),
        "room": str(permission.room_id),
        "message": str(permission.message_id),
        "handling_code": permission.message.handling_code,
        "provider": _person(permission.provider),
        "requester": _person(permission.requester),
        "purpose": permission.purpose,
        "recipients": list(permission.recipients),
        "outside": permission.outside,
        "reason": permission.reason,
        "asked_at": permission.asked_at.isoformat(),
        "answer": permission.answer or None,
        "answer_note": permission.answer_note,
        "answered_at": permission.answered_at.isoformat() if permission.answered_at else None,
    }


def waiting_for(permission: PermissionRequest | None) -> dict | None:
    """What a translation request waits for (or waited for): the provider and the answer."""
    if permission is None:
        return None
    return {
        "id": str(permission.pk),
        "provider": _person(permission.provider),
        "answer": permission.answer or None,
        "answer_note": permission.answer_note,
    }
