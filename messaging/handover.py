"""Messaging's part of a focal point's handover (a designation for a full seat,
`network.signals.seat_replaced`): the case rooms of the network that the outgoing member
owns get the successor as owner (invited when not yet a participant), and the outgoing
member's participation ends (a new key epoch, as for any removal). Recorded in each room's
log and in the audit log.

Open translation requests are the translations' part of the same handover
(`messaging.translations.actions.hand_over_requests`, called by the same receiver).
"""

from django.db import transaction
from django.utils import timezone

from messaging.models import Room, RoomEvent, RoomParticipant
from messaging.realtime import broadcast
from messaging.room_writes import append_event, finish_write, lock_room, new_epoch
from network.audit import log as audit

Owner = RoomParticipant.Role.OWNER


def hand_over_rooms(*, network, outgoing, successor, actor) -> int:
    """Move the outgoing member's ownership of the network's case rooms; return how many."""
    rooms = Room.objects.filter(
        network=network,
        kind=Room.Kind.CASE,
        participants__in=RoomParticipant.objects.current().filter(user=outgoing, role=Owner),
    ).distinct()
    moved = 0
    with transaction.atomic():
        for room in rooms:
            room = lock_room(room)
            current = RoomParticipant.objects.current().filter(room=room)
            existing = current.filter(user=successor).first()
            if existing is None:
                RoomParticipant.objects.create(
                    room=room, user=successor, role=Owner, added_by=actor
                )
            elif existing.role != Owner:
                existing.role = Owner
                existing.save(update_fields=["role"])
            append_event(
                room,
                kind=RoomEvent.Kind.PARTICIPANT_ADDED,
                actor=actor,
                details={"user": successor.pk, "name": successor.display_name, "role": Owner},
            )
            current.filter(user=outgoing).update(removed_at=timezone.now(), removed_by=actor)
            event = append_event(
                room,
                kind=RoomEvent.Kind.PARTICIPANT_REMOVED,
                actor=actor,
                details={"user": outgoing.pk, "name": outgoing.display_name},
            )
            epoch = new_epoch(room)
            audit.record(
                "messaging.room_handed_over",
                actor=actor,
                target=room,
                details={"outgoing": outgoing.pk, "successor": successor.pk, "key_epoch": epoch},
            )
            finish_write(room, event)
            moved += 1
        if moved:
            room_ids = [room.pk for room in rooms]
            outgoing_id = outgoing.pk

            def tell():
                for room_id in room_ids:
                    broadcast.member_access_changed(outgoing_id, room_id=room_id)

            transaction.on_commit(tell)
    return moved
