"""Translation requests, their append-only event trail, and in-app notifications.

The note, the translation text and event notes are stored encrypted under the room's data
key (see messaging/translations/crypto.py); rows hold no plaintext of the case.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging.models import Message, MessageHandling
from network.iso import language_name
from network.records import AppendOnlyModel


class TranslationRequestQuerySet(models.QuerySet):
    def live(self):
        """Requests that have not ended."""
        return self.filter(status__in=TranslationRequest.LIVE)

    def overdue(self, today):
        return self.filter(status__in=TranslationRequest.LIVE, due_date__lt=today)


class TranslationRequestStatus(models.TextChoices):
    # An item another member provided under H1, H2 or H3: it goes to translators only
    # once that provider grants the permission (messaging/disclosure).
    AWAITING_PERMISSION = "awaiting_permission", _("waiting for the provider's permission")
    OPEN = "open", _("open")
    CLAIMED = "claimed", _("claimed")
    SUBMITTED = "submitted", _("submitted")
    REVISION_REQUESTED = "revision_requested", _("revision requested")
    ACCEPTED = "accepted", _("accepted")
    CANCELLED = "cancelled", _("cancelled")


class TranslationRequestPurpose(models.TextChoices):
    INFORMATION = "information", _("for information")
    FOR_COURT = "for_court", _("for court")


class TranslationRequestUrgency(models.TextChoices):
    ROUTINE = "routine", _("routine")
    URGENT = "urgent", _("urgent")
    IMMEDIATE = "immediate", _("immediate")


class TranslationRequest(models.Model):
    Status = TranslationRequestStatus
    Purpose = TranslationRequestPurpose
    Urgency = TranslationRequestUrgency

    LIVE = ("open", "claimed", "submitted", "revision_requested")
    # The translator reads the item while the request is in one of these states.
    TRANSLATOR_READS = ("claimed", "submitted", "revision_requested")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey(
        "messaging.Room", on_delete=models.PROTECT, related_name="translation_requests"
    )
    message = models.ForeignKey(
        "messaging.Message",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="translation_requests",
    )
    attachment = models.ForeignKey(
        "messaging.Attachment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="translation_requests",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="translations_requested"
    )
    source_language = models.CharField(max_length=2)
    source_detected = models.BooleanField(default=False)
    target_language = models.CharField(max_length=2)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    due_date = models.DateField()
    size = models.PositiveBigIntegerField(help_text=_("Characters of a message, bytes of a file."))
    note_ciphertext = models.BinaryField(null=True, blank=True)
    # Carried over from the original; shown on every rendering of the translation.
    handling_code = models.CharField(max_length=2, choices=Message.Handling.choices)
    handling_note = models.CharField(max_length=500, blank=True)
    key_epoch = models.PositiveIntegerField()
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.OPEN)
    # The provider's permission the request waits for, or waited for.
    permission = models.ForeignKey(
        "messaging.PermissionRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="translation_requests",
    )
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="translations_claimed",
    )
    translator_certified = models.BooleanField(default=False)
    translation_ciphertext = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)

    objects = TranslationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TranslationRequestStatus.values),
                name="translation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=TranslationRequestPurpose.values),
                name="translation_purpose_valid",
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=TranslationRequestUrgency.values),
                name="translation_urgency_valid",
            ),
            models.CheckConstraint(
                condition=Q(handling_code__in=MessageHandling.values),
                name="translation_handling_valid",
            ),
            models.CheckConstraint(
                condition=Q(message__isnull=False, attachment__isnull=True)
                | Q(message__isnull=True, attachment__isnull=False),
                name="translation_one_item",
            ),
            models.CheckConstraint(
                condition=~Q(source_language=F("target_language")),
                name="translation_languages_differ",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        TranslationRequestStatus.AWAITING_PERMISSION,
                        TranslationRequestStatus.OPEN,
                        TranslationRequestStatus.CANCELLED,
                    ]
                )
                | Q(translator__isnull=False),
                name="translation_claimed_has_translator",
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(translator__isnull=True),
                name="translation_open_has_no_translator",
            ),
            models.CheckConstraint(
                condition=~Q(status="awaiting_permission")
                | Q(translator__isnull=True, permission__isnull=False),
                name="translation_awaiting_has_permission",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "source_language", "target_language"]),
        ]

    def __str__(self) -> str:
        return f"translation {self.source_language}→{self.target_language} ({self.status})"

    @property
    def item_kind(self) -> str:
        return "message" if self.message_id else "attachment"

    @property
    def size_unit(self) -> str:
        return "characters" if self.message_id else "bytes"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    def is_overdue(self, today=None) -> bool:
        return self.is_live and self.due_date < (today or timezone.localdate())


class TranslationEventAction(models.TextChoices):
    REQUESTED = "requested", _("requested")
    PERMITTED = "permitted", _("permitted by the provider")
    CLAIMED = "claimed", _("claimed")
    RELEASED = "released", _("released")
    SUBMITTED = "submitted", _("submitted")
    REVISION_REQUESTED = "revision_requested", _("revision requested")
    ACCEPTED = "accepted", _("accepted")
    CANCELLED = "cancelled", _("cancelled")
    REASSIGNED = "reassigned", _("reassigned")
    OVERDUE = "overdue", _("flagged overdue")


class TranslationEvent(AppendOnlyModel):
    """One step of a request's life: who, when, from which status to which, why. Never changed."""

    Action = TranslationEventAction

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(TranslationRequest, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    translator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note_ciphertext = models.BinaryField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=TranslationEventAction.values),
                name="translation_event_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class NotificationKind(models.TextChoices):
    NEW_REQUEST = "new_request", _("a new request matches your language pairs")
    CLAIMED = "claimed", _("your request was claimed")
    SUBMITTED = "submitted", _("a translation was submitted")
    REVISION_REQUESTED = "revision_requested", _("a revision was requested")
    ACCEPTED = "accepted", _("your translation was accepted")
    OVERDUE = "overdue", _("a translation request is overdue")
    REASSIGNED = "reassigned", _("a translation request was assigned to you")
    CANCELLED = "cancelled", _("a translation request you took was withdrawn")
    UNSERVED = "unserved", _("no member of the network can take a translation request")


class Notification(models.Model):
    """An in-app notice for one member. It names the request, never its content."""

    Kind = NotificationKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    request = models.ForeignKey(
        TranslationRequest, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    def summary(self) -> str:
        """The notice in the interface language, its language pair by name."""
        pair = f"{language_name(self.request.source_language)} → "
        pair += language_name(self.request.target_language)
        if self.kind == NotificationKind.UNSERVED:
            return f"{self.get_kind_display()} ({pair}, {self.request.get_purpose_display()})"
        return f"{self.get_kind_display()} ({pair})"

    @property
    def opens_request(self) -> bool:
        """Whether the recipient is one who may open the request (a coordinator told of an
        unserved request may not read its room)."""
        return self.kind != NotificationKind.UNSERVED

    def as_dict(self) -> dict:
        return {
            "id": self.pk,
            "kind": self.kind,
            "summary": self.summary(),
            "request": str(self.request_id),
            "created_at": self.created_at.isoformat(),
            "read": self.read_at is not None,
        }
