"""Writing and verifying the hash-chained audit log.

`record()` runs inside the caller's transaction, so an event is on record exactly when the
change it describes is committed.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from network.audit.models import GENESIS_HASH, AuditEvent

# Arbitrary constant naming the PostgreSQL advisory lock that serialises appends.
_CHAIN_LOCK = 0x43505F41


def record(
    action: str,
    *,
    actor=None,
    target=None,
    reason: str = "",
    details: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").only("entry_hash").first()
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
            actor_label=getattr(actor, "email", "") if actor is not None else "",
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            reason=reason,
            details=details or {},
            ip_address=ip_address,
            previous_hash=last.entry_hash if last else GENESIS_HASH,
        )
        event.entry_hash = event.compute_hash()
        event.save()
        return event


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken: AuditEvent | None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken is None


def verify_chain() -> ChainReport:
    """Walk the chain in order; report the first entry whose hash or link does not hold."""
    expected_previous = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.previous_hash != expected_previous:
            return ChainReport(checked, event, "does not link to the entry before it")
        if event.compute_hash() != event.entry_hash:
            return ChainReport(checked, event, "content does not match its hash")
        expected_previous = event.entry_hash
        checked += 1
    return ChainReport(checked, None)
