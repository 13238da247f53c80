"""Telling a case room's participants that the case was closed: a `CaseNotice` row for each
current participant but the one who closed it, written in the caller's transaction; after
commit, each one's channel-layer group `member.<user id>` gets the content-free
`{type: member.notification, notification, kind: case_closed}` (docs/protocol.md)."""

from django.db import transaction
from django.utils import timezone

from messaging.models import Room, RoomParticipant
from messaging.realtime import broadcast
from messaging.records.models import CaseNotice


def case_closed(room: Room, closer) -> list[CaseNotice]:
    recipients = (
        RoomParticipant.objects.filter(room=room, removed_at__isnull=True)
        .exclude(user=closer)
        .values_list("user_id", flat=True)
    )
    rows = CaseNotice.objects.bulk_create(
        CaseNotice(recipient_id=user_id, room=room, kind=CaseNotice.Kind.CLOSED)
        for user_id in recipients
    )
    deliveries = [(row.pk, row.recipient_id) for row in rows]

    def deliver():
        for notice_id, user_id in deliveries:
            broadcast.member_notification(user_id, notice_id, CaseNotice.Kind.CLOSED.value)

    transaction.on_commit(deliver)
    return rows


def unread_for(user) -> list[CaseNotice]:
    """The member's unseen notices, which are then marked seen (the room list shows them)."""
    notices = list(
        CaseNotice.objects.filter(recipient=user, read_at__isnull=True).select_related("room")
    )
    if notices:
        CaseNotice.objects.filter(pk__in=[notice.pk for notice in notices]).update(
            read_at=timezone.now()
        )
    return notices
