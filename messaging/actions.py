"""Every write of messaging. Each validates, locks the room row to take the next seq, writes
the record, its RoomEvent and Merkle leaf in one transaction, and notifies after commit.

A returned value means committed: callers acknowledge only after an action returns.
"""

import re
import unicodedata
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from messaging import access, crypto, signals
from messaging.errors import MessagingError, invalid
from messaging.files import detect_content_type
from messaging.models import (
    LIMITED_CAPACITIES,
    Attachment,
    CaseTag,
    Message,
    MessageRevision,
    ReadMarker,
    Room,
    RoomEvent,
    RoomParticipant,
    Thread,
    ThreadReader,
)
from messaging.realtime import broadcast
from messaging.room_writes import (
    append_event,
    attachment_secret,
    clean_body,
    clean_field,
    eligible,
    finish_write,
    lock_room,
    new_epoch,
    require_reader,
)
from network import membership
from network.audit import log as audit
from network.iso import validate_state

TITLE_MAX = 200
TAG_MAX = 120
FILENAME_MAX = 255


def rotate_room_key(*, room: Room, reason: str) -> int:
    """Start a new data-key epoch for `room` (by schedule or on request), on record.
    Returns the new epoch."""
    reason = clean_field(reason, "reason", max_length=500)
    with transaction.atomic():
        room = lock_room(room)
        epoch = new_epoch(room)
        audit.record(
            "messaging.room_key_rotated", target=room, reason=reason, details={"epoch": epoch}
        )
    return epoch


# --- Rooms and participants --------------------------------------------------------------


def create_room(
    *, kind: str, creator, title: str = "", network=None, participants=(), networks=()
) -> Room:
    """Open a room. The creator owns a case or direct room; `participants` are invited.
    `networks`: the networks the room brings together, recorded on it and in its log."""
    if kind not in Room.Kind.values:
        raise invalid("kind", "kind must be case, network or direct")
    title = clean_field(title, "title", max_length=TITLE_MAX, required=kind == Room.Kind.CASE)
    network_id = network.pk if network is not None else None
    if kind == Room.Kind.NETWORK:
        if network is None:
            raise MessagingError(
                "missing_field", "a network channel needs a network", field="network"
            )
        if not membership.is_coordinator(creator, network):
            raise MessagingError("forbidden", "only a coordinator opens a network channel")
        participants = ()
    elif not eligible(creator, network_id):
        raise MessagingError("forbidden", "you are not an active member of this network")
    invited = {user.pk: user for user in participants if user.pk != creator.pk}
    if kind == Room.Kind.DIRECT and not invited:
        raise MessagingError(
            "missing_field", "a direct room needs another member", field="participants"
        )
    for user in invited.values():
        if not eligible(user, network_id):
            raise invalid("participants", f"{user} is not an active member of this network")
    with transaction.atomic():
        room = Room(kind=kind, title=title, network=network, created_by=creator)
        room.save(force_insert=True)
        details = {"kind": kind, "title": title, "network": network_id}
        if networks:
            room.networks.set(networks)
            details["networks"] = sorted({n.pk for n in networks})
        crypto.new_room_key(room, 1).save()
        event = append_event(room, kind=RoomEvent.Kind.ROOM_CREATED, actor=creator, details=details)
        if room.has_participants:
            _, event = enter_room(room, creator, RoomParticipant.Role.OWNER, creator)
            for user in invited.values():
                _, event = enter_room(room, user, RoomParticipant.Role.PARTICIPANT, creator)
        audit.record("messaging.room_created", actor=creator, target=room, details={"kind": kind})
        finish_write(room, event)
    return room


def direct_room_between(user, other) -> Room | None:
    """The direct room that `user` and `other` are both current participants of, with no
    one else in it (the oldest, if several), among the rooms `user` may read; or None."""
    current = RoomParticipant.objects.current()
    candidates = (
        access.readable_rooms(user)
        .filter(kind=Room.Kind.DIRECT, network__isnull=True)
        .filter(pk__in=current.filter(user=other).values("room_id"))
        .filter(pk__in=current.filter(user=user).values("room_id"))
        .exclude(pk__in=current.exclude(user__in=[user, other]).values("room_id"))
        .order_by("created_at", "pk")
    )
    return candidates.first()


def open_direct_room(*, creator, other, thread_title: str) -> tuple[Room, Thread]:
    """A message box for `creator` and `other`: their direct room (reused if there is one,
    opened through `create_room` otherwise) and a thread of it to write in (its latest, or a
    new one titled `thread_title` when it has none)."""
    room = direct_room_between(creator, other)
    if room is None:
        room = create_room(kind=Room.Kind.DIRECT, creator=creator, participants=[other])
    thread = Thread.objects.filter(room=room).order_by("-created_at", "-pk").first()
    if thread is None:
        thread = create_thread(room=room, creator=creator, title=thread_title)
    return room, thread


def enter_room(
    room: Room, user, role: str, added_by, capacity: str = "official", **guest
) -> tuple[RoomParticipant, RoomEvent]:
    """`user` takes part in `room` from now on, on the room's log (inside the caller's
    transaction). A room guest (messaging/guests) comes with `guest_until` and `approved_by`,
    which the log records too."""
    participation = RoomParticipant.objects.create(
        room=room,
        user=user,
        role=role,
        added_by=added_by,
        capacity=capacity,
        guest_until=guest.get("guest_until"),
    )
    details = {"user": user.pk, "name": user.display_name, "role": role, "capacity": capacity}
    if guest:
        details.update(
            guest_until=guest["guest_until"].isoformat(), approved_by=guest["approved_by"]
        )
    event = append_event(
        room, kind=RoomEvent.Kind.PARTICIPANT_ADDED, actor=added_by, details=details
    )
    return participation, event


def end_participation(room: Room, participation: RoomParticipant, removed_by) -> tuple:
    """End `participation` now, on the room's log, inside the caller's transaction on the
    locked `room`: what the room stores from then on is sealed with a key that was never in
    use while the removed person could read it (a new epoch), and their sockets of the room
    close after commit. A room guest's stay ends with it. Returns (the event, the new epoch);
    the caller finishes the write."""
    participation.removed_at = timezone.now()
    participation.removed_by = removed_by
    participation.save(update_fields=["removed_at", "removed_by"])
    if participation.guest_until is not None:
        from messaging.guests.models import RoomGuest

        RoomGuest.objects.filter(participation=participation).update(
            status=RoomGuest.Status.ENDED,
            ended_at=participation.removed_at,
            ended_by=removed_by,
        )
    user = participation.user
    event = append_event(
        room,
        kind=RoomEvent.Kind.PARTICIPANT_REMOVED,
        actor=removed_by,
        details={"user": user.pk, "name": user.display_name},
    )
    epoch = new_epoch(room)
    room_id, user_id = room.pk, user.pk
    transaction.on_commit(lambda: broadcast.member_access_changed(user_id, room_id=room_id))
    return event, epoch


def allowed_capacities(room: Room) -> list[str]:
    """The capacities participants of `room` may take part in: its network's room policy
    (official only for a room of no network)."""
    if room.network_id is None:
        return [RoomParticipant.Capacity.OFFICIAL]
    allowed = set(room.network.allowed_capacities or ()) | {RoomParticipant.Capacity.OFFICIAL}
    return [value for value in RoomParticipant.Capacity.values if value in allowed]


def check_capacity(room: Room, capacity, role: str) -> str:
    """`capacity` if the room's network allows it (and it fits `role`); else a refusal."""
    if capacity in (None, ""):
        return RoomParticipant.Capacity.OFFICIAL
    if capacity not in RoomParticipant.Capacity.values:
        raise invalid("capacity", "capacity must be official, support, observer or adviser")
    if capacity not in allowed_capacities(room):
        raise MessagingError(
            "capacity_not_allowed",
            "this network's rooms do not take participants in this capacity",
            field="capacity",
        )
    if capacity in LIMITED_CAPACITIES and role == RoomParticipant.Role.OWNER:
        raise invalid("capacity", "an owner takes part as an official or an adviser")
    return capacity


def add_participant(
    *, room: Room, user, added_by, role: str = "participant", capacity=None
) -> RoomParticipant:
    if not room.has_participants:
        raise MessagingError("forbidden", "a network channel has no invited participants")
    if role not in RoomParticipant.Role.values:
        raise invalid("role", "role must be owner or participant")
    if not access.is_owner(added_by, room) or not access.can_read(added_by, room):
        raise MessagingError("forbidden", "only an owner of the room invites members")
    if access.is_limited(added_by, room):
        raise MessagingError(
            "capacity_limited", "a participant in a support or observer capacity does not invite"
        )
    capacity = check_capacity(room, capacity, role)
    if not eligible(user, room.network_id):
        raise invalid("user", "this person is not an active member of the network")
    with transaction.atomic():
        room = lock_room(room)
        if RoomParticipant.objects.current().filter(room=room, user=user).exists():
            raise invalid("user", "this person is already a participant")
        participation, event = enter_room(room, user, role, added_by, capacity)
        audit.record(
            "messaging.participant_added",
            actor=added_by,
            target=room,
            details={"user": user.pk, "capacity": capacity},
        )
        finish_write(room, event)
    return participation


def remove_participant(*, room: Room, user, removed_by, reason: str = "") -> None:
    """An owner removes a participant, or a participant leaves. The row records the end."""
    if not room.has_participants:
        raise MessagingError("forbidden", "a network channel has no invited participants")
    if user.pk != removed_by.pk and not access.is_owner(removed_by, room):
        raise MessagingError("forbidden", "only an owner of the room removes members")
    reason = clean_field(reason, "reason", max_length=500, required=False)
    with transaction.atomic():
        room = lock_room(room)
        current = RoomParticipant.objects.current().filter(room=room)
        participation = current.filter(user=user).select_related("user").first()
        if participation is None:
            raise invalid("user", "this person is not a participant")
        owners = current.filter(role=RoomParticipant.Role.OWNER)
        last_owner = participation.role == RoomParticipant.Role.OWNER and owners.count() == 1
        if last_owner and current.count() > 1:
            raise MessagingError("forbidden", "make another participant owner first")
        event, epoch = end_participation(room, participation, removed_by)
        audit.record(
            "messaging.participant_removed",
            actor=removed_by,
            target=room,
            reason=reason,
            details={"user": user.pk, "key_epoch": epoch},
        )
        finish_write(room, event)


def set_default_handling(*, room: Room, owner, code) -> Room:
    """An owner sets the handling code the room's composer starts with and returns to after
    every send. On record as a room event and an audit entry; nothing changes when the code
    is already the default."""
    if code not in Message.Handling.values:
        raise invalid("default_handling", "default_handling must be H0, H1, H2 or H3")
    require_reader(owner, room)
    if not access.is_owner(owner, room):
        raise MessagingError(
            "forbidden", "only an owner of the room sets its default handling code"
        )
    with transaction.atomic():
        room = lock_room(room)
        previous = room.default_handling
        if previous == code:
            return room
        room.default_handling = code
        room.save(update_fields=["default_handling"])
        event = append_event(
            room,
            kind=RoomEvent.Kind.DEFAULT_HANDLING_CHANGED,
            actor=owner,
            details={"default_handling": code, "previous": previous},
        )
        audit.record(
            "messaging.default_handling_changed",
            actor=owner,
            target=room,
            details={"from": previous, "to": code},
        )
        finish_write(room, event)
    return room


# --- Threads and case tags ---------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-_/.,:;|\\]+")


def normalize_tag(value: str) -> str:
    """Case numbers and operation names compare without case, accents or separators."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SEPARATORS.sub("-", plain.casefold()).strip("-")


def parse_tags(tags) -> list[CaseTag]:
    if tags is None:
        return []
    if not isinstance(tags, list) or len(tags) > 20:
        raise invalid("tags", "tags must be a list of at most 20 case tags")
    parsed, seen = [], set()
    for item in tags:
        if not isinstance(item, dict):
            raise invalid("tags", "each tag is an object with kind, value (and state)")
        kind = item.get("kind")
        value = clean_field(item.get("value"), "tags.value", max_length=TAG_MAX)
        if kind == CaseTag.Kind.CASE_NUMBER:
            state = item.get("state")
            if not isinstance(state, str):
                raise invalid("tags.state", "a case number needs its state (ISO 3166-1 code)")
            try:
                validate_state(state.upper())
            except Exception as exc:
                raise invalid("tags.state", f"{state!r} is not an ISO 3166-1 code") from exc
            state = state.upper()
        elif kind == CaseTag.Kind.OPERATION:
            state = ""
        else:
            raise invalid("tags.kind", "a tag kind is case_number or operation")
        normalized = normalize_tag(value)
        if not normalized:
            raise invalid("tags.value", "a tag needs letters or digits")
        if (kind, state, normalized) in seen:
            continue
        seen.add((kind, state, normalized))
        parsed.append(CaseTag(kind=kind, state=state, value=value, normalized=normalized))
    return parsed


def _thread_readers(room: Room, creator, readers) -> list:
    """The named readers of a new restricted thread: current participants of the room, and
    the creator among them."""
    if not isinstance(readers, list | tuple | set) or not readers:
        raise MessagingError(
            "missing_field", "a restricted thread needs at least one reader", field="readers"
        )
    ids = set()
    for reader in readers:
        pk = getattr(reader, "pk", reader)
        if isinstance(pk, bool) or not isinstance(pk, int):
            raise invalid("readers", "readers must be member ids")
        ids.add(pk)
    participants = set(
        RoomParticipant.objects.current()
        .filter(room=room, user_id__in=ids | {creator.pk})
        .values_list("user_id", flat=True)
    )
    if ids - participants:
        raise invalid("readers", "every reader must be a participant of the room")
    return sorted(ids | {creator.pk})


def create_thread(
    *,
    room: Room,
    creator,
    title: str,
    tags=None,
    restricted: bool = False,
    victim_sensitive: bool = False,
    readers=(),
) -> Thread:
    """A thread of the room. A restricted one (always so if victim-sensitive) is read by its
    named `readers` (participants) and its creator only (messaging/access.py)."""
    title = clean_field(title, "title", max_length=TITLE_MAX)
    case_tags = parse_tags(tags)
    require_reader(creator, room)
    restricted = bool(restricted or victim_sensitive)
    if restricted and not room.has_participants:
        raise invalid("restricted", "only a case or direct room has restricted threads")
    reader_ids = _thread_readers(room, creator, readers) if restricted else []
    if not restricted and access.is_limited(creator, room):
        # Someone in a limited capacity reads only the threads they are named readers of:
        # of the open threads they open, too.
        reader_ids = [creator.pk]
    with transaction.atomic():
        room = lock_room(room)
        thread = Thread.objects.create(
            room=room,
            title=title,
            created_by=creator,
            restricted=restricted,
            victim_sensitive=bool(victim_sensitive),
        )
        for tag in case_tags:
            tag.thread = thread
        CaseTag.objects.bulk_create(case_tags)
        ThreadReader.objects.bulk_create(
            ThreadReader(thread=thread, user_id=pk, added_by=creator) for pk in reader_ids
        )
        event = append_event(
            room,
            kind=RoomEvent.Kind.THREAD_CREATED,
            actor=creator,
            details={
                "thread": str(thread.pk),
                "title": title,
                "tags": [tag.as_dict() for tag in case_tags],
                **(
                    {"readers": reader_ids, "victim_sensitive": thread.victim_sensitive}
                    if restricted
                    else {}
                ),
                **access.restricted_mark(thread),
            },
        )
        finish_write(room, event)
    return thread


def _may_manage_readers(thread: Thread, user, reader=None) -> None:
    """A restricted thread's readers, or an open thread's readers in a limited capacity
    (support, observer), who read only the threads they are named readers of."""
    if not access.can_read_thread(user, thread):
        raise MessagingError("not_found", "no such thread in this room")
    if not thread.restricted and (reader is None or not access.is_limited(reader, thread.room)):
        raise invalid("thread", "this thread is not restricted")
    if thread.created_by_id != user.pk and not access.is_owner(user, thread.room):
        raise MessagingError(
            "forbidden", "only the thread's creator or an owner of the room names its readers"
        )


def add_thread_reader(*, thread: Thread, user, added_by) -> ThreadReader:
    _may_manage_readers(thread, added_by, user)
    if not RoomParticipant.objects.current().filter(room=thread.room, user=user).exists():
        raise invalid("user", "every reader must be a participant of the room")
    with transaction.atomic():
        room = lock_room(thread.room)
        if ThreadReader.objects.current().filter(thread=thread, user=user).exists():
            raise MessagingError("already_member", "already a reader of this thread")
        reader, event = name_reader(room, thread, user, added_by)
        finish_write(room, event)
    return reader


def name_reader(room: Room, thread: Thread, user, added_by) -> tuple[ThreadReader, RoomEvent]:
    """`user` reads `thread` from now on, on the room's log (inside the caller's transaction
    on the locked `room`; the caller finishes the write)."""
    reader = ThreadReader.objects.create(thread=thread, user=user, added_by=added_by)
    event = append_event(
        room,
        kind=RoomEvent.Kind.THREAD_READER_ADDED,
        actor=added_by,
        details={"thread": str(thread.pk), "user": user.pk, **access.restricted_mark(thread)},
    )
    return reader, event


def remove_thread_reader(*, thread: Thread, user, removed_by) -> int:
    """End `user`'s reading of a restricted thread. What is sealed from now on uses a new data
    key of the room (a new epoch). Returns the new epoch."""
    _may_manage_readers(thread, removed_by, user)
    with transaction.atomic():
        room = lock_room(thread.room)
        reader = ThreadReader.objects.current().filter(thread=thread, user=user).first()
        if reader is None:
            raise invalid("user", "not a reader of this thread")
        if thread.restricted and ThreadReader.objects.current().filter(thread=thread).count() == 1:
            raise invalid("user", "a restricted thread keeps at least one reader")
        reader.removed_at, reader.removed_by = timezone.now(), removed_by
        reader.save(update_fields=["removed_at", "removed_by"])
        event = append_event(
            room,
            kind=RoomEvent.Kind.THREAD_READER_REMOVED,
            actor=removed_by,
            details={"thread": str(thread.pk), "user": user.pk, **access.restricted_mark(thread)},
        )
        room.save(update_fields=["head_seq"])
        epoch = new_epoch(room)
        audit.record(
            "messaging.thread_reader_removed",
            actor=removed_by,
            target=thread,
            details={"user": user.pk, "epoch": epoch},
        )
        room_id, seq = room.pk, event.seq
        transaction.on_commit(lambda: broadcast.room_event(room_id, seq))
    return epoch


def _own_message(message: Message, user) -> None:
    if message.sender_id != user.pk:
        raise MessagingError("forbidden", "only the sender changes a message")
    if message.deleted_at is not None:
        raise MessagingError("forbidden", "the message was deleted")


def edit_message(*, message: Message, editor, body) -> Message:
    """Replace the body; the previous body is kept as a revision."""
    body = clean_body(body)
    _own_message(message, editor)
    require_reader(editor, message.room)
    with transaction.atomic():
        room = lock_room(message.room)
        message = Message.objects.select_for_update().get(pk=message.pk)
        _own_message(message, editor)
        previous = crypto.open_body(message)
        number = message.revisions.count() + 1
        revision = MessageRevision(
            message=message,
            number=number,
            key_epoch=room.key_epoch,
            written_at=message.edited_at or message.created_at,
        )
        revision.body_ciphertext = crypto.seal_revision(
            revision, previous, room_id=room.pk, sender_id=message.sender_id
        )
        revision.save(force_insert=True)
        message.key_epoch = room.key_epoch
        message.body_ciphertext = crypto.seal_body(message, body)
        message.edited_at = timezone.now()
        message.save(update_fields=["key_epoch", "body_ciphertext", "edited_at"])
        event = append_event(
            room,
            kind=RoomEvent.Kind.MESSAGE_EDITED,
            actor=editor,
            details={
                "message": str(message.pk),
                "edit": number,
                **access.restricted_mark(message.thread),
            },
            secret=body,
            message=message,
        )
        finish_write(room, event)
    return message


def delete_message(*, message: Message, actor) -> Message:
    """A tombstone: readers no longer see the body; the record and its revisions stay. Live
    translation requests of the message and its files are withdrawn in the same transaction
    (`signals.message_deleted`)."""
    _own_message(message, actor)
    require_reader(actor, message.room)
    with transaction.atomic():
        room = lock_room(message.room)
        message = Message.objects.select_for_update().get(pk=message.pk)
        _own_message(message, actor)
        message.deleted_at = timezone.now()
        message.deleted_by = actor
        message.save(update_fields=["deleted_at", "deleted_by"])
        signals.message_deleted.send(sender=Message, message=message, actor=actor)
        event = append_event(
            room,
            kind=RoomEvent.Kind.MESSAGE_DELETED,
            actor=actor,
            details={"message": str(message.pk), **access.restricted_mark(message.thread)},
            message=message,
        )
        finish_write(room, event)
    return message


def add_attachment(*, message: Message, uploader, filename, content: bytes) -> Attachment:
    """Attach a file (checked by content, stored encrypted) to one's own message."""
    limit = settings.COUNTERPART_ATTACHMENT_MAX_BYTES
    if len(content) > limit:
        raise MessagingError("file_too_large", f"the file is over {limit} bytes", field="file")
    if not content:
        raise MessagingError("missing_field", "the file is empty", field="file")
    filename = clean_field(filename, "filename", max_length=FILENAME_MAX)
    filename = filename.replace("/", "_").replace("\\", "_")
    content_type = detect_content_type(content)
    if content_type is None:
        raise MessagingError(
            "unsupported_file_type", "this type of file is not accepted", field="file"
        )
    _own_message(message, uploader)
    require_reader(uploader, message.room)
    with transaction.atomic():
        room = lock_room(message.room)
        attachment = Attachment(
            id=uuid.uuid4(),
            room=room,
            message=message,
            uploaded_by=uploader,
            content_type=content_type,
            size=len(content),
            key_epoch=room.key_epoch,
        )
        attachment.filename_ciphertext = crypto.seal_attachment_name(attachment, filename)
        attachment.content_ciphertext = crypto.seal_attachment(attachment, content)
        attachment.save(force_insert=True)
        event = append_event(
            room,
            kind=RoomEvent.Kind.ATTACHMENT_ADDED,
            actor=uploader,
            details={
                "attachment": str(attachment.pk),
                "message": str(message.pk),
                "content_type": content_type,
                "size": len(content),
                **access.restricted_mark(message.thread),
            },
            secret=attachment_secret(filename, content),
            message=message,
        )
        finish_write(room, event)
    return attachment


def mark_read(*, room: Room, user, seq) -> int:
    """Move the read marker forward (never back); returns the marker's seq."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise invalid("seq", "seq must be a non-negative integer")
    require_reader(user, room)
    if seq > Room.objects.filter(pk=room.pk).values_list("head_seq", flat=True).get():
        raise invalid("seq", "seq is beyond the room's last event")
    with transaction.atomic():
        marker, _ = ReadMarker.objects.select_for_update().get_or_create(room=room, user=user)
        if seq > marker.seq:
            marker.seq = seq
            marker.updated_at = timezone.now()
            marker.save(update_fields=["seq", "updated_at"])
    return marker.seq
