"""Build a case-record bundle (docs/records.md): a zip that proves its own integrity.

One signed checkpoint is taken over the whole room log at export time. Every selected event
that is not withheld is in `log/events.json` with its entry, the salt and content that open
its commitment, and its inclusion proof; every leaf hash of the tree is in `log/leaves.json`,
so the verifier recomputes the root and proves nothing was dropped or reordered; withheld and
unselected events are there only as leaf hashes.
"""

import datetime
import hashlib
import importlib.metadata
import io
import json
import zipfile
from dataclasses import dataclass, field

from messaging import crypto, merkle
from messaging.events import name_sealed_apart
from messaging.models import Attachment, Message, MessageRevision, Room, RoomEvent, Thread
from messaging.records import html, timestamp, withholding
from messaging.records.errors import RecordError
from messaging.records.selection import Selection
from messaging.records.tree import Tree
from messaging.room_writes import attachment_secret
from network.accounts.models import User
from network.keyring import current_master_key, master_keys

FORMAT = "counterpart-record/1"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
UNHASHED = {"manifest.json"}
OUTSIDE_BUNDLE_HASH = {"manifest.json", "transcript.html"}


def software_version() -> str:
    try:
        return f"counterpart {importlib.metadata.version('counterpart')}"
    except importlib.metadata.PackageNotFoundError:
        return "counterpart"


def canonical(value) -> bytes:
    return merkle.canonical_json(value)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def person(user) -> dict | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "name": user.display_name,
        "institution": user.institution,
        "state": user.state,
    }


def keys_document() -> dict:
    """Every verifier key of the key ring (the current one first), as published at
    /.well-known/counterpart-keys.json and put into every bundle."""
    current = current_master_key()
    return {
        "format": "counterpart-keys/1",
        "current": merkle.key_name(current),
        "keys": [
            {"name": merkle.key_name(master), "vkey": merkle.verifier_key(master)}
            for master in master_keys()
        ],
    }


@dataclass
class Custody:
    requested_by: object
    requested_at: datetime.datetime
    legal_basis: str
    case_reference: str = ""
    approved_by: object = None
    approved_at: datetime.datetime | None = None
    export_id: str = ""


@dataclass
class Built:
    data: bytes
    bundle_hash: str
    size: int
    exported: int
    withheld: int
    attachments: int
    files: dict = field(default_factory=dict)


def participant_states(room: Room) -> list[str]:
    states = room.participants.filter(removed_at__isnull=True).values_list("user__state", flat=True)
    return sorted({state for state in states if state})


def approval_required(room: Room) -> bool:
    """A room with members of more than one state needs a second participant's approval."""
    return len(participant_states(room)) > 1


def _secret(event: RoomEvent, messages: dict, attachments: dict):
    """The secret part of an event's content (as roomlog._check opens it), from rows loaded
    in bulk."""
    if event.kind == RoomEvent.Kind.MESSAGE_POSTED:
        message = messages[str(event.message_id)]
        first = message.revision_list[0] if message.revision_list else None
        return _revision(first, message) if first else crypto.open_body(message)
    if event.kind == RoomEvent.Kind.MESSAGE_EDITED:
        message = messages[str(event.message_id)]
        number = event.details["edit"] + 1
        later = next((r for r in message.revision_list if r.number == number), None)
        return _revision(later, message) if later else crypto.open_body(message)
    if event.kind == RoomEvent.Kind.ATTACHMENT_ADDED:
        attachment = attachments[event.details["attachment"]]
        content = crypto.open_attachment(attachment)
        attachment.content = content
        if not name_sealed_apart(event):
            return hashlib.sha256(content).hexdigest()
        return attachment_secret(crypto.open_attachment_name(attachment), content)
    return None


def _revision(revision, message: Message) -> str:
    return crypto.open_revision(revision, room_id=message.room_id, sender_id=message.sender_id)


def _message_of(event: RoomEvent) -> str | None:
    if event.message_id:
        return str(event.message_id)
    return event.details.get("message") if isinstance(event.details, dict) else None


def _load(room: Room, size: int, *, revisions: bool = True):
    """The room's events up to `size` and its messages by id, each with its sender, thread
    and (with `revisions`) its earlier bodies in order: a few queries, whatever the size."""
    events = list(RoomEvent.objects.filter(room=room, seq__lte=size).order_by("seq"))
    messages = {str(message.pk): message for message in Message.objects.filter(room=room)}
    people = {
        user.pk: user
        for user in User.objects.filter(
            pk__in={event.actor_id for event in events}
            | {message.sender_id for message in messages.values()}
        )
    }
    threads = {thread.pk: thread for thread in Thread.objects.filter(room=room)}
    for event in events:
        event.actor = people[event.actor_id]
    earlier: dict = {}
    if revisions:
        for revision in MessageRevision.objects.filter(message__room=room).order_by("number"):
            earlier.setdefault(str(revision.message_id), []).append(revision)
    for key, message in messages.items():
        message.sender = people[message.sender_id]
        message.thread = threads[message.thread_id]
        message.revision_list = earlier.get(key, [])
    return events, messages


def _chosen(events, messages, selection: Selection) -> list[RoomEvent]:
    posted_at = {
        str(event.message_id): event.occurred_at
        for event in events
        if event.kind == RoomEvent.Kind.MESSAGE_POSTED
    }

    def selected(event: RoomEvent) -> bool:
        message_id = _message_of(event)
        if message_id:
            message = messages.get(message_id)
            return (
                message is not None
                and selection.covers_thread(message.thread_id)
                and selection.covers_time(posted_at.get(message_id, message.created_at))
            )
        if not selection.covers_time(event.occurred_at):
            return False
        if event.kind == RoomEvent.Kind.THREAD_CREATED:
            return selection.covers_thread(event.details.get("thread"))
        return selection.thread_ids is None

    return [event for event in events if selected(event)]


def matches_anything(room: Room, selection: Selection) -> bool:
    size = Room.objects.filter(pk=room.pk).values_list("head_seq", flat=True).get()
    events, messages = _load(room, size, revisions=False)
    return bool(_chosen(events, messages, selection))


def build(room: Room, selection: Selection, custody: Custody, *, exporter, progress=None) -> Built:
    """The bundle of `selection` in `room`, exported by `exporter` (whose access the caller
    checked). Raises RecordError("empty_selection") when nothing matches. `progress` is
    called with a percentage now and then."""
    progress = progress or (lambda percent: None)
    size = Room.objects.filter(pk=room.pk).values_list("head_seq", flat=True).get()
    events, messages = _load(room, size)
    progress(5)
    chosen = _chosen(events, messages, selection)
    if not chosen:
        raise RecordError("empty_selection", "nothing in this room matches the selection")

    leaves = [bytes.fromhex(event.leaf_hash) for event in events]
    tree = Tree(leaves)
    checkpoint = merkle.Checkpoint(merkle.origin_for(room.pk), size, tree.root)
    checkpoint_text = checkpoint.sign(current_master_key())

    wanted_files = [
        event.details["attachment"]
        for event in chosen
        if event.kind == RoomEvent.Kind.ATTACHMENT_ADDED
    ]
    attachments = {str(a.pk): a for a in Attachment.objects.filter(pk__in=wanted_files)}

    exported, withheld = [], []
    for number, event in enumerate(chosen):
        if number % 500 == 499:
            progress(5 + 85 * number // len(chosen))
        message = messages.get(_message_of(event) or "")
        reason = withholding.withheld_reason(message, exporter, event=event)
        if reason == withholding.TOMBSTONED and event.kind == RoomEvent.Kind.MESSAGE_DELETED:
            reason = None  # the tombstone itself is shown: it reveals no content
        if reason:
            withheld.append({"seq": event.seq, "leaf_hash": event.leaf_hash, "reason": reason})
            continue
        salt = crypto.open_salt(event)
        content = {"details": event.details, "secret": _secret(event, messages, attachments)}
        exported.append(
            {
                "seq": event.seq,
                "entry": merkle.entry_for(event).decode(),
                "salt": salt.hex(),
                "content": content,
                "proof": [node.hex() for node in tree.proof(event.seq - 1)],
                "_event": event,
            }
        )

    transcript = _transcript(room, selection, chosen, exported, withheld, messages, attachments)
    files: dict[str, bytes] = {
        "transcript.json": canonical(transcript),
        "log/checkpoint.txt": checkpoint_text.encode(),
        "log/leaves.json": canonical(
            {
                "origin": checkpoint.origin,
                "size": size,
                "leaves": [event.leaf_hash for event in events],
            }
        ),
        "log/events.json": canonical(
            {"events": [{k: v for k, v in item.items() if k != "_event"} for item in exported]}
        ),
        "keys.json": canonical(keys_document()),
    }
    token = timestamp.stamp(files["log/checkpoint.txt"])
    if token is not None:
        files["log/timestamp.tsr"] = token
    for attachment in attachments.values():
        if hasattr(attachment, "content"):
            files[f"attachments/{sha256(attachment.content)}"] = attachment.content
    files["custody.json"] = canonical(
        _custody(room, selection, custody, files, size, len(exported), len(withheld))
    )
    progress(90)
    core = {name: sha256(data) for name, data in files.items()}
    bundle_hash = sha256(canonical(core))
    files["transcript.html"] = html.render(transcript, custody_doc(files), bundle_hash).encode()
    manifest = {
        "format": FORMAT,
        "bundle_hash": bundle_hash,
        "files": {name: sha256(data) for name, data in files.items()},
    }
    files["manifest.json"] = canonical(manifest)
    return Built(
        data=zip_files(files),
        bundle_hash=bundle_hash,
        size=size,
        exported=len(exported),
        withheld=len(withheld),
        attachments=sum(1 for name in files if name.startswith("attachments/")),
        files={name: sha256(data) for name, data in files.items()},
    )


def custody_doc(files: dict) -> dict:
    return json.loads(files["custody.json"])


def _custody(room, selection, custody: Custody, files, size, exported, withheld) -> dict:
    return {
        "format": FORMAT,
        "export": custody.export_id or None,
        "room": str(room.pk),
        "origin": merkle.origin_for(room.pk),
        "selection": selection.describe(),
        "requested_by": person(custody.requested_by),
        "requested_at": _utc(custody.requested_at),
        "approved_by": person(custody.approved_by),
        "approved_at": _utc(custody.approved_at),
        "participant_states": participant_states(room),
        "approval_required": approval_required(room),
        "legal_basis": custody.legal_basis,
        "case_reference": custody.case_reference,
        "exported_at": _utc(datetime.datetime.now(datetime.UTC)),
        "software": software_version(),
        "checkpoint_size": size,
        "exported_events": exported,
        "withheld_events": withheld,
        "checkpoint_sha256": sha256(files["log/checkpoint.txt"]),
        "transcript_sha256": sha256(files["transcript.json"]),
    }


def _utc(moment):
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def zip_files(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED  # no slack bits: every byte is checked
            archive.writestr(info, files[name])
    return buffer.getvalue()


# --- The transcript --------------------------------------------------------------------------


def _transcript(room, selection, chosen, exported, withheld, messages, attachments) -> dict:
    translations = _translations(room)
    by_message: dict[str, dict] = {}
    other: list[dict] = []
    for item in exported:
        event: RoomEvent = item["_event"]
        details, secret = item["content"]["details"], item["content"]["secret"]
        time = event.occurred_at.isoformat()
        if event.kind == RoomEvent.Kind.MESSAGE_POSTED:
            message = messages[str(event.message_id)]
            by_message[str(message.pk)] = {
                "seq": event.seq,
                "id": str(message.pk),
                "thread": {"id": str(message.thread_id), "title": message.thread.title},
                "sender": person(message.sender),
                "time": time,
                "handling": {"code": details["handling"], "note": details["note"]},
                "evaluation": details.get("evaluation") or None,
                "reply_to": details.get("reply_to"),
                "mentions": details.get("mentions") or [],
                "body": secret,
                "edits": [],
                "attachments": [],
                "translations": translations.get(str(message.pk), []),
            }
        elif event.kind == RoomEvent.Kind.MESSAGE_EDITED and str(event.message_id) in by_message:
            by_message[str(event.message_id)]["edits"].append(
                {"seq": event.seq, "time": time, "body": secret}
            )
        elif event.kind == RoomEvent.Kind.ATTACHMENT_ADDED and details["message"] in by_message:
            attachment = attachments[details["attachment"]]
            by_message[details["message"]]["attachments"].append(
                {
                    "seq": event.seq,
                    "id": details["attachment"],
                    "sha256": sha256(attachment.content),
                    "filename": secret["filename"] if isinstance(secret, dict) else None,
                    "content_type": details["content_type"],
                    "size": details["size"],
                }
            )
        else:
            other.append(
                {
                    "seq": event.seq,
                    "kind": event.kind,
                    "time": time,
                    "actor": {"id": event.actor_id, "name": event.actor.display_name},
                    "details": details,
                }
            )
    seqs = [event.seq for event in chosen]
    return {
        "format": "counterpart-transcript/1",
        "room": {"id": str(room.pk), "title": room.title, "kind": room.kind},
        "selection": selection.describe(),
        "range": {"first": min(seqs), "last": max(seqs)},
        "messages": list(by_message.values()),
        "events": other,
        "withheld": withheld,
    }


def _translations(room: Room) -> dict[str, list[dict]]:
    """The accepted translations of the room's messages by message id, marked as translations
    (their text is the exporter's statement: the log commits to the change of status, not to
    the text)."""
    from messaging.translations import crypto as translation_crypto
    from messaging.translations.models import TranslationRequest

    found: dict[str, list[dict]] = {}
    requests = TranslationRequest.objects.filter(
        room=room, message__isnull=False, status=TranslationRequest.Status.ACCEPTED
    ).select_related("translator")
    for request in requests.order_by("created_at", "pk"):
        found.setdefault(str(request.message_id), []).append(
            {
                "translation": True,
                "request": str(request.pk),
                "from": request.source_language,
                "to": request.target_language,
                "translator": person(request.translator),
                "certified": request.translator_certified,
                "text": translation_crypto.open_request_field(
                    request, "translation", request.translation_ciphertext
                ),
            }
        )
    return found
