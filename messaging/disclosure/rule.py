"""The one rule for passing an item of a room on: "may X pass item I to recipients Y".

An item (a message, with its files) labelled H1, H2 or H3 that another member provided
needs that provider's recorded permission — asked and answered in the app, per item, on the
room's log — unless every recipient is already a reader of the item; so does any item of a
restricted thread (messaging/access.py), whose readers are its named readers. Other H0
items, and one's own, pass to anyone the path allows. Every path an item can leave by asks
this rule: translation requests, forwarding, quoting into another thread or room, and the
case-record export (`export_permitted`).

`recipients` is a set of member ids, or None when the item goes to people not named in
advance (a translator outside the room, an exported record): None is never "every recipient
is already a reader".
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging import access
from messaging.disclosure.models import PermissionRequest
from messaging.models import Message, MessageHandling

PROTECTED = (MessageHandling.H1, MessageHandling.H2, MessageHandling.H3)
Purpose = PermissionRequest.Purpose


@dataclass(frozen=True)
class Decision:
    """The rule's answer: `allowed`, or `code` and `reason` (for people) saying why not,
    the `provider` to ask, and the `permission` request already asked, if any."""

    allowed: bool
    code: str = ""
    reason: str = ""
    provider: object = None
    permission: PermissionRequest | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)
LIMITED_REASON = gettext_lazy(
    "a participant in a support or observer capacity does not pass items out of the room"
)


def needs_provider(message: Message, actor) -> bool:
    """Whether passing `message` on may need its provider's permission: someone else's item
    with a protected handling code, or of a restricted thread (whose items go to its readers
    only)."""
    if message.sender_id == actor.pk:
        return False
    return message.handling_code in PROTECTED or message.thread.restricted


def may_pass(actor, message: Message, *, purpose: str, recipients=None) -> Decision:
    """May `actor` pass `message` on for `purpose` to `recipients` (member ids, or None for
    people outside the room)? One rule for every path."""
    if not access.can_read_message(actor, message):
        return Decision(False, "unknown_item", _("no such message"))
    if purpose in (Purpose.TRANSLATION, Purpose.EXPORT) and access.is_limited(actor, message.room):
        # Support and observer participants pass nothing out of the room.
        return Decision(False, "capacity_limited", LIMITED_REASON)
    if not needs_provider(message, actor):
        return ALLOWED
    wanted = None if recipients is None else {int(pk) for pk in recipients}
    if wanted is not None and wanted and access.message_readers(message, wanted) == wanted:
        return ALLOWED
    asked = list(
        PermissionRequest.objects.filter(message=message, requester=actor, purpose=purpose)
        .order_by("-asked_at", "-id")
        .select_related("provider")
    )
    covering = [request for request in asked if request.covers(wanted)]
    if any(request.answer == PermissionRequest.Answer.GRANTED for request in covering):
        return ALLOWED
    provider = message.sender
    pending = next((request for request in covering if request.pending), None)
    if pending is not None:
        return Decision(
            False,
            "permission_pending",
            _("waiting for the permission of %(provider)s, who provided this item")
            % {"provider": provider.display_name},
            provider=provider,
            permission=pending,
        )
    refused = next((r for r in covering if r.answer == PermissionRequest.Answer.REFUSED), None)
    if refused is not None:
        return Decision(
            False,
            "permission_refused",
            _("%(provider)s, who provided this item, refused: %(why)s")
            % {"provider": provider.display_name, "why": refused.answer_note},
            provider=provider,
            permission=refused,
        )
    return Decision(
        False,
        "provider_permission_required",
        _(
            "this item is %(code)s: passing it on needs the permission of %(provider)s, "
            "who provided it"
        )
        % {
            "code": message.handling_code
            if message.handling_code in PROTECTED
            else _("of a restricted thread"),
            "provider": provider.display_name,
        },
        provider=provider,
    )


def export_permitted(event, exporter) -> bool | str:
    """For the case-record export: True if `exporter` may export room event `event` (its
    message, if it has one) out of the room, else the reason (for people) why not. The export
    goes to people not named, so a protected item of another member's needs that member's
    granted `export` permission."""
    if event.message_id is None:
        return True if access.can_read(exporter, event.room) else _("no such room")
    decision = may_pass(exporter, event.message, purpose=Purpose.EXPORT, recipients=None)
    return True if decision.allowed else decision.reason
