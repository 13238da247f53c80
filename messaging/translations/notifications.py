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
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging.realtime import broadcast
from messaging.translations.models import Notification, TranslationRequest
from network.iso import language_name
from network.origin import site_origin

logger = logging.getLogger(__name__)

SUBJECTS = {
    Notification.Kind.NEW_REQUEST: gettext_lazy("New translation request %(pair)s"),
    Notification.Kind.CLAIMED: gettext_lazy("Your translation request %(pair)s was claimed"),
    Notification.Kind.SUBMITTED: gettext_lazy("Translation %(pair)s submitted for your review"),
    Notification.Kind.REVISION_REQUESTED: gettext_lazy(
        "Revision requested on translation %(pair)s"
    ),
    Notification.Kind.ACCEPTED: gettext_lazy("Your translation %(pair)s was accepted"),
    Notification.Kind.OVERDUE: gettext_lazy("Translation request %(pair)s is overdue"),
    Notification.Kind.REASSIGNED: gettext_lazy("Translation request %(pair)s assigned to you"),
    Notification.Kind.CANCELLED: gettext_lazy("Translation request %(pair)s was withdrawn"),
    Notification.Kind.UNSERVED: gettext_lazy("No member can take a translation request %(pair)s"),
}


def notify(*, recipients, kind: str, request: TranslationRequest) -> list[Notification]:
    """Store one notice per recipient now; push and email them after commit."""
    rows = [
        Notification.objects.create(recipient=user, kind=kind, request=request)
        for user in {user.pk: user for user in recipients if user is not None}.values()
    ]
    languages = (request.source_language, request.target_language)
    deliveries = [
        (row.pk, row.recipient_id, row.recipient.email, row.recipient.preferred_language)
        for row in rows
    ]

    def deliver():
        for notification_id, user_id, email, language in deliveries:
            broadcast.member_notification(user_id, notification_id, kind)
            _email(email, language, kind, languages, request.pk)

    transaction.on_commit(deliver)
    return rows


def _email(address: str, language: str, kind: str, languages: tuple, request_id) -> None:
    """The notice in the recipient's interface language, the pair by name."""
    # A coordinator told of an unserved request may not read its room: the notice list is
    # where they find it.
    path = (
        "/translations/notifications/"
        if kind == Notification.Kind.UNSERVED
        else f"/translations/{request_id}/"
    )
    link = f"{site_origin()}{path}"
    with translation.override(language):
        pair = " → ".join(language_name(code) for code in languages)
        subject = SUBJECTS[kind] % {"pair": pair}
        body = f"{subject}.\n\n" + _("Open it in Counterpart: %(link)s") % {"link": link} + "\n"
    try:
        send_mail(
            f"[Counterpart] {subject}",
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
