"""RFC 9162 Merkle tree hashing and proof checks, and C2SP signed-note checkpoints, written
again from the specifications so that the verifier shares no code with the server."""

import base64
import hashlib
import json
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EMPTY_ROOT = hashlib.sha256(b"").digest()


def canonical_json(value) -> bytes:
    """Keys sorted, no spaces, UTF-8 without escapes (as the server writes entries)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _path_length(index: int, size: int) -> int:
    length = 0
    while size > 1:
        k = _split(size)
        if index < k:
            size = k
        else:
            index, size = index - k, size - k
        length += 1
    return length


def verify_inclusion(index: int, size: int, leaf: bytes, proof, expected_root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size or len(proof) != _path_length(index, size):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size, new_size, old_root, new_root, proof) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if old_size <= 0 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --- Verifier keys and signed checkpoints -----------------------------------------------------


def key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]


def parse_vkey(text: str) -> tuple[str, bytes]:
    """`<name>+<hex key hash>+<base64(0x01 ‖ Ed25519 public key)>` → (name, public key)."""
    name, hash_hex, encoded = text.strip().split("+", 2)
    raw = base64.b64decode(encoded, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("not an Ed25519 verifier key")
    if key_hash(name, raw[1:]).hex() != hash_hex:
        raise ValueError("the key hash does not match the key")
    return name, raw[1:]


def parse_checkpoint(text: str) -> tuple[str, str, int, bytes, list[tuple[str, bytes]]]:
    """(body, origin, size, root, [(key name, key hash ‖ signature)])."""
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise ValueError("not a signed checkpoint (no blank line before the signatures)")
    lines = body.split("\n")
    if len(lines) != 3:
        raise ValueError("a checkpoint body has three lines")
    size = int(lines[1])
    root_hash = base64.b64decode(lines[2], validate=True)
    if len(root_hash) != 32 or size < 0:
        raise ValueError("a checkpoint has a size and a 32-byte root")
    stamps = []
    for line in signatures.strip("\n").split("\n"):
        dash, name, stamp = line.split(" ", 2)
        if dash != "\u2014":
            raise ValueError("a signature line starts with an em dash")
        stamps.append((name, base64.b64decode(stamp, validate=True)))
    return body + "\n", lines[0], size, root_hash, stamps


def signed_by(body: str, stamps, keys: dict[str, bytes]) -> str | None:
    """The name of the first of `keys` whose valid signature the checkpoint carries."""
    for name, raw in stamps:
        public = keys.get(name)
        if public is None or raw[:4] != key_hash(name, public):
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], body.encode())
        except InvalidSignature:
            continue
        return name
    return None
