"""A proposal to admit a guest to a case room, and what became of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ORGANISATION_MAX = 200
PURPOSE_MAX = 300
REASON_MAX = 500
NAME_MAX = 120


class GuestStatus(models.TextChoices):
    PENDING = "pending", _("awaiting a coordinator")
    APPROVED = "approved", _("approved, invitation sent")
    ADMITTED = "admitted", _("admitted")
    REFUSED = "refused", _("refused")
    ENDED = "ended", _("ended")


class RoomGuest(models.Model):
    """A guest of one case room: proposed by an owner (`sponsor`), decided by a coordinator of
    the room's network, admitted when their account exists (`user`, `participation`)."""

    Status = GuestStatus

    room = models.ForeignKey("messaging.Room", on_delete=models.PROTECT, related_name="guests")
    email = models.EmailField()
    name = models.CharField(_("name"), max_length=NAME_MAX)
    organisation = models.CharField(_("organisation"), max_length=ORGANISATION_MAX)
    purpose = models.CharField(_("purpose"), max_length=PURPOSE_MAX)
    ends_on = models.DateField(_("end date"))
    threads = models.ManyToManyField("messaging.Thread", related_name="+")
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=REASON_MAX, blank=True)
    invitation = models.ForeignKey(
        "accounts.Invitation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    participation = models.ForeignKey(
        "messaging.RoomParticipant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=REASON_MAX, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=GuestStatus.values), name="room_guest_status_valid"
            ),
            # One open proposal or stay per address and room.
            models.UniqueConstraint(
                fields=["room", "email"],
                condition=Q(status__in=["pending", "approved", "admitted"]),
                name="one_open_guest_per_room_and_email",
            ),
            # Decided when approved, refused or admitted (a pending proposal may be withdrawn).
            models.CheckConstraint(
                condition=Q(status__in=["pending", "ended"]) | Q(decided_at__isnull=False),
                name="room_guest_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation}) in {self.room_id}: {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in (GuestStatus.PENDING, GuestStatus.APPROVED, GuestStatus.ADMITTED)

    @property
    def lapsed(self) -> bool:
        """Past its end date (the access rule stops reading at once; the row says so)."""
        return self.ends_on < timezone.localdate()
