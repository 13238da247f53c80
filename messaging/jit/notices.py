"""In-app, WebSocket and email notices about JIT proposals.

A `Notice` row is written in the caller's transaction. After commit, the member's socket
gets a `notification` frame with kind `jit.<kind>` (an id and a kind, never content) and an
email names the step and links to the proposal, never its title, states or text.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from messaging.jit.models import Notice, Proposal
from messaging.realtime import broadcast
from network.origin import site_origin

logger = logging.getLogger(__name__)


def notify(*, recipients, kind: str, proposal: Proposal, exclude=None) -> list[Notice]:
    """Store one notice per recipient now; push and email them after commit."""
    people = {user.pk: user for user in recipients if user is not None}
    if exclude is not None:
        people.pop(exclude.pk, None)
    rows = [
        Notice.objects.create(recipient=user, kind=kind, proposal=proposal)
        for user in people.values()
    ]
    deliveries = [
        (row.pk, row.recipient_id, row.recipient.email, row.recipient.preferred_language)
        for row in rows
    ]
    proposal_id = proposal.pk

    def deliver():
        for notice_id, user_id, email, language in deliveries:
            broadcast.member_notification(user_id, notice_id, f"jit.{kind}")
            _email(email, language, kind, proposal_id)

    transaction.on_commit(deliver)
    return rows


def _email(address: str, language: str, kind: str, proposal_id) -> None:
    link = f"{site_origin()}/jit/{proposal_id}/"
    with translation.override(language):
        subject = str(Notice.Kind(kind).label).capitalize()
        body = f"{subject}.\n\n" + _("Open it in Counterpart: %(link)s") % {"link": link} + "\n"
    try:
        send_mail(f"[Counterpart] {subject}", body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:  # the in-app notice stands
        logger.exception("notification email failed")
