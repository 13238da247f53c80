"""Which items of a room an export leaves out as withheld (docs/records.md, "Withheld items").

A withheld item stays in the bundle as its leaf hash only, so the verifier still proves that
nothing in the range was dropped; its content, entry and salt are not in the bundle.

`withheld_reason` is the one place that decides: tombstoned content; items of a restricted
thread the exporter does not read; and items that need their provider's permission to leave
the room (the one rule of messaging/disclosure: another member's H1/H2/H3 item, or another
member's item of a restricted thread) for which that provider has not granted an `export`
permission, asked and answered per item on the room's log.
"""

import uuid

from messaging import access
from messaging.disclosure import rule
from messaging.disclosure.models import PermissionRequest
from messaging.models import Message

# The reasons written into the bundle (stable words, read by the verifier and by people).
TOMBSTONED = "tombstoned"
PROVIDER_PERMISSION = "provider_permission"
RESTRICTED_THREAD = "restricted_thread"


def withheld_reason(message: Message | None, exporter, export=None, *, event=None) -> str | None:
    """Why the events of `message` (its posting, edits, files and translation changes) are
    withheld from this export, or None when they are exported. An `event` that belongs to no
    message is withheld only when it is of a restricted thread the exporter does not read
    (its creation, title and tags, its readers)."""
    if message is None:
        details = getattr(event, "details", None)
        thread = details.get("restricted") if isinstance(details, dict) else None
        if thread and access.user_pk(exporter) not in access.thread_readers(
            [uuid.UUID(str(thread))]
        ).get(uuid.UUID(str(thread)), set()):
            return RESTRICTED_THREAD
        return None
    if message.deleted_at is not None:
        return TOMBSTONED
    if not reads_thread(message.thread, exporter):
        return RESTRICTED_THREAD
    if rule.needs_provider(message, exporter) and not provider_permitted(message, exporter):
        return PROVIDER_PERMISSION
    return None


def provider_permitted(message: Message, exporter, export=None) -> bool:
    """Whether the provider of `message` granted `exporter` its export (messaging/disclosure)."""
    return rule.may_pass(
        exporter, message, purpose=PermissionRequest.Purpose.EXPORT, recipients=None
    ).allowed


def reads_thread(thread, exporter) -> bool:
    """Whether `exporter` reads `thread`: every open thread of the room, and a restricted one
    only as one of its current readers."""
    if not thread.restricted:
        return True
    return access.user_pk(exporter) in access.thread_readers([thread.pk]).get(thread.pk, set())
