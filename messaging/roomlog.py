"""A room's Merkle log read from the database: checkpoints, proofs and verification."""

import base64
import hashlib
from dataclasses import dataclass

from messaging import crypto, merkle
from messaging.events import name_sealed_apart
from messaging.models import Attachment, Message, Room, RoomEvent
from messaging.room_writes import attachment_secret, event_content
from network.keyring import DecryptionError, current_master_key


def leaf_hashes(room_id, size: int | None = None) -> list[bytes]:
    events = RoomEvent.objects.filter(room_id=room_id).order_by("seq")
    if size is not None:
        events = events.filter(seq__lte=size)
    return [bytes.fromhex(value) for value in events.values_list("leaf_hash", flat=True)]


def signed_checkpoint(room: Room) -> dict:
    leaves = leaf_hashes(room.pk)
    checkpoint = merkle.Checkpoint(merkle.origin_for(room.pk), len(leaves), merkle.root(leaves))
    master = current_master_key()
    return {
        "room": str(room.pk),
        "size": checkpoint.size,
        "root": base64.b64encode(checkpoint.root).decode(),
        "checkpoint": checkpoint.sign(master),
        "verifier_key": merkle.verifier_key(master),
    }


def inclusion(room: Room, seq: int, size: int | None = None) -> dict:
    """The leaf of `seq` and its inclusion proof in the tree of `size` leaves (default: all)."""
    leaves = leaf_hashes(room.pk, size)
    proof = merkle.inclusion_proof(seq - 1, leaves)
    event = RoomEvent.objects.get(room=room, seq=seq)
    return {
        "room": str(room.pk),
        "seq": seq,
        "size": len(leaves),
        "leaf_index": seq - 1,
        "entry": merkle.entry_for(event).decode(),
        "leaf_hash": event.leaf_hash,
        "proof": [base64.b64encode(node).decode() for node in proof],
        "root": base64.b64encode(merkle.root(leaves)).decode(),
    }


def consistency(room: Room, old_size: int, new_size: int | None = None) -> dict:
    """The consistency proof between the trees of `old_size` and `new_size` leaves."""
    leaves = leaf_hashes(room.pk, new_size)
    proof = merkle.consistency_proof(old_size, leaves)
    return {
        "room": str(room.pk),
        "old_size": old_size,
        "new_size": len(leaves),
        "old_root": base64.b64encode(merkle.root(leaves[:old_size])).decode(),
        "new_root": base64.b64encode(merkle.root(leaves)).decode(),
        "proof": [base64.b64encode(node).decode() for node in proof],
    }


def check_against(room: Room, checkpoint_text: str) -> str:
    """'' when the stored log extends the signed checkpoint; else what is wrong."""
    try:
        checkpoint = merkle.open_checkpoint(checkpoint_text, merkle.known_public_keys())
    except (ValueError, IndexError) as exc:
        return f"the checkpoint does not verify: {exc}"
    if checkpoint.origin != merkle.origin_for(room.pk):
        return f"the checkpoint is of {checkpoint.origin}, not of this room"
    leaves = leaf_hashes(room.pk)
    if len(leaves) < checkpoint.size:
        return f"the log has {len(leaves)} events, fewer than the checkpoint's {checkpoint.size}"
    if merkle.root(leaves[: checkpoint.size]) != checkpoint.root:
        return f"the first {checkpoint.size} events no longer match the signed checkpoint"
    return ""


@dataclass(frozen=True)
class LogReport:
    checked: int
    bad_seq: int | None = None
    problem: str = ""
    root: bytes = merkle.EMPTY_ROOT

    @property
    def intact(self) -> bool:
        return self.bad_seq is None


def verify(room: Room) -> LogReport:
    """Recompute every leaf from the stored rows; report the first event that does not hold."""
    leaves: list[bytes] = []
    expected = 1
    events = RoomEvent.objects.filter(room=room).order_by("seq").iterator(chunk_size=500)
    for event in events:
        problem = _check(event, expected)
        if problem:
            return LogReport(len(leaves), expected, problem)
        leaves.append(bytes.fromhex(event.leaf_hash))
        expected += 1
    head = Room.objects.filter(pk=room.pk).values_list("head_seq", flat=True).get()
    if head != len(leaves):
        return LogReport(len(leaves), len(leaves) + 1, f"the room's head is {head}")
    return LogReport(len(leaves), root=merkle.root(leaves))


def _check(event: RoomEvent, expected: int) -> str:
    if event.seq != expected:
        return f"seq {expected} is missing (next stored is {event.seq})"
    if merkle.leaf_hash(merkle.entry_for(event)).hex() != event.leaf_hash:
        return "the leaf hash does not match the event"
    try:
        salt = crypto.open_salt(event)
        secret = _secret(event)
    except DecryptionError as exc:
        return f"stored content fails to decrypt ({exc})"
    if merkle.commitment(salt, event_content(event.details, secret)) != event.commitment:
        return "the stored content does not match the commitment"
    return ""


def _secret(event: RoomEvent) -> str | dict | None:
    """The secret part of an event's content, from the stored records."""
    if event.kind == RoomEvent.Kind.MESSAGE_POSTED:
        message = Message.objects.get(pk=event.message_id)
        first = message.revisions.order_by("number").first()
        return _revision_body(first, message) if first else crypto.open_body(message)
    if event.kind == RoomEvent.Kind.MESSAGE_EDITED:
        message = Message.objects.get(pk=event.message_id)
        later = message.revisions.filter(number=event.details["edit"] + 1).first()
        return _revision_body(later, message) if later else crypto.open_body(message)
    if event.kind == RoomEvent.Kind.ATTACHMENT_ADDED:
        attachment = Attachment.objects.get(pk=event.details["attachment"])
        content = crypto.open_attachment(attachment)
        if not name_sealed_apart(event):  # stored before names were encrypted
            return hashlib.sha256(content).hexdigest()
        return attachment_secret(crypto.open_attachment_name(attachment), content)
    return None


def _revision_body(revision, message: Message) -> str:
    return crypto.open_revision(revision, room_id=message.room_id, sender_id=message.sender_id)
