"""A request for a provider's permission to pass one of their items on.

Registered with the messaging app (imported by messaging/models.py): its rows refer to rooms,
messages and members, and its migrations are messaging's.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DisclosurePurpose(models.TextChoices):
    TRANSLATION = "translation", _("translation")
    FORWARD = "forward", _("forward")
    QUOTE = "quote", _("quote")
    EXPORT = "export", _("export")
    # Let a participant in a support or observer capacity read an H1 or H2 item in a thread
    # they read (messaging/access.py `LIMITED_UNREADABLE`): the grant is an ItemReadGrant.
    READ = "read", _("reading by a support or observer participant")


class PermissionAnswer(models.TextChoices):
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")


class PermissionRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(answer="")


class PermissionRequest(models.Model):
    """Asked by a reader of an item that another member provided, answered once by that
    provider. `recipients` are the ids of the members the item would go to; `outside` says
    that it would also go to people not named (a translator outside the room, an export)."""

    Purpose = DisclosurePurpose
    Answer = PermissionAnswer

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    room = models.ForeignKey(
        "messaging.Room", on_delete=models.PROTECT, related_name="permission_requests"
    )
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.PROTECT, related_name="permission_requests"
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="permissions_asked_of"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="permissions_asked"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    recipients = models.JSONField(default=list, blank=True)
    outside = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True)
    asked_at = models.DateTimeField(default=timezone.now)
    answer = models.CharField(max_length=8, choices=Answer.choices, blank=True)
    answer_note = models.CharField(max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = PermissionRequestQuerySet.as_manager()

    class Meta:
        app_label = "messaging"
        ordering = ["-asked_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=DisclosurePurpose.values),
                name="permission_purpose_valid",
            ),
            models.CheckConstraint(
                condition=Q(answer="", answered_at__isnull=True)
                | Q(answer__in=PermissionAnswer.values, answered_at__isnull=False),
                name="permission_answer_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(answer="refused") | ~Q(answer_note=""),
                name="permission_refusal_says_why",
            ),
            models.CheckConstraint(
                condition=~Q(provider=models.F("requester")),
                name="permission_not_of_oneself",
            ),
        ]
        indexes = [models.Index(fields=["message", "requester", "purpose"])]

    def __str__(self) -> str:
        return f"{self.purpose} of {self.message_id} by {self.requester_id}"

    @property
    def pending(self) -> bool:
        return self.answer == ""

    def covers(self, recipients: set[int] | None) -> bool:
        """Whether this request named `recipients` (None: people outside the room)."""
        if recipients is None:
            return self.outside
        return recipients <= set(self.recipients)


class ItemReadGrant(models.Model):
    """A participant in a limited capacity (support, observer) may read one H1 or H2 item that
    someone else provided: granted by that provider, directly or by answering a request with
    the purpose `read` (`permission`). Rows stay; the item is read while the rest of the rule
    (the room, the thread) still allows it."""

    message = models.ForeignKey(
        "messaging.Message", on_delete=models.PROTECT, related_name="read_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="read_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    permission = models.ForeignKey(
        PermissionRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "messaging"
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="one_read_grant_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} reads {self.message_id}"
