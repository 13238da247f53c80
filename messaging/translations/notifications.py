"""In-app and email notices about translation requests.

A `Notification` row is written in the caller's transaction (nothing is lost while the member
is offline). After commit, the member's channel-layer group `member.<user id>` gets
`{type: member.notification, notification, kind}` — an id and a kind, never content — and
an email goes out naming the language pair and a link, never the text or the room.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from messaging.realtime import broadcast
from messaging.translations.models import Notification, TranslationRequest
from network.origin import site_origin

logger = logging.getLogger(__name__)

SUBJECTS = {
    Notification.Kind.NEW_REQUEST: "New translation request {pair}",
    Notification.Kind.CLAIMED: "Your translation request {pair} was claimed",
    Notification.Kind.SUBMITTED: "Translation {pair} submitted for your review",
    Notification.Kind.REVISION_REQUESTED: "Revision requested on translation {pair}",
    Notification.Kind.ACCEPTED: "Your translation {pair} was accepted",
    Notification.Kind.OVERDUE: "Translation request {pair} is overdue",
    Notification.Kind.REASSIGNED: "Translation request {pair} assigned to you",
    Notification.Kind.CANCELLED: "Translation request {pair} was withdrawn",
    Notification.Kind.UNSERVED: "No member can take a translation request {pair}",
}


def notify(*, recipients, kind: str, request: TranslationRequest) -> list[Notification]:
    """Store one notice per recipient now; push and email them after commit."""
    rows = [
        Notification.objects.create(recipient=user, kind=kind, request=request)
        for user in {user.pk: user for user in recipients if user is not None}.values()
    ]
    pair = f"{request.source_language}→{request.target_language}"
    deliveries = [(row.pk, row.recipient_id, row.recipient.email) for row in rows]

    def deliver():
        for notification_id, user_id, email in deliveries:
            broadcast.member_notification(user_id, notification_id, kind)
            _email(email, kind, pair, request.pk)

    transaction.on_commit(deliver)
    return rows


def _email(address: str, kind: str, pair: str, request_id) -> None:
    origin = site_origin()
    # A coordinator told of an unserved request may not read its room: the notice list is
    # where they find it.
    path = (
        "/translations/notifications/"
        if kind == Notification.Kind.UNSERVED
        else f"/translations/{request_id}/"
    )
    body = f"{SUBJECTS[kind].format(pair=pair)}.\n\nOpen it in Counterpart: {origin}{path}\n"
    try:
        send_mail(
            f"[Counterpart] {SUBJECTS[kind].format(pair=pair)}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [address],
        )
    except Exception:  # the in-app notice stands
        logger.exception("notification email failed")


def mark_read(*, user, notification_id) -> Notification:
    try:
        notification = Notification.objects.get(recipient=user, pk=int(notification_id))
    except (Notification.DoesNotExist, TypeError, ValueError) as exc:
        raise LookupError("no such notification") from exc
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user).unread().update(read_at=timezone.now())
