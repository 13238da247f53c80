"""Notices about introductions: a stored in-app notice per recipient, then after commit a
`notification` frame to the member's sockets (an id and a kind, never content) and an
e-mail that names no one and carries no purpose, only a link."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.introductions.models import IntroductionNotice, NoticeKind
from messaging.realtime import broadcast
from network.origin import site_origin

logger = logging.getLogger(__name__)

SUBJECTS = {
    NoticeKind.REQUESTED: gettext_lazy("An introduction was asked of you"),
    NoticeKind.ESCALATED: gettext_lazy("An introduction request is waiting for a coordinator"),
    NoticeKind.ACCEPTED: gettext_lazy("Your introduction request was accepted"),
    NoticeKind.DECLINED: gettext_lazy("Your introduction request was declined"),
}


def notify(*, recipients, kind: str, introduction) -> list[IntroductionNotice]:
    rows = [
        IntroductionNotice.objects.create(recipient=user, kind=kind, introduction=introduction)
        for user in {user.pk: user for user in recipients if user is not None}.values()
    ]
    deliveries = [
        (row.pk, row.recipient_id, row.recipient.email, row.recipient.preferred_language)
        for row in rows
    ]
    path = introduction.get_absolute_url()

    def deliver():
        for notice_id, user_id, email, language in deliveries:
            broadcast.member_notification(user_id, notice_id, kind)
            _email(email, language, kind, path)

    transaction.on_commit(deliver)
    return rows


def _email(address: str, language: str, kind: str, path: str) -> None:
    with translation.override(language):
        subject = str(SUBJECTS[kind])
        link = f"{site_origin()}{path}"
        body = f"{subject}.\n\n" + _("Open it in Counterpart: %(link)s") % {"link": link} + "\n"
    try:
        send_mail(f"[Counterpart] {subject}", body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:  # the in-app notice stands
        logger.exception("introduction notice email failed")
