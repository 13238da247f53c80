import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from network.records import AppendOnlyModel

GENESIS_HASH = "0" * 64


class AuditEvent(AppendOnlyModel):
    """One security event, chained to its predecessor by hash. Rows are never updated.

    `entry_hash` = SHA-256(previous entry_hash ‖ canonical JSON of this row's content), so a
    changed, removed or reordered row breaks the chain at that row.
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor_label or 'system'}"

    def canonical_content(self) -> bytes:
        content = {
            "occurred_at": self.occurred_at.isoformat(),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "reason": self.reason,
            "details": self.details,
            "ip_address": self.ip_address,
        }
        return json.dumps(
            content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.previous_hash.encode() + self.canonical_content()).hexdigest()
