"""Envelope encryption of room content.

Each room has a random AES-256 data key per epoch, stored only wrapped by a master key
(`network.keyring.wrap_data_key`, RFC 3394). Fields are sealed with AES-256-GCM under the
data key, with associated data `v1|room|epoch|record id|sender|field`: a ciphertext copied to
another row, room, epoch or field fails to open.

Unwrapped data keys are kept in a small in-process cache: a (room, epoch) data key never
changes, even when it is re-wrapped under a new master key. A key this process creates
enters the cache only once its transaction has committed: the key of a new epoch that was
rolled back would otherwise stay cached, and the next key given that epoch's number would not
be the one used.
"""

import hashlib
import hmac
import os
import threading
from collections import OrderedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import transaction

from messaging.models import RoomKey
from network.keyring import (
    DecryptionError,
    current_master_key,
    unwrap_data_key,
    wrap_data_key,
)

FORMAT = b"\x01"
NONCE_BYTES = 12
CACHE_SIZE = 4096

_cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_cache_lock = threading.Lock()
# Wrapped keys this process created whose transaction has not committed (yet, or ever):
# read back inside that transaction, they are not cached.
_uncommitted: set[bytes] = set()


def new_room_key(room, epoch: int):
    """Create (unsaved) the RoomKey of `room` for `epoch` with a fresh data key."""
    data_key = AESGCM.generate_key(bit_length=256)
    key_id, wrapped = wrap_data_key(data_key)
    with _cache_lock:
        _uncommitted.add(wrapped)

    def committed() -> None:
        with _cache_lock:
            _uncommitted.discard(wrapped)
        _remember((str(room.pk), epoch), data_key)

    transaction.on_commit(committed)
    return RoomKey(room=room, epoch=epoch, master_key_id=key_id, wrapped_key=wrapped)


def data_key(room_id, epoch: int) -> bytes:
    cache_key = (str(room_id), epoch)
    with _cache_lock:
        found = _cache.get(cache_key)
        if found is not None:
            _cache.move_to_end(cache_key)
            return found
    try:
        room_key = RoomKey.objects.get(room_id=room_id, epoch=epoch)
    except RoomKey.DoesNotExist as exc:
        raise DecryptionError(f"room {room_id} has no key for epoch {epoch}") from exc
    key = unwrap_data_key(room_key.master_key_id, room_key.wrapped_key)
    with _cache_lock:
        ours_uncommitted = bytes(room_key.wrapped_key) in _uncommitted
    if not ours_uncommitted:
        _remember(cache_key, key)
    return key


def forget_cached_keys() -> None:
    with _cache_lock:
        _cache.clear()


def _remember(cache_key: tuple[str, int], key: bytes) -> None:
    with _cache_lock:
        _cache[cache_key] = key
        _cache.move_to_end(cache_key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def associated_data(*, room_id, epoch: int, record_id, sender_id, field: str) -> bytes:
    return f"v1|{room_id}|{epoch}|{record_id}|{sender_id}|{field}".encode()


def encrypt(plaintext: bytes, *, room_id, epoch: int, record_id, sender_id, field: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    aad = associated_data(
        room_id=room_id, epoch=epoch, record_id=record_id, sender_id=sender_id, field=field
    )
    return FORMAT + nonce + AESGCM(data_key(room_id, epoch)).encrypt(nonce, plaintext, aad)


def decrypt(ciphertext: bytes, *, room_id, epoch: int, record_id, sender_id, field: str) -> bytes:
    ciphertext = bytes(ciphertext)
    if len(ciphertext) < 1 + NONCE_BYTES + 16 or ciphertext[:1] != FORMAT:
        raise DecryptionError("not a room ciphertext")
    aad = associated_data(
        room_id=room_id, epoch=epoch, record_id=record_id, sender_id=sender_id, field=field
    )
    nonce, sealed = ciphertext[1 : 1 + NONCE_BYTES], ciphertext[1 + NONCE_BYTES :]
    try:
        return AESGCM(data_key(room_id, epoch)).decrypt(nonce, sealed, aad)
    except InvalidTag as exc:
        raise DecryptionError("room ciphertext failed authentication") from exc


# --- Record helpers ------------------------------------------------------------------------


def seal_body(message, body: str) -> bytes:
    return encrypt(
        body.encode(),
        room_id=message.room_id,
        epoch=message.key_epoch,
        record_id=message.pk,
        sender_id=message.sender_id,
        field="body",
    )


def open_body(message) -> str:
    return decrypt(
        message.body_ciphertext,
        room_id=message.room_id,
        epoch=message.key_epoch,
        record_id=message.pk,
        sender_id=message.sender_id,
        field="body",
    ).decode()


def seal_revision(revision, body: str, *, room_id, sender_id) -> bytes:
    return encrypt(
        body.encode(),
        room_id=room_id,
        epoch=revision.key_epoch,
        record_id=revision.pk,
        sender_id=sender_id,
        field="revision",
    )


def open_revision(revision, *, room_id, sender_id) -> str:
    return decrypt(
        revision.body_ciphertext,
        room_id=room_id,
        epoch=revision.key_epoch,
        record_id=revision.pk,
        sender_id=sender_id,
        field="revision",
    ).decode()


def _attachment(attachment) -> dict:
    """The associated data of an attachment's sealed fields, but the field."""
    return {
        "room_id": attachment.room_id,
        "epoch": attachment.key_epoch,
        "record_id": attachment.pk,
        "sender_id": attachment.uploaded_by_id,
    }


def seal_attachment(attachment, content: bytes) -> bytes:
    return encrypt(content, **_attachment(attachment), field="attachment")


def open_attachment(attachment) -> bytes:
    return decrypt(attachment.content_ciphertext, **_attachment(attachment), field="attachment")


def seal_attachment_name(attachment, name: str) -> bytes:
    return encrypt(name.encode(), **_attachment(attachment), field="filename")


def open_attachment_name(attachment) -> str:
    """The file's name, decrypted once per instance."""
    if "_filename" not in attachment.__dict__:
        attachment.__dict__["_filename"] = decrypt(
            attachment.filename_ciphertext, **_attachment(attachment), field="filename"
        ).decode()
    return attachment.__dict__["_filename"]


def seal_salt(event, salt: bytes) -> bytes:
    return encrypt(
        salt,
        room_id=event.room_id,
        epoch=event.key_epoch,
        record_id=event.pk,
        sender_id=event.actor_id,
        field="salt",
    )


def open_salt(event) -> bytes:
    return decrypt(
        event.salt_ciphertext,
        room_id=event.room_id,
        epoch=event.key_epoch,
        record_id=event.pk,
        sender_id=event.actor_id,
        field="salt",
    )


def content_digest(content: bytes) -> str:
    """Keyed digest of submitted content (no dictionary attack on short bodies)."""
    key = current_master_key().derive("message-digest")
    return hmac.new(key, content, hashlib.sha256).hexdigest()


def digest_matches(content: bytes, digest: str) -> bool:
    from network.keyring import master_keys

    return any(
        hmac.compare_digest(
            hmac.new(key.derive("message-digest"), content, hashlib.sha256).hexdigest(), digest
        )
        for key in master_keys()
    )
