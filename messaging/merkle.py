"""The tamper-evident room log: a Merkle tree as in Certificate Transparency (RFC 9162).

Leaf hash = SHA-256(0x00 ‖ entry), node hash = SHA-256(0x01 ‖ left ‖ right). The entry of a
room event is the canonical JSON of its public facts (room, seq, event id, kind, actor, time,
key epoch and a commitment SHA-256(salt ‖ content)); the content itself never enters the log.
Leaf i of a room's tree is the event with seq i + 1.

Checkpoints follow the shape of C2SP tlog-checkpoint signed notes: an origin line, the tree
size, the base64 root hash, a blank line, then `— <key name> base64(key hash ‖ signature)`,
signed with an Ed25519 key derived from the current master key (HKDF purpose "log-signing").
"""

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from network.keyring import MasterKey, current_master_key, master_keys

EMPTY_ROOT = hashlib.sha256(b"").digest()
ORIGIN_PREFIX = "counterpart/room/"


class ProofError(ValueError):
    """A proof was requested for an index or size the tree does not have."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (already hashed with leaf_hash)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # Bottom-up pairing gives the same tree as RFC 9162's recursive split: an odd node is
    # carried up unchanged.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"no leaf {index} in a tree of {len(leaves)}")
    return _path(index, leaves)


def _path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, leaves[:k]), root(leaves[k:])]
    return [*_path(m - k, leaves[k:]), root(leaves[:k])]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2, for an index inside the tree and a proof of exactly the
    length PATH(index, D[size]) has. The size and the root must come from one checkpoint:
    a proof binds a leaf to a root, and only the checkpoint binds that root to its size."""
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


def _path_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D[size]) holds: one per split on the way down."""
    length = 0
    while size > 1:
        k = _split(size)
        if index < k:
            size = k
        else:
            index, size = index - k, size - k
        length += 1
    return length


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1."""
    if not 0 < old_size <= len(leaves):
        raise ProofError(f"no consistency proof from {old_size} to {len(leaves)}")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if old_size <= 0 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
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


# --- Entries ---------------------------------------------------------------------------------


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def commitment(salt: bytes, content: bytes) -> str:
    return hashlib.sha256(salt + content).hexdigest()


def entry_for(event) -> bytes:
    """The canonical log entry of a RoomEvent (no content, only its commitment)."""
    return canonical_json(
        {
            "room": str(event.room_id),
            "seq": event.seq,
            "event": str(event.pk),
            "kind": event.kind,
            "actor": event.actor_id,
            "time": event.occurred_at.isoformat(),
            "epoch": event.key_epoch,
            "commitment": event.commitment,
        }
    )


# --- Signed checkpoints ------------------------------------------------------------------------


def _signing_key(master: MasterKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(master.derive("log-signing"))


def key_name(master: MasterKey) -> str:
    return f"counterpart-log-{master.key_id}"


def public_key_bytes(master: MasterKey) -> bytes:
    return _signing_key(master).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_hash(name: str, public_key: bytes) -> bytes:
    """As C2SP signed-note: SHA-256(name ‖ 0x0A ‖ 0x01 (Ed25519) ‖ key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]


def verifier_key(master: MasterKey) -> str:
    """The vkey text `<name>+<hex key hash>+<base64(0x01 ‖ public key)>`."""
    name, public = key_name(master), public_key_bytes(master)
    encoded = base64.b64encode(b"\x01" + public).decode()
    return f"{name}+{key_hash(name, public).hex()}+{encoded}"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    @property
    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    def sign(self, master: MasterKey | None = None) -> str:
        master = master or current_master_key()
        name = key_name(master)
        signature = _signing_key(master).sign(self.body.encode())
        stamp = base64.b64encode(key_hash(name, public_key_bytes(master)) + signature).decode()
        return f"{self.body}\n\u2014 {name} {stamp}\n"


def origin_for(room_id) -> str:
    return f"{ORIGIN_PREFIX}{room_id}"


def open_checkpoint(text: str, public_keys: dict[str, bytes]) -> Checkpoint:
    """Parse and verify a signed checkpoint against {key name: Ed25519 public key}."""
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise ValueError("not a signed checkpoint")
    lines = body.split("\n")
    if len(lines) != 3:
        raise ValueError("a checkpoint body has three lines")
    checkpoint = Checkpoint(lines[0], int(lines[1]), base64.b64decode(lines[2]))
    for line in signatures.strip("\n").split("\n"):
        dash, name, stamp = line.split(" ", 2)
        public = public_keys.get(name)
        if dash != "\u2014" or public is None:
            continue
        raw = base64.b64decode(stamp)
        if raw[:4] != key_hash(name, public):
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (body + "\n").encode())
        except InvalidSignature:
            continue
        return checkpoint
    raise ValueError("no valid signature by a known key")


def known_public_keys() -> dict[str, bytes]:
    return {key_name(master): public_key_bytes(master) for master in master_keys()}
