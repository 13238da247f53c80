"""The directory's part of a focal point's handover (issue 17, admission paths): when a
successor replaces an outgoing member of `network`, the entries serving that network that
are linked to the outgoing member are linked to the successor, and the pending introduction
requests the outgoing member brokers there go to the successor. Recorded (each entry's
history, the audit log), and the outgoing member is told by e-mail.

A seam: the admission path that triggers it (a designation for a full seat) calls
`hand_over`; room ownerships and open translation requests are messaging's part of the same
handover and are not moved here."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from directory.actions import _log_change
from directory.introductions.models import IntroductionRequest
from directory.models import ContactPoint, ContactPointChange
from network.audit.log import record
from network.errors import DomainError
from network.membership import is_active_member, is_coordinator


def hand_over(*, network, outgoing, successor, actor) -> dict:
    if not is_coordinator(actor, network):
        raise DomainError("not_coordinator", _("Only the network's coordinators hand over."))
    if successor.pk == outgoing.pk:
        raise DomainError(
            "invalid_field", _("The successor is the outgoing member."), field="successor"
        )
    if not is_active_member(successor, network):
        raise DomainError(
            "not_active_member",
            _("The successor must be an active member of %(network)s.") % {"network": network},
            field="successor",
        )
    with transaction.atomic():
        entries = list(
            ContactPoint.objects.filter(member=outgoing, networks=network).select_for_update()
        )
        for entry in entries:
            entry.member = successor
            entry.save(update_fields=["member"])
            _log_change(
                entry,
                ContactPointChange.Kind.CORRECTED,
                actor=actor,
                changes={"member": [outgoing.pk, successor.pk]},
                reason="handover",
            )
        introductions = IntroductionRequest.objects.filter(
            broker=outgoing,
            serving_network=network,
            status=IntroductionRequest.Status.PENDING,
        ).update(broker=successor)
        moved = {"entries": len(entries), "introductions": introductions}
        record(
            "directory.handed_over",
            actor=actor,
            target=network,
            details={"outgoing": outgoing.pk, "successor": successor.pk, **moved},
        )
        address, language = outgoing.email, outgoing.preferred_language

        def tell():
            with translation.override(language):
                subject = _("Your directory entries were handed over")
                body = _(
                    "%(network)s handed your directory entries and pending introduction "
                    "requests over to your successor."
                ) % {"network": network.name}
            send_mail(f"[Counterpart] {subject}", body, settings.DEFAULT_FROM_EMAIL, [address])

        transaction.on_commit(tell)
    return moved
