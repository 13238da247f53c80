"""Export requests of case records: who asked for what, who approved, the job's progress and
the finished bundle (sealed at rest, downloaded once by the requester before it expires)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    DONE = "done", _("ready to download")
    DOWNLOADED = "downloaded", _("downloaded")
    EXPIRED = "expired", _("expired")
    FAILED = "failed", _("failed")


# An export of a room in one of these holds the room: a second one is refused.
OPEN_STATUSES = [ExportStatus.AWAITING_APPROVAL, ExportStatus.PENDING, ExportStatus.RUNNING]


class ExportRequest(models.Model):
    Status = ExportStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey(
        "messaging.Room", on_delete=models.PROTECT, related_name="record_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    thread = models.ForeignKey(
        "messaging.Thread", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tag = models.CharField(max_length=120, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=500)
    case_reference = models.CharField(_("case reference"), max_length=200, blank=True)
    approval_required = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices)
    progress = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    bundle_sealed = models.BinaryField(null=True, blank=True)
    bundle_hash = models.CharField(max_length=64, blank=True)
    bundle_size = models.PositiveBigIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="record_export_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="record_export_progress_percent"
            ),
            models.UniqueConstraint(
                fields=["room"],
                condition=Q(status__in=OPEN_STATUSES),
                name="record_export_one_open_per_room",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.room_id} ({self.status})"


DEFAULT_RETENTION_DAYS = 5 * 365


class RetentionPolicy(models.Model):
    """How long a network keeps its closed case rooms before they are purged."""

    network = models.OneToOneField(
        "network.Network", on_delete=models.PROTECT, related_name="retention_policy"
    )
    closed_room_days = models.PositiveIntegerField(_("days a closed case room is kept"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_room_days__gte=1), name="retention_at_least_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.network_id}: {self.closed_room_days} days"


class LegalHold(models.Model):
    """A room that must not be purged: placed by a room owner or a coordinator of its
    network, with a reason, until `ends_at` (or until lifted; none: indefinitely)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey("messaging.Room", on_delete=models.PROTECT, related_name="holds")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]

    def __str__(self) -> str:
        return f"hold on {self.room_id}"


def active_holds(now=None) -> Q:
    """The condition of a hold in force at `now` (on LegalHold)."""
    now = now or timezone.now()
    return Q(lifted_at__isnull=True) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class PurgedRoom(models.Model):
    """The tombstone of a purged room: its data keys and files are destroyed, its log's hashes
    stay; this says when, and what went."""

    room = models.OneToOneField(
        "messaging.Room", on_delete=models.PROTECT, primary_key=True, related_name="purge"
    )
    purged_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField()
    retention_days = models.PositiveIntegerField()
    log_size = models.PositiveBigIntegerField()
    log_root = models.CharField(max_length=64)
    keys_destroyed = models.PositiveIntegerField()
    attachments_destroyed = models.PositiveIntegerField()
    messages = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"purged {self.room_id}"


def awaiting_approval(room, user) -> bool:
    """Whether an export of `room` requested by someone else awaits approval."""
    return (
        ExportRequest.objects.filter(room=room, status=ExportStatus.AWAITING_APPROVAL)
        .exclude(requested_by=user)
        .exists()
    )


class CaseNotice(models.Model):
    """An in-app notice for one participant of a case room: the case was closed. It names
    the room, never its content; shown on the member's room list until seen there."""

    class Kind(models.TextChoices):
        CLOSED = "case_closed", _("the case was closed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_notices"
    )
    room = models.ForeignKey("messaging.Room", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["case_closed"]), name="case_notice_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
