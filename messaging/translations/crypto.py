"""Sealing translation texts and notes under the room's data key (messaging/crypto.py).

The associated data binds each ciphertext to its record and field: `translation:<request id>`
or `translation-event:<event id>`, with the requester as the fixed party and the field name
(`translation`, `note`). A ciphertext moved to another request, room or field fails to open.
"""

from messaging import crypto


def _seal(text: str, *, room_id, epoch: int, record_id: str, party_id, field: str) -> bytes:
    return crypto.encrypt(
        text.encode(),
        room_id=room_id,
        epoch=epoch,
        record_id=record_id,
        sender_id=party_id,
        field=field,
    )


def _open(ciphertext, *, room_id, epoch: int, record_id: str, party_id, field: str) -> str:
    return crypto.decrypt(
        ciphertext,
        room_id=room_id,
        epoch=epoch,
        record_id=record_id,
        sender_id=party_id,
        field=field,
    ).decode()


def _request_context(request) -> dict:
    return {
        "room_id": request.room_id,
        "epoch": request.key_epoch,
        "record_id": f"translation:{request.pk}",
        "party_id": request.requester_id,
    }


def seal_request_field(request, field: str, text: str) -> bytes:
    return _seal(text, **_request_context(request), field=field)


def open_request_field(request, field: str, ciphertext) -> str:
    if ciphertext is None:
        return ""
    return _open(ciphertext, **_request_context(request), field=field)


def _event_context(event, request) -> dict:
    return {
        "room_id": request.room_id,
        "epoch": request.key_epoch,
        "record_id": f"translation-event:{event.pk}",
        "party_id": request.requester_id,
    }


def seal_event_note(event, request, text: str) -> bytes:
    return _seal(text, **_event_context(event, request), field="note")


def open_event_note(event, request) -> str:
    if event.note_ciphertext is None:
        return ""
    return _open(event.note_ciphertext, **_event_context(event, request), field="note")
