"""Closing a case, retention, legal hold and the purge (docs/records.md, "Closing, retention
and legal hold").

A room owner closes a case room: it becomes read-only (messaging/room_writes.py and
messaging/posting.py refuse every write but the case record's), its participants see the
`room.closed` event, and its retention clock starts. Each network sets how long its closed
rooms are kept. A room owner or a coordinator of the room's network places a legal hold (a
reason, an end or none); a held room is never purged. The purge crypto-shreds an expired
room: its data keys and its files are destroyed, its log's hashes stay, a PurgedRoom row is
its tombstone, and its participations end.
"""

import datetime
import uuid

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from messaging import access, crypto, merkle, roomlog
from messaging.models import Attachment, Room, RoomEvent, RoomKey, RoomParticipant
from messaging.records import notices
from messaging.records.errors import RecordError
from messaging.records.models import (
    DEFAULT_RETENTION_DAYS,
    LegalHold,
    PurgedRoom,
    RetentionPolicy,
    active_holds,
)
from messaging.room_writes import append_event, finish_write, lock_room
from network import membership
from network.audit import log as audit
from network.models import Network

RETENTION_MAX_DAYS = 100 * 365


def close_room(*, room: Room, owner, reason: str = "") -> Room:
    if not access.reads_whole_room(owner, room):
        raise access.UnknownRoom(room.pk)
    if room.kind != Room.Kind.CASE or not access.is_owner(owner, room):
        raise RecordError("forbidden", _("Only an owner of a case room closes the case."))
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        room = lock_room(room)
        if room.closed_at is not None:
            raise RecordError("wrong_status", _("This case is closed already."))
        event = append_event(
            room, kind=RoomEvent.Kind.ROOM_CLOSED, actor=owner, details={"reason": reason}
        )
        room.closed_at = event.occurred_at
        room.save(update_fields=["closed_at"])
        finish_write(room, event)
        audit.record("records.case_closed", actor=owner, target=room, reason=reason)
        notices.case_closed(room, owner)
    return room


def retention_days(network_id) -> int:
    policy = RetentionPolicy.objects.filter(network_id=network_id).first()
    return policy.closed_room_days if policy else DEFAULT_RETENTION_DAYS


def set_retention(*, network: Network, coordinator, days) -> RetentionPolicy:
    if not membership.is_coordinator(coordinator, network):
        raise RecordError("not_coordinator", _("Only a coordinator of the network sets this."))
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= RETENTION_MAX_DAYS:
        raise RecordError(
            "invalid_field",
            _("Give a number of days from 1 to %(max)s.") % {"max": RETENTION_MAX_DAYS},
            field="closed_room_days",
        )
    with transaction.atomic():
        policy, _created = RetentionPolicy.objects.update_or_create(
            network=network,
            defaults={"closed_room_days": days, "set_by": coordinator, "set_at": timezone.now()},
        )
        audit.record(
            "records.retention_set", actor=coordinator, target=network, details={"days": days}
        )
    return policy


# --- Legal hold ---------------------------------------------------------------------------


def get_room_for_hold(user, room_id) -> Room:
    """A case room whose holds `user` manages: an owner who reads it, or a coordinator of its
    network (who does not read it). Else UnknownRoom."""
    room = Room.objects.filter(pk=access._parse_room_id(room_id), kind=Room.Kind.CASE).first()
    if room is None:
        raise access.UnknownRoom(room_id)
    owner = access.can_read(user, room) and access.is_owner(user, room)
    coordinator = room.network_id is not None and membership.is_coordinator(user, room.network_id)
    if not (owner or coordinator):
        raise access.UnknownRoom(room_id)
    return room


def place_hold(*, room_id, user, reason, ends_at=None) -> LegalHold:
    room = get_room_for_hold(user, room_id)
    reason = (reason or "").strip() if isinstance(reason, str | None) else ""
    if not reason:
        raise RecordError("reason_required", _("Give the reason for the hold."), field="reason")
    if len(reason) > 500:
        raise RecordError("field_too_long", _("At most 500 characters."), field="reason")
    if isinstance(ends_at, str):
        ends_at = parse_datetime(ends_at)
        if ends_at is None:
            raise RecordError("invalid_field", _("Give a date and time."), field="ends_at")
    if ends_at is not None and (ends_at.tzinfo is None or ends_at <= timezone.now()):
        raise RecordError("invalid_field", _("The end must be in the future."), field="ends_at")
    with transaction.atomic():
        hold = LegalHold.objects.create(room=room, placed_by=user, reason=reason, ends_at=ends_at)
        audit.record(
            "records.hold_placed",
            actor=user,
            target=room,
            reason=reason,
            details={"hold": str(hold.pk), "ends_at": ends_at.isoformat() if ends_at else None},
        )
    return hold


def lift_hold(*, hold_id, user) -> LegalHold:
    hold = LegalHold.objects.filter(pk=hold_id).first() if _uuid(hold_id) else None
    if hold is None:
        raise RecordError("not_found", _("No such hold."))
    get_room_for_hold(user, hold.room_id)
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise RecordError("wrong_status", _("This hold was lifted already."))
        hold.lifted_at, hold.lifted_by = timezone.now(), user
        hold.save(update_fields=["lifted_at", "lifted_by"])
        audit.record("records.hold_lifted", actor=user, target=hold.room)
    return hold


def _uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- The report and the purge -------------------------------------------------------------


def retention_report(now=None, networks=None) -> list[dict]:
    """Every closed case room not yet purged: when it goes, or why it stays. `networks`
    limits it to rooms of those networks."""
    now = now or timezone.now()
    rooms = Room.objects.filter(kind=Room.Kind.CASE, closed_at__isnull=False).exclude(
        Exists(PurgedRoom.objects.filter(room=OuterRef("pk")))
    )
    if networks is not None:
        rooms = rooms.filter(network__in=networks)
    holds: dict = {}
    for hold in LegalHold.objects.filter(active_holds(now), room__in=rooms).order_by("placed_at"):
        holds.setdefault(hold.room_id, []).append(hold)
    policies = dict(RetentionPolicy.objects.values_list("network_id", "closed_room_days"))
    report = []
    for room in rooms.select_related("network").order_by("closed_at"):
        days = policies.get(room.network_id, DEFAULT_RETENTION_DAYS)
        due = room.closed_at + datetime.timedelta(days=days)
        held = holds.get(room.pk, [])
        report.append(
            {
                "room": room,
                "closed_at": room.closed_at,
                "retention_days": days,
                "due_at": due,
                "holds": held,
                "state": "held" if held else ("due" if due <= now else "kept"),
            }
        )
    return report


def purge_due(now=None) -> list[PurgedRoom]:
    """Purge every closed room whose retention has run out and that no hold keeps."""
    now = now or timezone.now()
    purged = []
    for line in retention_report(now):
        if line["state"] == "due":
            result = purge_room(line["room"], now=now)
            if result is not None:
                purged.append(result)
    audit.record(
        "records.purge_run",
        details={"purged": len(purged), "rooms": [str(p.room_id) for p in purged]},
    )
    return purged


def purge_room(room: Room, *, now=None) -> PurgedRoom | None:
    """Crypto-shred one room (checked again under its lock): None when a hold or the
    retention keeps it after all."""
    now = now or timezone.now()
    with transaction.atomic():
        room = lock_room(room)
        if room.closed_at is None or PurgedRoom.objects.filter(room=room).exists():
            return None
        days = retention_days(room.network_id)
        if room.closed_at + datetime.timedelta(days=days) > now:
            return None
        if LegalHold.objects.filter(active_holds(now), room=room).exists():
            return None
        leaves = roomlog.leaf_hashes(room.pk)
        keys = RoomKey.objects.filter(room=room).delete()[0]
        files = Attachment.objects.filter(room=room).update(
            content_ciphertext=b"", filename_ciphertext=b""
        )
        RoomParticipant.objects.filter(room=room, removed_at__isnull=True).update(removed_at=now)
        tombstone = PurgedRoom.objects.create(
            room=room,
            purged_at=now,
            closed_at=room.closed_at,
            retention_days=days,
            log_size=len(leaves),
            log_root=merkle.root(leaves).hex(),
            keys_destroyed=keys,
            attachments_destroyed=files,
            messages=room.messages.count(),
        )
        audit.record(
            "records.room_purged",
            target=room,
            details={
                "keys": keys,
                "attachments": files,
                "messages": tombstone.messages,
                "events": len(leaves),
                "root": tombstone.log_root,
            },
        )
        transaction.on_commit(crypto.forget_cached_keys)
    return tombstone
