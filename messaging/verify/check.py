"""The checks of a bundle, in the order docs/records.md gives; the first that fails is the
verdict."""

import base64
import binascii
import datetime
import hashlib
import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from messaging.verify import tlog

FORMAT = "counterpart-record/1"
MANIFEST = "manifest.json"
HTML = "transcript.html"
REQUIRED = (
    "transcript.json",
    "log/checkpoint.txt",
    "log/leaves.json",
    "log/events.json",
    "keys.json",
    "custody.json",
    HTML,
)
ORIGIN_PREFIX = "counterpart/room/"


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    seq: int | None = None
    field: str | None = None

    def text(self) -> str:
        where = [self.file]
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.message}"


class Broken(Exception):
    def __init__(self, file: str, message: str, *, seq: int | None = None, field=None):
        super().__init__(message)
        self.problem = Problem(file, message, seq, field)


@dataclass
class Verdict:
    ok: bool
    problem: Problem | None = None
    facts: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        if not self.ok:
            return f"NOT VERIFIED: {self.problem.text()}"
        f = self.facts
        lines = [
            f"VERIFIED: bundle {f['bundle_hash']}",
            f"  room {f['room']}, checkpoint of {f['size']} events signed by {f['key']}",
            f"  {f['exported']} events exported, {f['withheld']} withheld, "
            f"{f['size'] - f['exported'] - f['withheld']} not selected (leaf hashes only); "
            f"{f['files']} files",
        ]
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)


def verify_bundle(data: bytes, *, keys=None, later: str | None = None) -> Verdict:
    """The verdict on the bundle `data`. `keys`: verifier keys obtained independently (vkey
    texts or counterpart-keys.json documents); without them the bundle's own keys are used
    and the verdict says so. `later`: a later checkpoint with a consistency proof (JSON)."""
    state = _State()
    try:
        _verify(data, keys, later, state)
    except Broken as broken:
        return Verdict(False, broken.problem)
    return Verdict(True, facts=state.facts, notes=state.notes)


@dataclass
class _State:
    facts: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(files: dict, name: str):
    try:
        value = json.loads(files[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Broken(name, f"not valid JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise Broken(name, "not a JSON object")
    return value


def _get(doc: dict, name: str, key: str, kind, *, seq=None, prefix=""):
    value = doc.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise Broken(name, f"missing or not a {kind.__name__}", seq=seq, field=prefix + key)
    return value


# --- 1. The archive and its manifest ----------------------------------------------------------


def _read_zip(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Broken(
            "(bundle)", f"not a readable zip archive, truncated or damaged ({exc})"
        ) from exc
    names = archive.namelist()
    seen = set()
    for name in names:
        if name in seen:
            raise Broken(name, "the archive holds two files of this name")
        seen.add(name)
    _check_container(data, archive)
    files = {}
    for name in names:
        if name.endswith("/"):
            raise Broken(name, "the archive holds a directory entry")
        try:
            files[name] = archive.read(name)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise Broken(name, f"cannot be read from the archive ({exc})") from exc
    return files


ZIP_TIME = (1980, 1, 1, 0, 0, 0)
LOCAL = struct.Struct("<4sHHHHHIIIHH")
CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
END = struct.Struct("<4s4H2LH")


def _check_container(data: bytes, archive: zipfile.ZipFile) -> None:
    """The archive is in the bundle's canonical form (docs/records.md), so that no byte of it
    escapes the checks: each local header repeats its central-directory entry, the entries
    follow each other with nothing between them, the header fields have their fixed values,
    and nothing follows the end record."""
    position = 0
    for info in archive.infolist():
        name = info.filename
        method = zipfile.ZIP_STORED
        fixed = (
            info.date_time == ZIP_TIME
            and info.compress_type == method
            and (info.create_version, info.extract_version, info.create_system) == (20, 20, 3)
            and (info.flag_bits, info.reserved, info.volume, info.internal_attr) == (0, 0, 0, 0)
            and info.external_attr == 0o600 << 16
            and info.extra == b""
            and info.comment == b""
        )
        if not fixed or info.header_offset != position:
            raise Broken(name, "the archive entry is not in the bundle's canonical form")
        header = data[position : position + LOCAL.size]
        if len(header) != LOCAL.size:
            raise Broken(name, "the archive is truncated")
        fields = LOCAL.unpack(header)
        dos_time, dos_date = 0, (1 << 5) | 1  # 1980-01-01 00:00
        expected = (
            b"PK\x03\x04",
            20,
            0,
            method,
            dos_time,
            dos_date,
            info.CRC,
            info.compress_size,
            info.file_size,
            len(name.encode()),
            0,
        )
        stored_name = data[position + LOCAL.size : position + LOCAL.size + len(name.encode())]
        if fields != expected or stored_name != name.encode():
            raise Broken(name, "the local header differs from the central directory")
        position += LOCAL.size + len(name.encode()) + info.compress_size
    if archive.start_dir != position:
        raise Broken("(bundle)", "bytes between the last file and the central directory")
    entries = archive.infolist()
    directory = b"".join(
        CENTRAL.pack(
            b"PK\x01\x02",
            20,
            3,
            20,
            0,
            0,
            zipfile.ZIP_STORED,
            0,
            (1 << 5) | 1,
            info.CRC,
            info.compress_size,
            info.file_size,
            len(info.filename.encode()),
            0,
            0,
            0,
            0,
            0o600 << 16,
            info.header_offset,
        )
        + info.filename.encode()
        for info in entries
    )
    end = END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), position, 0)
    if data[position:] != directory + end:
        raise Broken("(bundle)", "the archive's directory is not in the bundle's canonical form")


def _check_manifest(files: dict, state: _State) -> dict:
    if MANIFEST not in files:
        raise Broken(MANIFEST, "the bundle has no manifest")
    manifest = _json(files, MANIFEST)
    if manifest.get("format") != FORMAT:
        raise Broken(MANIFEST, f"the format is not {FORMAT}", field="format")
    listed = _get(manifest, MANIFEST, "files", dict)
    for name in sorted(files):
        if name != MANIFEST and name not in listed:
            raise Broken(name, "a file the manifest does not list (added to the bundle)")
    for name in sorted(listed):
        if name not in files:
            raise Broken(name, "listed in the manifest but missing from the bundle")
    for name in REQUIRED:
        if name not in listed:
            raise Broken(name, "a bundle must hold this file")
    for name in sorted(listed):
        if _sha(files[name]) != listed[name]:
            raise Broken(name, "its SHA-256 does not match the manifest", field="sha256")
    core = {name: digest for name, digest in listed.items() if name != HTML}
    bundle_hash = _sha(tlog.canonical_json(core))
    if manifest.get("bundle_hash") != bundle_hash:
        raise Broken(
            MANIFEST, "the bundle hash is not the hash of the listed files", field="bundle_hash"
        )
    state.facts["bundle_hash"] = bundle_hash
    state.facts["files"] = len(files)
    return manifest


# --- 2. Keys and the checkpoint ---------------------------------------------------------------


def _keys_from(texts) -> dict[str, bytes]:
    found = {}
    for text in texts:
        text = text.strip()
        vkeys = []
        if text.startswith("{"):
            document = json.loads(text)
            vkeys = [item["vkey"] for item in document.get("keys", [])]
        else:
            vkeys = [line for line in text.splitlines() if line.strip()]
        for vkey in vkeys:
            name, public = tlog.parse_vkey(vkey)
            found[name] = public
    return found


def _check_checkpoint(files, keys, state):
    try:
        bundle_keys = _keys_from([files["keys.json"].decode("utf-8")])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise Broken("keys.json", f"a verifier key cannot be read ({exc})", field="keys") from exc
    if keys:
        try:
            trusted = _keys_from(keys)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise Broken("--key", f"the given key cannot be read ({exc})") from exc
        for name, public in bundle_keys.items():
            if name in trusted and trusted[name] != public:
                raise Broken(
                    "keys.json", f"the key {name} differs from the given key", field="keys"
                )
    else:
        trusted = bundle_keys
        state.notes.append(
            "the signature was checked with the key in the bundle; give --key with a key "
            "obtained independently (/.well-known/counterpart-keys.json) to rely on it"
        )
    name = "log/checkpoint.txt"
    try:
        body, origin, size, root_hash, stamps = tlog.parse_checkpoint(files[name].decode())
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise Broken(name, f"not a signed checkpoint ({exc})") from exc
    signer = tlog.signed_by(body, stamps, trusted)
    if signer is None:
        which = "the given key" if keys else "a key of keys.json"
        raise Broken(name, f"the signature does not verify with {which}", field="signature")
    if not origin.startswith(ORIGIN_PREFIX):
        raise Broken(name, "the origin is not a Counterpart room", field="origin")
    state.facts.update(key=signer, room=origin[len(ORIGIN_PREFIX) :], size=size)
    return trusted, origin, size, root_hash


# --- 3. The leaves and the exported events ----------------------------------------------------


def _check_leaves(files, origin, size, root_hash) -> list[bytes]:
    name = "log/leaves.json"
    doc = _json(files, name)
    if doc.get("origin") != origin:
        raise Broken(name, "not the checkpoint's origin", field="origin")
    if doc.get("size") != size:
        raise Broken(name, "not the checkpoint's size", field="size")
    values = _get(doc, name, "leaves", list)
    if len(values) != size:
        raise Broken(
            name, f"{len(values)} leaf hashes for a checkpoint of {size} events", field="leaves"
        )
    leaves = []
    for seq, value in enumerate(values, start=1):
        try:
            leaf = bytes.fromhex(value)
        except (TypeError, ValueError):
            leaf = b""
        if len(leaf) != 32:
            raise Broken(name, "not a SHA-256 in hex", seq=seq, field="leaves")
        leaves.append(leaf)
    if tlog.root(leaves) != root_hash:
        raise Broken(
            name,
            "the leaf hashes do not give the checkpoint's root: an event was changed, "
            "added, removed or reordered",
            field="leaves",
        )
    return leaves


def _check_events(files, room, size, root_hash, leaves) -> dict[int, dict]:
    name = "log/events.json"
    doc = _json(files, name)
    items = _get(doc, name, "events", list)
    opened: dict[int, dict] = {}
    previous = 0
    for item in items:
        if not isinstance(item, dict):
            raise Broken(name, "an event is not a JSON object")
        seq = _get(item, name, "seq", int)
        if seq <= previous or seq > size:
            raise Broken(
                name,
                "events must be in increasing seq order within the checkpoint",
                seq=seq,
                field="seq",
            )
        previous = seq
        entry_text = _get(item, name, "entry", str, seq=seq)
        entry_bytes = entry_text.encode()
        if tlog.leaf_hash(entry_bytes) != leaves[seq - 1]:
            raise Broken(name, f"the entry is not leaf {seq} of the log", seq=seq, field="entry")
        try:
            entry = json.loads(entry_text)
        except ValueError as exc:
            raise Broken(name, "the entry is not JSON", seq=seq, field="entry") from exc
        if entry.get("seq") != seq or entry.get("room") != room:
            raise Broken(name, "the entry names another seq or room", seq=seq, field="entry")
        try:
            salt = bytes.fromhex(_get(item, name, "salt", str, seq=seq))
        except ValueError as exc:
            raise Broken(name, "the salt is not hex", seq=seq, field="salt") from exc
        content = _get(item, name, "content", dict, seq=seq)
        if set(content) != {"details", "secret"}:
            raise Broken(name, "content has details and secret", seq=seq, field="content")
        digest = _sha(salt + tlog.canonical_json(content))
        if digest != entry.get("commitment"):
            raise Broken(
                name,
                "the salt and content do not open the entry's commitment",
                seq=seq,
                field="content",
            )
        proof_hex = _get(item, name, "proof", list, seq=seq)
        try:
            proof = [bytes.fromhex(node) for node in proof_hex]
        except (TypeError, ValueError) as exc:
            raise Broken(name, "a proof node is not hex", seq=seq, field="proof") from exc
        if not tlog.verify_inclusion(seq - 1, size, leaves[seq - 1], proof, root_hash):
            raise Broken(
                name,
                "the inclusion proof does not lead to the checkpoint's root",
                seq=seq,
                field="proof",
            )
        opened[seq] = {"entry": entry, "details": content["details"], "secret": content["secret"]}
    return opened


# --- 4. The transcript against the opened events ----------------------------------------------

T = "transcript.json"


def _event(opened, seq, kind, what):
    if not isinstance(seq, int) or seq not in opened:
        raise Broken(T, f"{what} has no opened event in log/events.json", seq=seq, field="seq")
    event = opened[seq]
    if event["entry"].get("kind") != kind:
        raise Broken(T, f"{what} is not a {kind} event in the log", seq=seq, field="kind")
    return event


def _same(value, expected, seq, field_name):
    if value != expected:
        raise Broken(
            T, "the transcript differs from the opened log event", seq=seq, field=field_name
        )


def _check_transcript(files, opened, leaves, room):
    doc = _json(files, T)
    if _get(doc, T, "room", dict).get("id") != room:
        raise Broken(T, "not the checkpoint's room", field="room.id")
    covered: set[int] = set()

    def cover(seq):
        if seq in covered:
            raise Broken(T, "an event appears twice in the transcript", seq=seq)
        covered.add(seq)

    for message in _get(doc, T, "messages", list):
        seq = message.get("seq") if isinstance(message, dict) else None
        event = _event(opened, seq, "message.posted", "a message")
        cover(seq)
        details, entry = event["details"], event["entry"]
        sender = message.get("sender") or {}
        handling = message.get("handling") or {}
        _same(message.get("id"), details.get("message"), seq, "id")
        _same((message.get("thread") or {}).get("id"), details.get("thread"), seq, "thread")
        _same(sender.get("id"), entry.get("actor"), seq, "sender.id")
        _same(message.get("time"), entry.get("time"), seq, "time")
        _same(handling.get("code"), details.get("handling"), seq, "handling.code")
        _same(handling.get("note"), details.get("note"), seq, "handling.note")
        _same(message.get("evaluation"), details.get("evaluation") or None, seq, "evaluation")
        _same(message.get("reply_to"), details.get("reply_to"), seq, "reply_to")
        _same(message.get("mentions"), details.get("mentions") or [], seq, "mentions")
        _same(message.get("body"), event["secret"], seq, "body")
        for edit in message.get("edits") or []:
            edit_event = _event(opened, edit.get("seq"), "message.edited", "an edit")
            cover(edit["seq"])
            _same(edit_event["details"].get("message"), message["id"], edit["seq"], "edits.message")
            _same(edit.get("time"), edit_event["entry"].get("time"), edit["seq"], "edits.time")
            _same(edit.get("body"), edit_event["secret"], edit["seq"], "edits.body")
        for file in message.get("attachments") or []:
            _check_file(files, opened, message, file)
            cover(file["seq"])
    for item in _get(doc, T, "events", list):
        seq = item.get("seq") if isinstance(item, dict) else None
        event = _event(opened, seq, item.get("kind"), "an event")
        cover(seq)
        _same(item.get("time"), event["entry"].get("time"), seq, "time")
        _same((item.get("actor") or {}).get("id"), event["entry"].get("actor"), seq, "actor.id")
        _same(item.get("details"), event["details"], seq, "details")
    withheld = set()
    for item in _get(doc, T, "withheld", list):
        seq = item.get("seq") if isinstance(item, dict) else None
        if not isinstance(seq, int) or not 1 <= seq <= len(leaves):
            raise Broken(T, "a withheld item outside the checkpoint", seq=seq, field="withheld")
        if seq in opened:
            raise Broken(T, "a withheld item is also exported", seq=seq, field="withheld")
        if item.get("leaf_hash") != leaves[seq - 1].hex():
            raise Broken(
                T,
                f"the withheld item's hash is not leaf {seq} of the log",
                seq=seq,
                field="withheld.leaf_hash",
            )
        cover(seq)
        withheld.add(seq)
    for seq in sorted(opened):
        if seq not in covered:
            raise Broken(
                "log/events.json", "an exported event the transcript does not show", seq=seq
            )
    selection = _get(doc, T, "selection", dict)
    whole = (
        selection.get("scope") == "room"
        and not selection.get("since")
        and not selection.get("until")
    )
    if whole:
        for seq in range(1, len(leaves) + 1):
            if seq not in covered:
                raise Broken(T, "a whole-room export must show or withhold every event", seq=seq)
    span = _get(doc, T, "range", dict)
    if covered and (span.get("first") != min(covered) or span.get("last") != max(covered)):
        raise Broken(T, "the range is not that of the selected events", field="range")
    return doc, withheld


def _check_file(files, opened, message, file):
    seq = file.get("seq")
    event = _event(opened, seq, "attachment.added", "a file")
    details, secret = event["details"], event["secret"]
    _same(details.get("attachment"), file.get("id"), seq, "attachments.id")
    _same(details.get("message"), message.get("id"), seq, "attachments.message")
    digest = secret.get("sha256") if isinstance(secret, dict) else secret
    _same(file.get("sha256"), digest, seq, "attachments.sha256")
    if isinstance(secret, dict):
        _same(file.get("filename"), secret.get("filename"), seq, "attachments.filename")
    path = f"attachments/{digest}"
    if path not in files:
        raise Broken(path, "the file of an exported attachment is missing", seq=seq)
    if _sha(files[path]) != digest:
        raise Broken(path, "the file's content is not its SHA-256 name", seq=seq, field="sha256")


# --- 5. Custody, the printable transcript, a later checkpoint ---------------------------------

C = "custody.json"


def _time(doc, key, required=True):
    value = doc.get(key)
    if value is None and not required:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise Broken(C, "not a date and time", field=key) from exc
    if moment.tzinfo is None:
        raise Broken(C, "a time without its zone", field=key)
    return moment


def _check_custody(files, transcript, origin, size, opened, withheld):
    doc = _json(files, C)
    checks = [
        ("origin", origin),
        ("room", origin[len(ORIGIN_PREFIX) :]),
        ("checkpoint_size", size),
        ("checkpoint_sha256", _sha(files["log/checkpoint.txt"])),
        ("transcript_sha256", _sha(files[T])),
        ("selection", transcript["selection"]),
        ("exported_events", len(opened)),
        ("withheld_events", len(withheld)),
    ]
    for key, expected in checks:
        if doc.get(key) != expected:
            raise Broken(C, "does not match the bundle", field=key)
    requester = doc.get("requested_by")
    if not isinstance(requester, dict) or requester.get("id") is None or not requester.get("name"):
        raise Broken(C, "who requested the export is not stated", field="requested_by")
    if not isinstance(doc.get("legal_basis"), str) or not doc["legal_basis"].strip():
        raise Broken(C, "the legal basis is not stated", field="legal_basis")
    if not isinstance(doc.get("software"), str) or not doc["software"]:
        raise Broken(C, "the software version is not stated", field="software")
    requested = _time(doc, "requested_at")
    exported = _time(doc, "exported_at")
    approved = _time(doc, "approved_at", required=False)
    states = doc.get("participant_states")
    if not isinstance(states, list):
        raise Broken(C, "the participants' states are not stated", field="participant_states")
    required = len(set(states)) > 1
    if doc.get("approval_required") is not required:
        raise Broken(C, "does not follow from the participants' states", field="approval_required")
    approver = doc.get("approved_by")
    if required:
        if not isinstance(approver, dict) or approver.get("id") is None or approved is None:
            raise Broken(
                C, "an export of a room of several states needs an approval", field="approved_by"
            )
        if approver.get("id") == requester.get("id"):
            raise Broken(C, "the approver must be a second participant", field="approved_by")
    if approved is not None and not requested <= approved <= exported:
        raise Broken(C, "approved before the request or after the export", field="approved_at")
    if not requested <= exported:
        raise Broken(C, "exported before it was requested", field="exported_at")


def _check_html(files, bundle_hash):
    try:
        text = files[HTML].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Broken(HTML, "not UTF-8 text") from exc
    if bundle_hash not in text:
        raise Broken(HTML, "does not show the bundle's hash", field="bundle_hash")


def _check_later(later: str, trusted, origin, size, root_hash, state):
    name = "--later"
    try:
        doc = json.loads(later)
        body, later_origin, later_size, later_root, stamps = tlog.parse_checkpoint(
            doc["checkpoint"]
        )
        proof = [base64.b64decode(node, validate=True) for node in doc.get("proof", [])]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise Broken(name, f"not a later checkpoint with its proof ({exc})") from exc
    if tlog.signed_by(body, stamps, trusted) is None:
        raise Broken(name, "the later checkpoint's signature does not verify", field="signature")
    if later_origin != origin:
        raise Broken(name, "the later checkpoint is of another log", field="origin")
    if not tlog.verify_consistency(size, later_size, root_hash, later_root, proof):
        raise Broken(
            name,
            f"the log of {later_size} events does not extend the bundle's {size} events",
            field="proof",
        )
    state.notes.append(f"the later checkpoint of {later_size} events extends this one")


TIMESTAMP = "log/timestamp.tsr"
_GENERALIZED_TIME = re.compile(rb"\x18[\x0f-\x20](\d{14}(?:\.\d+)?Z)")


def _check_timestamp(files, state):
    """An RFC 3161 time-stamp of the checkpoint, when the server had an authority: its token
    must stamp the SHA-256 of log/checkpoint.txt. The authority's signature is checked with
    its certificate: openssl ts -verify -data log/checkpoint.txt -in log/timestamp.tsr
    -CAfile <the authority's CA>."""
    if TIMESTAMP not in files:
        return
    token = files[TIMESTAMP]
    imprint = b"\x04\x20" + hashlib.sha256(files["log/checkpoint.txt"]).digest()
    if not token.startswith(b"\x30") or imprint not in token:
        raise Broken(TIMESTAMP, "the time-stamp does not stamp the checkpoint", field="imprint")
    found = _GENERALIZED_TIME.search(token)
    state.facts["timestamp"] = found.group(1).decode() if found else "present"
    state.notes.append(
        "the checkpoint carries an RFC 3161 time-stamp; check the authority's signature with "
        "openssl ts -verify -data log/checkpoint.txt -in log/timestamp.tsr -CAfile <its CA>"
    )


def _verify(data, keys, later, state):
    files = _read_zip(data)
    _check_manifest(files, state)
    trusted, origin, size, root_hash = _check_checkpoint(files, keys, state)
    room = origin[len(ORIGIN_PREFIX) :]
    leaves = _check_leaves(files, origin, size, root_hash)
    opened = _check_events(files, room, size, root_hash, leaves)
    transcript, withheld = _check_transcript(files, opened, leaves, room)
    _check_custody(files, transcript, origin, size, opened, withheld)
    _check_html(files, state.facts["bundle_hash"])
    _check_timestamp(files, state)
    if later is not None:
        _check_later(later, trusted, origin, size, root_hash, state)
    state.facts.update(exported=len(opened), withheld=len(withheld))
