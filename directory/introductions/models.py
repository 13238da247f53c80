"""Introductions across networks (docs/trust.md, "Across networks").

A member asks for an introduction to a directory entry whose person-level part they cannot
see; the request goes to a broker of a network the entry serves (the member linked to the
entry, else that network's directory correspondent for its state, else its coordinators);
silence escalates to the coordinators. Accepting opens a direct room and records a grant of
the entry's details that `directory/visibility.py` honours only while it is unexpired and
both memberships recorded on it are active.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PURPOSE_MAX = 300
REASON_MAX = 500


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("routine")
    URGENT = "urgent", _("urgent")


class IntroductionStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


class BrokerRole(models.TextChoices):
    LINKED_MEMBER = "linked_member", _("the member linked to the entry")
    CORRESPONDENT = "correspondent", _("the network's directory correspondent")
    COORDINATOR = "coordinator", _("the network's coordinators")


class IntroductionRequest(models.Model):
    Status = IntroductionStatus
    Urgency = Urgency
    BrokerRole = BrokerRole

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="introductions_asked"
    )
    # The requester's network, and the network of the entry through which it is brokered.
    requester_network = models.ForeignKey(
        "network.Network", on_delete=models.PROTECT, related_name="+"
    )
    contact_point = models.ForeignKey(
        "directory.ContactPoint", on_delete=models.PROTECT, related_name="introductions"
    )
    serving_network = models.ForeignKey(
        "network.Network", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=PURPOSE_MAX)
    competence = models.CharField(_("competence sought"), max_length=60)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    status = models.CharField(
        max_length=8, choices=IntroductionStatus.choices, default=IntroductionStatus.PENDING
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="introductions_to_broker",
    )
    broker_role = models.CharField(max_length=16, choices=BrokerRole.choices)
    created_at = models.DateTimeField(default=timezone.now)
    escalate_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decline_reason = models.CharField(max_length=REASON_MAX, blank=True)
    room = models.ForeignKey(
        "messaging.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "escalate_at"], name="intro_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IntroductionStatus.values), name="intro_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=Urgency.values), name="intro_urgency_valid"
            ),
            models.CheckConstraint(
                condition=Q(broker_role__in=BrokerRole.values), name="intro_broker_role_valid"
            ),
            # One pending request per requester and entry: a second one, even sent at the
            # same moment, is refused (`already_pending`, actions.request_introduction).
            models.UniqueConstraint(
                fields=["requester", "contact_point"],
                condition=Q(status=IntroductionStatus.PENDING),
                name="intro_one_pending_per_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"introduction {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return f"/directory/introductions/{self.pk}/"

    @property
    def competence_label(self) -> str:
        from directory.competences import Competence

        return str(Competence(self.competence).label)


class IntroductionGrant(models.Model):
    """The requester may see the entry's details until `expires_at`, while the requester is
    active in `requester_network` and `granted_by` in `granting_network` (checked at every
    view in directory/visibility.py, never by a job)."""

    introduction = models.OneToOneField(
        IntroductionRequest, on_delete=models.PROTECT, related_name="grant"
    )
    contact_point = models.ForeignKey(
        "directory.ContactPoint", on_delete=models.PROTECT, related_name="grants"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="introduction_grants"
    )
    requester_network = models.ForeignKey(
        "network.Network", on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granting_network = models.ForeignKey(
        "network.Network", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["requester", "expires_at"], name="grant_live")]

    def __str__(self) -> str:
        return f"grant of {self.contact_point_id} to {self.requester_id}"


class NoticeKind(models.TextChoices):
    REQUESTED = "introduction_requested", _("an introduction was asked of you")
    ESCALATED = "introduction_escalated", _("an introduction request is waiting too long")
    ACCEPTED = "introduction_accepted", _("your introduction request was accepted")
    DECLINED = "introduction_declined", _("your introduction request was declined")


class IntroductionNotice(models.Model):
    """An in-app notice: names the request, never its purpose."""

    Kind = NoticeKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="introduction_notices"
    )
    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    introduction = models.ForeignKey(
        IntroductionRequest, on_delete=models.CASCADE, related_name="notices"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="intro_notice_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
