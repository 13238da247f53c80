"""The send pipeline: messages stored once per client id, in batches of one or several rooms.

A batch validates every request, looks up threads, replies, mentions and resends in a few
statements, takes each room's seqs in one statement, seals the bodies and writes messages,
events and their Merkle leaves in one transaction; the events are announced after commit.
A returned value means committed: callers acknowledge only after a posting function returns.
"""

import functools
import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from messaging import access, crypto, merkle
from messaging.errors import MessagingError, invalid
from messaging.events import event_frame
from messaging.models import (
    EVALUATION_CODES,
    Message,
    Room,
    RoomEvent,
    Thread,
)
from messaging.realtime import broadcast, prepared
from messaging.room_writes import (
    clean_body,
    clean_field,
    new_event,
    renew_worn_key,
)

HANDLING_NOTE_MAX = 500


@dataclass(frozen=True)
class PostResult:
    message: Message
    duplicate: bool

    def receipt(self) -> dict:
        """What the sender is told: the `ack` frame's fields and the API's answer."""
        return {
            "client_id": str(self.message.client_id),
            "room": str(self.message.room_id),
            "seq": self.message.seq,
            "message": str(self.message.pk),
            "duplicate": self.duplicate,
        }


# --- Messages ----------------------------------------------------------------------------


def _client_id(value) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if value is None or value == "":
        raise MessagingError("missing_field", "client_id is required", field="client_id")
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError) as exc:
        raise invalid("client_id", "client_id must be a UUID") from exc


def _handling(code, note) -> tuple[str, str]:
    if code is None or code == "":
        code = Message.Handling.H0
    if not isinstance(code, str) or code not in Message.Handling.values:
        raise invalid("handling", "handling must be H0, H1, H2 or H3")
    note = clean_field(note, "handling_note", max_length=HANDLING_NOTE_MAX, required=code == "H3")
    return code, note


def _evaluation(value) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or value.upper() not in EVALUATION_CODES:
        raise invalid("evaluation", "evaluation is a source letter A, B, C or X and 1-4")
    return value.upper()


@dataclass(frozen=True)
class SendRequest:
    """One message to post: what a `send` frame, a form or an API call carries."""

    sender: object
    thread: object
    client_id: object
    body: object
    handling_code: str | None = None
    handling_note: str | None = ""
    evaluation: str | None = None
    reply_to: int | None = None
    mentions: object = None

    @classmethod
    def from_payload(cls, sender, data: dict) -> "SendRequest":
        """From the fields of a `send` frame or of the API's message POST (the same names,
        docs/protocol.md); their values are checked when the request is posted."""
        return cls(
            sender=sender,
            thread=data.get("thread"),
            client_id=data.get("client_id"),
            body=data.get("body"),
            handling_code=data.get("handling"),
            handling_note=data.get("handling_note"),
            evaluation=data.get("evaluation"),
            reply_to=data.get("reply_to"),
            mentions=data.get("mentions"),
        )


@dataclass
class _Send:
    """A request that passed validation so far, on its way to being stored."""

    index: int
    request: SendRequest
    client_id: uuid.UUID
    body: str
    handling_code: str
    handling_note: str
    evaluation: str
    thread_id: uuid.UUID | None = None
    restricted: bool = False  # the thread is restricted (messaging/access.py)
    reply: Message | None = None
    mentions: list[int] = field(default_factory=list)
    digest_input: bytes = b""
    message: Message | None = None


def post_message(*, room: Room, sender, **fields) -> PostResult:
    """Store one message once per client_id; a resend returns the stored one (duplicate)."""
    return post_request(room, SendRequest(sender=sender, **fields))


def post_request(room: Room, request: SendRequest) -> PostResult:
    """`post_message` for a ready request; raises the MessagingError that refused it."""
    (result,) = post_messages(room=room, requests=[request])
    if isinstance(result, MessagingError):
        raise result
    return result


def post_messages(*, room: Room, requests: list[SendRequest]) -> list[PostResult | MessagingError]:
    """Store several messages of one room in one transaction: `post_to_rooms` for one room."""
    (results,) = post_to_rooms([(room, requests)])
    return results


def post_to_rooms(
    batches: list[tuple[Room, list[SendRequest]]],
) -> list[list[PostResult | MessagingError]]:
    """Store the messages of several rooms in one transaction (group commit).

    Each request gets its own result, in order: a `PostResult` (stored, or a resend of a
    stored message: `duplicate`) or the `MessagingError` that refused it; a refused request
    stores nothing and does not hold up the others. The checks of one request come in a
    fixed order (client_id, body, handling, evaluation, access, thread, reply, mentions,
    resend); the look-ups of every room go to the database together, in one round trip.

    Everything that does not need a room's next seq happens before the room rows are locked,
    encryption included (its associated data names the message id, not the seq). The locks
    are then taken, in the order of the rooms' ids (so that two writers never wait on each
    other), by the statements that take the seqs (`UPDATE … RETURNING head_seq`), and held
    for the two bulk inserts and the commit: busy rooms pay one lock each, one commit and one
    channel-layer notice each per batch, not per message. The access check is as strict as
    checking under the lock: a check inside the locking statement would read the snapshot
    taken before waiting for the lock as well.
    """
    results = [[None] * len(requests) for _, requests in batches]
    fresh = _to_store(batches, results)
    try:
        _store(fresh)
    except (IntegrityError, ClosedMeanwhile):
        # A concurrent send of the same client_id won the race, or a room was closed
        # meanwhile; this transaction, its seqs included, is rolled back. One by one, each
        # finds what won, is refused (a closed room) or stores anew.
        for (room, sends, _), room_results in zip(fresh, results, strict=True):
            for send in sends:
                room_results[send.index] = _post_alone(room, send.request)
    else:
        for (_, sends, _), room_results in zip(fresh, results, strict=True):
            for send in sends:
                room_results[send.index] = PostResult(send.message, duplicate=False)
    for room_results in results:
        for index, result in enumerate(room_results):
            if isinstance(result, _Send):  # a resend of a message stored in this batch
                room_results[index] = PostResult(result.message, duplicate=True)
    return results


def _post_alone(room: Room, request: SendRequest) -> PostResult | MessagingError:
    results: list = [[None]]
    ((_, fresh, readers),) = _to_store([(room, [request])], results)
    if fresh:
        try:
            _store([(room, fresh, readers)])
        except ClosedMeanwhile:
            return _closed_error()
        except IntegrityError:
            stored = Message.objects.filter(
                room=room, sender=request.sender, client_id=fresh[0].client_id
            ).first()
            if stored is None:
                raise
            return _duplicate(stored, fresh[0].digest_input)
        return PostResult(fresh[0].message, duplicate=False)
    return results[0][0]


def _to_store(batches: list[tuple[Room, list[SendRequest]]], results: list) -> list:
    """Check every request; refusals and resends go into `results`, and what is left to
    store is returned as (room, sends, readers) for each room: `readers` are the ids of
    everyone who may read the room, where the look-ups gave them (case and direct rooms)."""
    validated = [
        _validated(requests, room_results)
        for (_, requests), room_results in zip(batches, results, strict=True)
    ]
    with prepared.together():
        found = _look_up([room for room, _ in batches], validated)()
    fresh = []
    for (room, _), sends, room_found, room_results in zip(
        batches, validated, found, results, strict=True
    ):
        for check in (_readers, _open, _threads, _replies, _mentioned):
            refusals = check(room, sends, room_found)
            for send in sends:
                if send.index in refusals:
                    room_results[send.index] = refusals[send.index]
            sends = [send for send in sends if send.index not in refusals]
        # The notices name who reads every open thread: the hubs load the events for
        # sockets of those in a limited capacity (messaging/access.restricted_readers).
        readers = room_found.readers.of_open_threads if room_found.everyone else None
        fresh.append((room, _resends(room, sends, room_results, room_found), readers))
    return fresh


@dataclass
class _Found:
    readers: set[int]  # of the senders, or everyone's (`everyone`)
    everyone: bool
    threads: set[uuid.UUID]
    restricted: set[uuid.UUID]  # of those, the restricted ones
    resent: bool  # some client_id of the batch is already stored in the room


def _look_up(rooms: list[Room], sends: list[list[_Send]]) -> Callable[[], list[_Found]]:
    """Send the look-ups of a batch, for each room with its sends: who may read the room
    (everyone, for case and direct rooms: their notices carry them to the hubs; of the
    senders, for network channels, whose readers are every active member of the network),
    which of the named threads are the room's, whether any client_id is already stored.
    Five queries at most, whatever the number of rooms; the answer is read when called
    (after the block of `prepared.together`)."""
    everyone = [
        bool(room_sends) and room.kind != Room.Kind.NETWORK
        for room, room_sends in zip(rooms, sends, strict=True)
    ]
    readers = access.users_who_can_read_in(
        [
            (room, None if all_readers else [send.request.sender for send in room_sends])
            for room, room_sends, all_readers in zip(rooms, sends, everyone, strict=True)
        ]
    )
    everything = [send for room_sends in sends for send in room_sends]
    named = sorted({ref for send in everything if isinstance(ref := _thread_ref(send), uuid.UUID)})
    threads = named and _threads_of_rooms.execute(None, threads=named)
    keys = sorted(
        {
            (room.pk, send.request.sender.pk, send.client_id)
            for room, room_sends in zip(rooms, sends, strict=True)
            for send in room_sends
        }
    )
    stored = keys and _stored_client_ids.execute(
        None,
        rooms=[room for room, _, _ in keys],
        senders=[sender for _, sender, _ in keys],
        client_ids=[client_id for _, _, client_id in keys],
    )

    def answer() -> list[_Found]:
        threads_of: dict = {}
        restricted: set = set()
        for thread, room_id, is_restricted in threads.fetch() if threads else []:
            threads_of.setdefault(room_id, set()).add(thread)
            if is_restricted:
                restricted.add(thread)
        resent = {row[0] for row in stored.fetch()} if stored else set()
        return [
            _Found(
                room_readers,
                all_readers,
                threads_of.get(room.pk, set()),
                threads_of.get(room.pk, set()) & restricted,
                resent=room.pk in resent,
            )
            for room, room_readers, all_readers in zip(rooms, readers(), everyone, strict=True)
        ]

    return answer


def _thread_ref(send: _Send):
    """The thread a request names: a Thread, a UUID, or None if it names none or no UUID."""
    thread = send.request.thread
    if isinstance(thread, Thread) or thread in (None, ""):
        return thread or None
    try:
        return uuid.UUID(str(thread))
    except (TypeError, ValueError, AttributeError):
        return None


def _validated(requests: list[SendRequest], results: list) -> list[_Send]:
    sends = []
    for index, request in enumerate(requests):
        try:
            client_id = _client_id(request.client_id)
            body = clean_body(request.body)
            code, note = _handling(request.handling_code, request.handling_note)
            evaluation = _evaluation(request.evaluation)
        except MessagingError as error:
            results[index] = error
            continue
        sends.append(_Send(index, request, client_id, body, code, note, evaluation))
    return sends


def _readers(room: Room, sends: list[_Send], found: _Found) -> dict[int, MessagingError]:
    return {
        send.index: MessagingError("unknown_room", "no such room")
        for send in sends
        if access.user_pk(send.request.sender) not in found.readers
        or not send.request.sender.is_active
    }


class ClosedMeanwhile(Exception):
    """A room of the batch was closed between the checks and the lock."""


def _closed_error() -> MessagingError:
    return MessagingError("room_closed", "the case is closed: the room is read-only")


def _open(room: Room, sends: list[_Send], found: _Found) -> dict[int, MessagingError]:
    """A closed case room takes no more messages (messaging/records/closure.py)."""
    if room.closed_at is None:
        return {}
    return {send.index: _closed_error() for send in sends}


def _threads(room: Room, sends: list[_Send], found: _Found) -> dict[int, MessagingError]:
    refusals = {}
    for send in sends:
        thread = _thread_ref(send)
        if isinstance(thread, Thread):
            send.thread_id = thread.pk
            send.restricted = thread.restricted
            if thread.room_id != room.pk:
                refusals[send.index] = invalid("thread", "no such thread in this room")
        elif thread is not None:
            send.thread_id = thread
            send.restricted = thread in found.restricted
            if thread not in found.threads:
                refusals[send.index] = invalid("thread", "no such thread in this room")
        elif send.request.thread in (None, ""):
            refusals[send.index] = MessagingError(
                "missing_field", "thread is required", field="thread"
            )
        else:
            refusals[send.index] = invalid("thread", "no such thread in this room")
    limited = getattr(found.readers, "limited", set())
    restricted = {
        send.thread_id
        for send in sends
        if send.restricted or access.user_pk(send.request.sender) in limited
    }
    if restricted:
        # A restricted thread takes messages from its readers only; to anyone else it is
        # no thread of this room (one query, only for batches that name such threads).
        readers = access.thread_readers(restricted)
        for send in sends:
            sender = access.user_pk(send.request.sender)
            if (
                (send.restricted or sender in limited)
                and send.index not in refusals
                and sender not in readers.get(send.thread_id, ())
            ):
                refusals[send.index] = invalid("thread", "no such thread in this room")
    return refusals


_threads_of_rooms = prepared.PreparedQuery(
    lambda threads: (
        Thread.objects.filter(pk__in=threads).values_list("pk", "room_id", "restricted").order_by()
    )
)
# Rooms where a (room, sender, client_id) of the batch, given as three lists of the same
# length, is already stored. One exact condition per key, ORed: each is a look-up in the unique
# index of the three, whatever the room's size. (`room IN … AND sender IN … AND client_id IN
# …` was planned as a scan of the room's whole index: 3 ms in a room of 5,000 messages.)
_stored_client_ids = prepared.PreparedQuery(
    lambda rooms, senders, client_ids: (
        Message.objects.filter(
            functools.reduce(
                operator.or_,
                (
                    Q(room_id=room, sender_id=sender, client_id=client_id)
                    for room, sender, client_id in zip(rooms, senders, client_ids, strict=True)
                ),
            )
        )
        .values_list("room_id")
        .order_by()
    )
)


def _replies(room: Room, sends: list[_Send], found: _Found) -> dict[int, MessagingError]:
    refusal = invalid("reply_to", "reply_to is the seq of a message in this room")
    refusals, wanted = {}, {}
    for send in sends:
        reply_to = send.request.reply_to
        if reply_to is None:
            continue
        if isinstance(reply_to, bool) or not isinstance(reply_to, int):
            refusals[send.index] = refusal
        else:
            wanted[send.index] = reply_to
    if wanted:
        rows = Message.objects.filter(room=room, seq__in=set(wanted.values()))
        found = {row.seq: row for row in rows}
        for send in sends:
            if send.index in wanted:
                send.reply = found.get(wanted[send.index])
                if send.reply is None:
                    refusals[send.index] = refusal
    return refusals


def _mentioned(room: Room, sends: list[_Send], found: _Found) -> dict[int, MessagingError]:
    """Mentioned members: ids of people who may read the room, each once, in order."""
    refusals, wanted = {}, {}
    for send in sends:
        mentions = send.request.mentions
        if mentions in (None, []):
            continue
        if (
            not isinstance(mentions, list)
            or len(mentions) > 50
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in mentions)
        ):
            refusals[send.index] = invalid("mentions", "mentions is a list of at most 50 user ids")
        else:
            wanted[send.index] = list(dict.fromkeys(mentions))
    if wanted:
        readers = access.users_with_access(room, {i for ids in wanted.values() for i in ids})
        for send in sends:
            if send.index in wanted:
                send.mentions = wanted[send.index]
                if set(send.mentions) - readers:
                    refusals[send.index] = invalid(
                        "mentions", "a mentioned person cannot read this room"
                    )
        # Those in a limited capacity read only the threads they are named readers of.
        limited = access.limited_participants([room.pk]).get(room.pk, set())
        named = {
            send.thread_id
            for send in sends
            if send.index in wanted and (send.restricted or limited & set(send.mentions))
        }
        thread_readers = access.thread_readers(named) if named else {}
        for send in sends:
            outside = set()
            if send.index in wanted:
                readers_of = thread_readers.get(send.thread_id, set())
                outside = set(send.mentions) - (
                    readers_of if send.restricted else readers_of | (readers - limited)
                )
            if send.index in wanted and send.index not in refusals and outside:
                refusals[send.index] = invalid(
                    "mentions", "a mentioned person cannot read this thread"
                )
    return refusals


def _resends(room: Room, sends: list[_Send], results: list, found: _Found) -> list[_Send]:
    """The sends to store: a resend of a stored message (or of one earlier in the batch)
    gets the stored one back, or `client_id_conflict` if its content differs."""
    for send in sends:
        send.digest_input = merkle.canonical_json(
            {
                "thread": str(send.thread_id),
                "body": send.body,
                "handling": send.handling_code,
                "note": send.handling_note,
                "evaluation": send.evaluation,
                "reply_to": send.reply.seq if send.reply else None,
                "mentions": send.mentions,
            }
        )
    stored = {}
    if sends and found.resent:
        # A resend (rare): the stored messages themselves.
        rows = Message.objects.filter(
            room=room,
            sender_id__in={send.request.sender.pk for send in sends},
            client_id__in={send.client_id for send in sends},
        )
        stored = {(row.sender_id, row.client_id): row for row in rows}
    fresh, earlier = [], {}
    for send in sends:
        key = (send.request.sender.pk, send.client_id)
        if key in stored:
            try:
                results[send.index] = _duplicate(stored[key], send.digest_input)
            except MessagingError as error:
                results[send.index] = error
        elif key in earlier:
            first = earlier[key]
            if crypto.digest_matches(send.digest_input, first.message.content_digest):
                results[send.index] = first  # resolved once the first is stored
            else:
                results[send.index] = MessagingError(
                    "client_id_conflict", "this client_id was already used for a different message"
                )
        else:
            send.message = _new_message(room, send)
            earlier[key] = send
            fresh.append(send)
    return fresh


def _new_message(room: Room, send: _Send) -> Message:
    message = Message(
        id=uuid.uuid4(),
        room=room,
        thread_id=send.thread_id,
        sender=send.request.sender,
        client_id=send.client_id,
        key_epoch=room.key_epoch,
        content_digest=crypto.content_digest(send.digest_input),
        handling_code=send.handling_code,
        handling_note=send.handling_note,
        evaluation=send.evaluation,
        reply_to=send.reply,
        mentions=send.mentions,
    )
    message.body_ciphertext = crypto.seal_body(message, send.body)
    return message


def _store(batches: list[tuple[Room, list[_Send], set[int] | None]]) -> None:
    """Number, insert and log the messages of each room's sends in one transaction; one
    notice per room after commit.

    Three round trips to PostgreSQL: the transaction's start with the statements that lock
    the rooms (in the order of their ids) and take their seqs, the two inserts, the commit."""
    batches = sorted((batch for batch in batches if batch[1]), key=lambda batch: str(batch[0].pk))
    if not batches:
        return
    with transaction.atomic():
        with prepared.together():
            taken = [_take_seq_later(room, len(sends)) for room, sends, _ in batches]
            taken = [answer() for answer in taken]
        messages, events = [], []
        for (room, _sends, _), (*_, closed_at) in zip(batches, taken, strict=True):
            if closed_at is not None:  # closed since the checks: nothing of this batch stays
                room.closed_at = closed_at
                raise ClosedMeanwhile(room.pk)
        for (room, sends, readers), (head, epoch, epoch_from, _) in zip(
            batches, taken, strict=True
        ):
            room.head_seq, room.key_epoch = head - len(sends), epoch
            room.key_epoch_from = epoch_from
            posted = []
            for send in sends:
                message = send.message
                message.seq = room.head_seq + 1
                if message.key_epoch != epoch:  # the room's key changed meanwhile
                    message.key_epoch = epoch
                    message.body_ciphertext = crypto.seal_body(message, send.body)
                messages.append(message)
                event = new_event(
                    room,
                    kind=RoomEvent.Kind.MESSAGE_POSTED,
                    actor=send.request.sender,
                    details=_message_details(message, send.restricted),
                    secret=send.body,
                    message=message,
                )
                events.append(event)
                posted.append((event, send.body))
            # A restricted thread's messages are never carried: the hubs load them and
            # deliver them to the thread's readers only (messaging/realtime/hub.py).
            carried = not any(send.restricted for send in sends)
            transaction.on_commit(
                functools.partial(_announce, room.pk, posted, readers, carried=carried)
            )
        with prepared.together():
            _insert_messages.save(messages)
            _insert_events.save(events)
        for room, _, _ in batches:
            renew_worn_key(room)


_insert_messages = prepared.BulkInsert(Message)
_insert_events = prepared.BulkInsert(RoomEvent)


def _announce(
    room_id, posted: list[tuple[RoomEvent, str]], readers: set[int] | None, *, carried=True
) -> None:
    """After commit: the room's new events, with their frames rendered from the bodies at
    hand, so that the hubs need not load and decrypt them again, and who could read the room
    when they were stored (if known), so that the hubs need not ask
    (messaging/realtime/broadcast.py)."""
    if not carried:
        broadcast.room_event(room_id, posted[-1][0].seq)
        return
    frames = [(event.seq, event_frame(event, body)) for event, body in posted]
    broadcast.room_event(room_id, posted[-1][0].seq, frames, readers=readers)


def _take_seq_later(room: Room, count: int) -> Callable[[], tuple[int, int, int]]:
    """Lock the room row and take its next `count` seqs in one statement; the answer, read
    when called: (last seq, key epoch, head_seq when the epoch began)."""
    table = connection.ops.quote_name(Room._meta.db_table)
    cursor = prepared.cursor()
    cursor.execute(
        f"UPDATE {table} SET head_seq = head_seq + %s WHERE id = %s "  # noqa: S608
        "RETURNING head_seq, key_epoch, key_epoch_from, closed_at",
        [count, Room._meta.pk.get_db_prep_value(room.pk, connection)],
    )

    def answer() -> tuple[int, int, int, object]:
        with cursor:
            row = cursor.fetchone()
        if row is None:
            raise MessagingError("unknown_room", "no such room")
        return row[0], row[1], row[2], row[3]

    return answer


def _duplicate(stored: Message, digest_input: bytes) -> PostResult:
    if not crypto.digest_matches(digest_input, stored.content_digest):
        raise MessagingError(
            "client_id_conflict", "this client_id was already used for a different message"
        )
    return PostResult(stored, duplicate=True)


def _message_details(message: Message, restricted: bool = False) -> dict:
    mark = {"restricted": str(message.thread_id)} if restricted else {}
    return {
        **mark,
        "message": str(message.pk),
        "thread": str(message.thread_id),
        "handling": message.handling_code,
        "note": message.handling_note,
        "evaluation": message.evaluation,
        "reply_to": str(message.reply_to_id) if message.reply_to_id else None,
        "mentions": message.mentions,
    }
