"""The steps every write of a room shares: lock the room row, append the next event (its
Merkle leaf and sealed salt), renew a worn data key, and announce the event after commit; and
the checks of plain fields that every action applies the same way."""

import hashlib
import os

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from messaging import access, crypto, merkle
from messaging.errors import MessagingError
from messaging.models import (
    Message,
    Room,
    RoomEvent,
)
from messaging.realtime import broadcast
from messaging.text import TextRefused, clean_text
from network import membership

# What a closed room's log still records: the closing itself and the exports of its record.
AFTER_CLOSING = {
    RoomEvent.Kind.ROOM_CLOSED,
    RoomEvent.Kind.RECORD_REQUESTED,
    RoomEvent.Kind.RECORD_APPROVED,
    RoomEvent.Kind.RECORD_EXPORTED,
}


def lock_room(room: Room) -> Room:
    return Room.objects.select_for_update().get(pk=room.pk)


def append_event(room: Room, **fields) -> RoomEvent:
    """Append the next event of a locked room (the caller saves room.head_seq)."""
    event = new_event(room, **fields)
    event.save(force_insert=True)
    return event


def new_event(
    room: Room,
    *,
    kind: str,
    actor,
    details: dict,
    secret: str | dict | None = None,
    message: Message | None = None,
) -> RoomEvent:
    """The next event of a locked room, not yet saved. A closed room takes no more events
    but those of its case record."""
    if room.closed_at is not None and kind not in AFTER_CLOSING:
        raise MessagingError("room_closed", "the case is closed: the room is read-only")
    room.head_seq += 1
    event = RoomEvent(
        room=room,
        seq=room.head_seq,
        kind=kind,
        actor=actor,
        occurred_at=timezone.now(),
        key_epoch=room.key_epoch,
        message=message,
        details=details,
    )
    salt = os.urandom(16)
    event.salt_ciphertext = crypto.seal_salt(event, salt)
    event.commitment = merkle.commitment(salt, event_content(details, secret))
    event.leaf_hash = merkle.leaf_hash(merkle.entry_for(event)).hex()
    return event


def event_content(details: dict, secret: str | dict | None) -> bytes:
    """What a leaf's commitment covers: the event's details and its secret part."""
    return merkle.canonical_json({"details": details, "secret": secret})


def attachment_secret(filename: str, content: bytes) -> dict:
    """The secret part of an `attachment.added` event: the file's name, which is stored
    encrypted and not in the event's details, and the SHA-256 of its content. (Events stored
    before names were encrypted have the name in their details and the digest alone as their
    secret.)"""
    return {"filename": filename, "sha256": hashlib.sha256(content).hexdigest()}


def new_epoch(room: Room) -> int:
    """Give a locked room its next data key: what is sealed from now on uses it, what was
    sealed before keeps its own epoch's key. Returns the new epoch."""
    room.key_epoch += 1
    room.key_epoch_from = room.head_seq
    crypto.new_room_key(room, room.key_epoch).save(force_insert=True)
    room.save(update_fields=["key_epoch", "key_epoch_from"])
    return room.key_epoch


def renew_worn_key(room: Room) -> None:
    """A locked room whose key has sealed COUNTERPART_KEY_EPOCH_MAX_EVENTS events (up to its
    head_seq) gets its next one."""
    if room.head_seq - room.key_epoch_from >= settings.COUNTERPART_KEY_EPOCH_MAX_EVENTS:
        new_epoch(room)


def finish_write(room: Room, event: RoomEvent) -> None:
    room.save(update_fields=["head_seq"])
    renew_worn_key(room)
    room_id, seq = room.pk, event.seq
    transaction.on_commit(lambda: broadcast.room_event(room_id, seq))


def clean_field(value, field: str, *, max_length: int, required: bool = True) -> str:
    try:
        return clean_text(value, field, max_length=max_length, required=required)
    except TextRefused as refused:
        raise MessagingError(refused.code, refused.message, field=field) from refused


def clean_body(value) -> str:
    if isinstance(value, str) and len(value) > settings.COUNTERPART_MESSAGE_MAX_CHARS:
        raise MessagingError(
            "body_too_large",
            f"the body is over {settings.COUNTERPART_MESSAGE_MAX_CHARS} characters",
            field="body",
        )
    return clean_field(value, "body", max_length=settings.COUNTERPART_MESSAGE_MAX_CHARS)


def require_reader(user, room: Room) -> None:
    if not access.can_read(user, room):
        raise MessagingError("unknown_room", "no such room")


def eligible(user, network_id) -> bool:
    if network_id is None:
        return membership.is_active_anywhere(user)
    return membership.is_active_member(user, network_id)
