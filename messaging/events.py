"""Room events as clients see them: the `event` frames of docs/protocol.md and the API history.

Message events carry the message's current state (clients replace a message by its id), so a
catch-up that replays `message.posted` after an edit shows the edited body, and a deleted
message shows no body.
"""

import json
import uuid
from collections.abc import Callable

from messaging import crypto, prepared
from messaging.models import Message, RoomEvent
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


def event_data(event: RoomEvent) -> dict:
    if event.kind in MESSAGE_KINDS and event.message_id:
        message = event.message
        body = None if message.deleted_at else crypto.open_body(message)
        return message_data(message, body)
    return dict(event.details)


def event_dict(event: RoomEvent) -> dict:
    return {
        "type": "event",
        "room": str(event.room_id),
        "seq": event.seq,
        "kind": event.kind,
        "at": event.occurred_at.isoformat(),
        "actor": event.actor_id,
        "data": event_data(event),
    }


def event_frame(event: RoomEvent) -> str:
    return json.dumps(event_dict(event), separators=(",", ":"), ensure_ascii=False)


_EVENT = [f.attname for f in RoomEvent._meta.concrete_fields]
_MESSAGE = [f.attname for f in Message._meta.concrete_fields]
_events_queries: dict[int, prepared.PreparedQuery] = {}


def _events_query(limit: int) -> prepared.PreparedQuery:
    """Events after a seq with their message, its sender's name and the seq it replies to
    (one query, compiled once per limit)."""
    query = _events_queries.get(limit)
    if query is None:
        query = _events_queries[limit] = prepared.PreparedQuery(
            lambda room, after: (
                RoomEvent.objects.filter(room_id=room, seq__gt=after)
                .order_by("seq")
                .values_list(
                    *_EVENT,
                    *(f"message__{name}" for name in _MESSAGE),
                    "message__sender__display_name",
                    "message__reply_to__seq",
                )[:limit]
            )
        )
    return query


def events_after(room_id, after: int, limit: int) -> list[RoomEvent]:
    """Up to `limit` events with seq > after, in order (one query), each with its message,
    the message's sender and the message it replies to loaded."""
    return events_after_later(room_id, after, limit)()


def events_after_later(room_id, after: int, limit: int) -> Callable[[], list[RoomEvent]]:
    """`events_after`, its query sent now and its answer read when called (to send it with
    others: prepared.together)."""
    pending = _events_query(limit).execute(None, room=_room_uuid(room_id), after=after)
    return lambda: [_event(row) for row in pending.fetch()]


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
