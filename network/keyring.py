"""The key ring: master keys (key-encryption keys) and the keys derived from them.

Master keys have ids so they can be rotated: the first key of `COUNTERPART_MASTER_KEYS`
encrypts and wraps, every listed key can still decrypt and unwrap. Each use gets its own key
derived with HKDF-SHA-256 (purpose strings such as "totp-seed" or "channel-layer"), so no key
is used for two purposes and `SECRET_KEY` is never reused for encryption.

Sealed values are AES-256-GCM with associated data that binds the ciphertext to the record
it belongs to; a ciphertext copied to another record fails to open.
"""

import base64
import os
import secrets
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SEAL_VERSION = b"cp1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A sealed value or wrapped key failed authentication (wrong key, record or tampering)."""


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    secret: bytes

    def derive(self, purpose: str) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
            self.secret
        )


def new_master_keys_value(key_id: str = "k1") -> str:
    """A fresh value for COUNTERPART_MASTER_KEYS with one key."""
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def parse_master_keys(value: str) -> tuple[MasterKey, ...]:
    keys = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id or not key_id.isascii() or "|" in key_id:
            raise ImproperlyConfigured(
                "COUNTERPART_MASTER_KEYS must be a comma-separated list of id:base64key"
            )
        try:
            secret = base64.urlsafe_b64decode(encoded)
        except ValueError as exc:
            raise ImproperlyConfigured(f"master key {key_id!r} is not valid base64") from exc
        if len(secret) != 32:
            raise ImproperlyConfigured(f"master key {key_id!r} must be 32 bytes")
        keys.append(MasterKey(key_id, secret))
    if not keys:
        raise ImproperlyConfigured("COUNTERPART_MASTER_KEYS lists no key")
    if len({key.key_id for key in keys}) != len(keys):
        raise ImproperlyConfigured("COUNTERPART_MASTER_KEYS lists a key id twice")
    return tuple(keys)


@cache
def _keys_from(value: str) -> tuple[MasterKey, ...]:
    return parse_master_keys(value)


def master_keys() -> tuple[MasterKey, ...]:
    return _keys_from(settings.COUNTERPART_MASTER_KEYS)


def current_master_key() -> MasterKey:
    return master_keys()[0]


def master_key(key_id: str) -> MasterKey:
    for key in master_keys():
        if key.key_id == key_id:
            return key
    raise DecryptionError(f"master key {key_id!r} is not in the key ring")


def seal(plaintext: bytes, *, purpose: str, aad: bytes) -> bytes:
    """Encrypt under the current master key's `purpose` key; the key id travels along."""
    key = current_master_key()
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key.derive(purpose)).encrypt(nonce, plaintext, _bound(purpose, aad))
    return b"|".join([SEAL_VERSION, key.key_id.encode()]) + b"|" + nonce + ciphertext


def unseal(sealed: bytes, *, purpose: str, aad: bytes) -> bytes:
    sealed = bytes(sealed)
    try:
        version, key_id, rest = sealed.split(b"|", 2)
    except ValueError as exc:
        raise DecryptionError("not a sealed value") from exc
    if version != SEAL_VERSION or len(rest) < NONCE_BYTES + 16:
        raise DecryptionError("not a sealed value")
    key = master_key(key_id.decode())
    try:
        return AESGCM(key.derive(purpose)).decrypt(
            rest[:NONCE_BYTES], rest[NONCE_BYTES:], _bound(purpose, aad)
        )
    except InvalidTag as exc:
        raise DecryptionError("sealed value failed authentication") from exc


def sealed_key_id(sealed: bytes) -> str:
    return bytes(sealed).split(b"|", 2)[1].decode()


def wrap_data_key(data_key: bytes) -> tuple[str, bytes]:
    """Wrap a data key (RFC 3394 AES key wrap) under the current master key."""
    key = current_master_key()
    return key.key_id, aes_key_wrap(key.derive("dek-wrap"), data_key)


def unwrap_data_key(key_id: str, wrapped: bytes) -> bytes:
    try:
        return aes_key_unwrap(master_key(key_id).derive("dek-wrap"), bytes(wrapped))
    except InvalidUnwrap as exc:
        raise DecryptionError("data key failed to unwrap") from exc


def channel_layer_keys(value: str) -> list[str]:
    """Keys for channels_redis symmetric encryption: the current key encrypts, all decrypt."""
    return [
        base64.urlsafe_b64encode(key.derive("channel-layer")).decode()
        for key in parse_master_keys(value)
    ]


def _bound(purpose: str, aad: bytes) -> bytes:
    return purpose.encode() + b"\x00" + aad
