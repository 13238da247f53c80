"""Room events as clients see them: the `event` frames of docs/protocol.md and the API history.

Message events carry the message's current state (clients replace a message by its id), so a
catch-up that replays `message.posted` after an edit shows the edited body, and a deleted
message shows no body.
"""

import functools
import json
import operator
import uuid
from collections.abc import Callable

from django.db.models import Q

from messaging import crypto
from messaging.models import Attachment, Message, RoomEvent
from messaging.realtime import prepared
from messaging.rendering import render_markdown
from network.accounts.models import User

MESSAGE_KINDS = {
    RoomEvent.Kind.MESSAGE_POSTED,
    RoomEvent.Kind.MESSAGE_EDITED,
    RoomEvent.Kind.MESSAGE_DELETED,
}
HISTORY_LIMIT_MAX = 500


def message_data(message: Message, body: str | None) -> dict:
    deleted = message.deleted_at is not None
    return {
        "id": str(message.pk),
        "seq": message.seq,
        "thread": str(message.thread_id),
        "sender": {"id": message.sender_id, "name": message.sender.display_name},
        "body": None if deleted else body,
        "html": None if deleted or body is None else render_markdown(body),
        "handling": {"code": message.handling_code, "note": message.handling_note},
        "evaluation": message.evaluation or None,
        "reply_to": message.reply_to.seq if message.reply_to_id else None,
        "mentions": message.mentions,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted_at": message.deleted_at.isoformat() if deleted else None,
    }


def event_data(event: RoomEvent, body: str | None = None) -> dict:
    """The event's `data`; `body` is the message's plaintext when the caller has it (the
    writer, right after storing it), else it is decrypted."""
    if event.kind in MESSAGE_KINDS and event.message_id:
        message = event.message
        if message.deleted_at:
            body = None
        elif body is None:
            body = crypto.open_body(message)
        return message_data(message, body)
    data = dict(event.details)
    if name_sealed_apart(event):
        names = getattr(event, "attachment_names", None)
        if names is None:
            names = _attachment_names([event])
        data["filename"] = names.get(data["attachment"])
    return data


def name_sealed_apart(event: RoomEvent) -> bool:
    """An `attachment.added` event whose file's name is sealed with the attachment, not
    kept in the event's details: every one but those stored before names were encrypted."""
    return event.kind == RoomEvent.Kind.ATTACHMENT_ADDED and "filename" not in event.details


def _attachment_names(events: list[RoomEvent]) -> dict[str, str]:
    """The decrypted names of the files that `attachment.added` events added (their names
    are not in the events' details), by attachment id: one query for all of them."""
    wanted = [event.details["attachment"] for event in events if name_sealed_apart(event)]
    if not wanted:
        return {}
    return {
        str(attachment.pk): crypto.open_attachment_name(attachment)
        for attachment in Attachment.objects.filter(pk__in=wanted).only(
            "id", "room_id", "key_epoch", "uploaded_by_id", "filename_ciphertext"
        )
    }


def event_dict(event: RoomEvent, body: str | None = None) -> dict:
    return {
        "type": "event",
        "room": str(event.room_id),
        "seq": event.seq,
        "kind": event.kind,
        "at": event.occurred_at.isoformat(),
        "actor": event.actor_id,
        "data": event_data(event, body),
    }


def event_frame(event: RoomEvent, body: str | None = None) -> str:
    """The `event` frame's JSON text, the same for every reader (see `event_data` for
    `body`)."""
    return json.dumps(event_dict(event, body), separators=(",", ":"), ensure_ascii=False)


_EVENT = [f.attname for f in RoomEvent._meta.concrete_fields]
_MESSAGE = [f.attname for f in Message._meta.concrete_fields]
_events_queries: dict[tuple[int, bool], prepared.PreparedQuery] = {}


def _events_query(limit: int, bounded: bool) -> prepared.PreparedQuery:
    """The events of several rooms, each after its own seq (and up to its own seq if
    `bounded`), with their message, its sender's name and the seq it replies to; in the
    order of room and seq (one query, compiled once per limit and shape).

    An upper bound keeps PostgreSQL's estimate of the rows small and so its plan a few index
    look-ups per event: without one, `seq > n` over many rooms can look like a large part of
    the table and turn the message join into a scan of every message."""
    query = _events_queries.get((limit, bounded))
    if query is None:

        def build(rooms, afters, uptos=()):
            uptos = uptos or [None] * len(rooms)
            wanted = (
                Q(room_id=room, seq__gt=after) & (Q() if upto is None else Q(seq__lte=upto))
                for room, after, upto in zip(rooms, afters, uptos, strict=True)
            )
            return (
                RoomEvent.objects.filter(functools.reduce(operator.or_, wanted))
                .order_by("room_id", "seq")
                .values_list(
                    *_EVENT,
                    *(f"message__{name}" for name in _MESSAGE),
                    "message__sender__display_name",
                    "message__reply_to__seq",
                )[:limit]
            )

        query = _events_queries[(limit, bounded)] = prepared.PreparedQuery(build)
    return query


def events_after(room_id, after: int, limit: int, upto: int | None = None) -> list[RoomEvent]:
    """Up to `limit` events with seq > after (and ≤ upto, if given), in order (one query),
    each with its message, the message's sender and the message it replies to loaded."""
    return events_after_in([(room_id, after, upto)], limit)()[0]


def events_after_in(requests, limit: int) -> Callable[[], list[list[RoomEvent]]]:
    """For each (room id, after, upto) of `requests`: its events with after < seq ≤ upto
    (upto None: no upper bound for any room), in order, up to `limit` events in all (the
    first rooms in id order first). One query for all the rooms, sent now and read when
    called (to send it with others: prepared.together)."""
    rooms = [_room_uuid(room_id) for room_id, _, _ in requests]
    values = {"rooms": rooms, "afters": [after for _, after, _ in requests]}
    bounded = all(upto is not None for _, _, upto in requests)
    if bounded:
        values["uptos"] = [upto for _, _, upto in requests]
    pending = _events_query(limit, bounded).execute(None, **values)

    def answer() -> list[list[RoomEvent]]:
        by_room: dict[uuid.UUID, list[RoomEvent]] = {room: [] for room in rooms}
        loaded = [_event(row) for row in pending.fetch()]
        names = _attachment_names(loaded)
        for event in loaded:
            event.attachment_names = names
            by_room[event.room_id].append(event)
        return [by_room[room] for room in rooms]

    return answer


def _room_uuid(room_id) -> uuid.UUID:
    return room_id if isinstance(room_id, uuid.UUID) else uuid.UUID(str(room_id))


def _event(row: tuple) -> RoomEvent:
    event = prepared.instance(RoomEvent, dict(zip(_EVENT, row, strict=False)))
    values = dict(zip(_MESSAGE, row[len(_EVENT) :], strict=False))
    if values["id"] is not None:
        message = prepared.instance(Message, values)
        message.sender = prepared.instance(User, {"id": message.sender_id, "display_name": row[-2]})
        if message.reply_to_id is not None:
            message.reply_to = prepared.instance(
                Message, {"id": message.reply_to_id, "seq": row[-1]}
            )
        event.message = message
    return event


def hidden_dict(event: RoomEvent) -> dict:
    """A restricted thread's event for someone who does not read the thread: its seq and
    time only (clients count it, and see no gap), nothing of the thread or its actor."""
    return {
        "type": "event",
        "room": str(event.room_id),
        "seq": event.seq,
        "kind": "restricted",
        "at": event.occurred_at.isoformat(),
        "actor": None,
        "data": {},
    }


def hidden_frame(event: RoomEvent) -> str:
    return json.dumps(hidden_dict(event), separators=(",", ":"))


def dicts_for(rows: list[RoomEvent], user_id: int | None) -> list[dict]:
    """`event_dict` of each of `rows` as `user_id` may see it (see `frames_for`)."""
    from messaging import access

    only = access.restricted_readers(rows)
    return [
        hidden_dict(row) if row.seq in only and user_id not in only[row.seq] else event_dict(row)
        for row in rows
    ]


def frames_for(rows: list[RoomEvent], user_id: int | None) -> list[tuple[int, str]]:
    """The `event` frames of `rows` as `user_id` may see them: a restricted thread's events
    hidden (`hidden_frame`) unless they read it (messaging/access.py, one query at most)."""
    from messaging import access

    only = access.restricted_readers(rows)
    return [
        (
            row.seq,
            hidden_frame(row)
            if row.seq in only and user_id not in only[row.seq]
            else event_frame(row),
        )
        for row in rows
    ]
