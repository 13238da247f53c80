"""Which items of a room an export leaves out as withheld (docs/records.md, "Withheld items").

A withheld item stays in the bundle as its leaf hash only, so the verifier still proves that
nothing in the range was dropped; its content, entry and salt are not in the bundle.

`withheld_reason` is the one place that decides. Today it withholds tombstoned content and the
H1/H2/H3 items of providers other than the exporter. Two checks are to be called where marked
below once they exist: the provider-permission rule of the handling codes (a provider's
permission, given per item on the room's log, releases an H1/H2/H3 item for this export) and
restricted threads (items of a restricted thread the exporter does not read are withheld).
"""

from messaging.models import Message

RESTRICTED_CODES = {Message.Handling.H1, Message.Handling.H2, Message.Handling.H3}

# The reasons written into the bundle (stable words, read by the verifier and by people).
TOMBSTONED = "tombstoned"
PROVIDER_PERMISSION = "provider_permission"
RESTRICTED_THREAD = "restricted_thread"


def withheld_reason(message: Message | None, exporter, export=None) -> str | None:
    """Why the events of `message` (its posting, edits, files and translation changes) are
    withheld from this export, or None when they are exported. Events that belong to no
    message are never withheld. `export` is the export request, for the permission check."""
    if message is None:
        return None
    if message.deleted_at is not None:
        return TOMBSTONED
    if (
        message.handling_code in RESTRICTED_CODES
        and message.sender_id != exporter.pk
        and not provider_permitted(message, exporter, export)
    ):
        return PROVIDER_PERMISSION
    if not reads_thread(message.thread_id, exporter):
        return RESTRICTED_THREAD
    return None


def provider_permitted(message: Message, exporter, export=None) -> bool:
    """SEAM: the provider-permission rule of the handling codes (messaging/disclosure) is
    called here. Until then no permission is recorded anywhere, so none is given."""
    return False


def reads_thread(thread_id, exporter) -> bool:
    """SEAM: the restricted-thread check (messaging/disclosure) is called here. Until then
    every thread of a room is read by all its participants."""
    return True
