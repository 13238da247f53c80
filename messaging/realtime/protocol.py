"""The inbound frames of docs/protocol.md, described once, and the one function that checks them.

`validate(text_data, bytes_data)` turns what a socket received into a frame whose every field
has been checked against `FRAMES` (a dict: `type` and each declared field, absent optional
fields as None or their default), or raises `ProtocolError` with a code, a message, the field
to blame and the `ref` of the answer. The raw text is bounded before it is parsed: at most
`MAX_FRAME_BYTES` of UTF-8 and `MAX_DEPTH` nested arrays or objects, so no frame can make the
JSON parser recurse deeply.

Policies (docs/protocol.md): a key that occurs twice in an object is refused
(`duplicate_field`), since parsers disagree on which value wins; a field a frame type does not
declare is refused (`unknown_field`), so that a client can never supply what the server sets
itself (sender, seq, time); `null` in an optional field means the field is left out; `true`
and `false` are not integers; numbers must be finite (`NaN`, `Infinity`, `1e309` are
`bad_json`).
"""

import json
import math
import re
import uuid
from dataclasses import dataclass

from messaging.errors import MessagingError
from messaging.models import EVALUATION_CODES, MessageHandling

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 64 * 1024
# Daphne reads messages up to messaging/realtime/server.py's MAX_MESSAGE_BYTES (1 MiB): one
# over it closes the socket with 1009; one between MAX_FRAME_BYTES and it is `frame_too_large`.
MAX_DEPTH = 8
CATCH_UP_DEFAULT = 200
CATCH_UP_MAX = 500
SEQ_MAX = 2**63 - 1  # the database's bigint
NONCE_MAX_CHARS = 100
HANDLING_NOTE_MAX = 500
MENTIONS_MAX = 50


class ProtocolError(MessagingError):
    """A frame refused before any action ran; the socket stays open."""

    def __init__(self, code, message, *, field=None, ref=None, retry_after=None):
        super().__init__(code, message, field=field)
        self.ref = ref
        self.retry_after = retry_after


# --- Field kinds ---------------------------------------------------------------------------------

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _canonical_uuid(text: str) -> str:
    """The canonical form of a UUID's text; raises ValueError. Canonical text, what clients
    send, is recognised without building a UUID."""
    if _CANONICAL_UUID.fullmatch(text):
        return text
    return str(uuid.UUID(text))


def _invalid(name: str, message: str) -> ProtocolError:
    return ProtocolError("invalid_field", message, field=name)


@dataclass(frozen=True)
class RoomId:
    """A room id. Text that is no UUID names no room: `unknown_room`, as a forbidden one."""

    def clean(self, name, value):
        if not isinstance(value, str):
            raise _invalid(name, f"{name} must be a room id")
        try:
            return _canonical_uuid(value)
        except ValueError:
            raise ProtocolError("unknown_room", "no such room", field=name) from None


@dataclass(frozen=True)
class Uuid:
    what: str

    def clean(self, name, value):
        if isinstance(value, str):
            try:
                return _canonical_uuid(value)
            except ValueError:
                pass
        raise _invalid(name, f"{name} must be {self.what}")


@dataclass(frozen=True)
class Integer:
    low: int = 0
    high: int = SEQ_MAX

    def clean(self, name, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(name, f"{name} must be an integer")
        if not self.low <= value <= self.high:
            raise _invalid(name, f"{name} must be an integer from {self.low} to {self.high}")
        return value


@dataclass(frozen=True)
class Text:
    max_chars: int | None = None

    def clean(self, name, value):
        if not isinstance(value, str):
            raise _invalid(name, f"{name} must be text")
        if self.max_chars is not None and len(value) > self.max_chars:
            raise _invalid(name, f"{name} is at most {self.max_chars} characters")
        return value


@dataclass(frozen=True)
class Choice:
    values: tuple

    def clean(self, name, value):
        if not isinstance(value, str) or value not in self.values:
            raise _invalid(name, f"{name} must be one of {', '.join(self.values)}")
        return value


@dataclass(frozen=True)
class UserIds:
    max_items: int

    def clean(self, name, value):
        if (
            not isinstance(value, list)
            or len(value) > self.max_items
            or not all(type(item) is int and 1 <= item <= SEQ_MAX for item in value)
        ):
            raise _invalid(name, f"{name} is a list of at most {self.max_items} user ids")
        return value


@dataclass(frozen=True)
class Nonce:
    def clean(self, name, value):
        if (type(value) is int or isinstance(value, str)) and len(str(value)) <= NONCE_MAX_CHARS:
            return value
        raise _invalid(name, f"{name} must be a string or integer of at most 100 characters")


@dataclass(frozen=True)
class Field:
    kind: object
    required: bool = False
    default: object = None


ROOM = Field(RoomId(), required=True)
SEQ = Integer(0, SEQ_MAX)

# Every inbound frame type: its fields, in the order they are checked.
FRAMES: dict[str, dict[str, Field]] = {
    "subscribe": {"room": ROOM, "after": Field(SEQ)},
    "unsubscribe": {"room": ROOM},
    "catch_up": {
        "room": ROOM,
        "after": Field(SEQ, required=True),
        "limit": Field(Integer(1, CATCH_UP_MAX), default=CATCH_UP_DEFAULT),
    },
    "send": {
        "room": ROOM,
        "client_id": Field(Uuid("a UUID"), required=True),
        "thread": Field(Uuid("a thread id"), required=True),
        "body": Field(Text(), required=True),  # its length: COUNTERPART_MESSAGE_MAX_CHARS
        "handling": Field(Choice(tuple(MessageHandling.values))),
        "handling_note": Field(Text(HANDLING_NOTE_MAX)),
        "evaluation": Field(Choice((*EVALUATION_CODES, *(c.lower() for c in EVALUATION_CODES)))),
        "reply_to": Field(Integer(1, SEQ_MAX)),
        "mentions": Field(UserIds(MENTIONS_MAX)),
    },
    "typing": {"room": ROOM, "thread": Field(Uuid("a thread id"), required=True)},
    "read": {"room": ROOM, "seq": Field(SEQ, required=True)},
    "ping": {"nonce": Field(Nonce())},
}


# --- Validation ----------------------------------------------------------------------------------


def validate(text_data: str | None, bytes_data: bytes | None = None) -> dict:
    """The checked frame of one WebSocket message; raises ProtocolError."""
    raw = _parse(text_data, bytes_data)
    kind = raw.get("type")
    fields = FRAMES.get(kind) if isinstance(kind, str) else None
    if fields is None:
        raise ProtocolError(
            "unknown_type", f"type must be one of {', '.join(FRAMES)}", field="type"
        )
    ref = _ref(kind, raw)
    for name in raw:
        if name != "type" and name not in fields:
            raise ProtocolError(
                "unknown_field",
                f"{kind} has no field {_shown(name)}",
                field=_shown(name),
                ref=ref,
            )
    frame = {"type": kind}
    for name, spec in fields.items():
        value = raw.get(name)
        if value is None:
            if spec.required:
                raise ProtocolError("missing_field", f"{name} is required", field=name, ref=ref)
            frame[name] = spec.default
            continue
        try:
            frame[name] = spec.kind.clean(name, value)
        except ProtocolError as error:
            error.ref = ref
            raise
    return frame


def ref_of(frame: dict) -> str | None:
    """What an answer to a checked frame refers to: a send's client_id, else its type."""
    return frame.get("client_id") or frame["type"]


def error_frame(error: MessagingError, ref) -> dict:
    frame = {"type": "error", "code": error.code, "message": error.message, "ref": ref}
    if error.field is not None:
        frame["field"] = error.field
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        frame["retry_after"] = retry_after
    return frame


def _ref(kind: str, raw: dict):
    if kind == "send":
        client_id = raw.get("client_id")
        if isinstance(client_id, str):
            try:
                return _canonical_uuid(client_id)
            except ValueError:
                pass
    return kind


def _shown(name: str) -> str:
    return name if len(name) <= 64 else name[:61] + "..."


# --- Before and while parsing --------------------------------------------------------------------

_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def _parse(text_data, bytes_data) -> dict:
    if text_data is None:
        if bytes_data is not None and len(bytes_data) > MAX_FRAME_BYTES:
            raise ProtocolError("frame_too_large", "frames are at most 64 KiB")
        raise ProtocolError("binary_refused", "binary frames are not part of the protocol")
    if len(text_data) > MAX_FRAME_BYTES or len(text_data.encode("utf-8", "replace")) > (
        MAX_FRAME_BYTES
    ):
        raise ProtocolError("frame_too_large", "frames are at most 64 KiB")
    if _depth(text_data) > MAX_DEPTH:
        raise ProtocolError(
            "frame_too_deep", f"frames nest arrays and objects at most {MAX_DEPTH} deep"
        )
    try:
        frame = _DECODER.decode(text_data)
    except ProtocolError:
        raise
    except ValueError as exc:  # also RecursionError's kin cannot come: the depth is bounded
        raise ProtocolError("bad_json", "the frame is not valid JSON") from exc
    if not isinstance(frame, dict):
        raise ProtocolError("bad_json", "a frame is a JSON object")
    if "\\u" in text_data and _has_lone_surrogate(frame):
        raise ProtocolError("bad_json", "the frame holds text that is not valid Unicode")
    return frame


def _depth(text: str) -> int:
    """How deeply arrays and objects nest, brackets inside strings not counted. A frame with
    no more opening brackets than the limit cannot be too deep: counted in C, at once."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    for match in _STRUCTURE.finditer(text):
        mark = match.group()
        if mark in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break
        elif mark in ("]", "}"):
            depth -= 1
    return deepest


def _object(pairs: list) -> dict:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen = set()
        for name, _ in pairs:
            if name in seen:
                raise ProtocolError(
                    "duplicate_field", f"{_shown(name)} occurs twice", field=_shown(name)
                )
            seen.add(name)
    return found


def _no_constant(name: str):
    raise ProtocolError("bad_json", f"{name} is not a number of this protocol")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError("bad_json", "numbers must be finite")
    return value


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_constant=_no_constant, parse_float=_finite_float
)


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False
