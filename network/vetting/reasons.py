"""Reasons the service writes itself (not a coordinator): stored in English, the record's
language, and shown in the reader's language."""

import re

from django.utils.translation import gettext, ngettext, override

ENDORSED = "%(count)d of %(required)d required endorsements."
_ENDORSED = re.compile(r"^(\d+) of (\d+) required endorsements\.$")
NONE_REQUIRED = "This network requires no endorsements."


def endorsed(count: int, required: int) -> str:
    with override("en"):
        return ENDORSED % {"count": count, "required": required}


REPLACED = "Replaced in the seat by a new designation."


def replaced(successor) -> str:
    return REPLACED


def none_required() -> str:
    return NONE_REQUIRED


def shown(reason: str) -> str:
    """A service-written reason in the interface language; any other reason as written."""
    match = _ENDORSED.match(reason)
    if match:
        count, required = int(match[1]), int(match[2])
        return ngettext(
            "%(count)d of %(required)d required endorsement.",
            "%(count)d of %(required)d required endorsements.",
            required,
        ) % {"count": count, "required": required}
    if reason == REPLACED:
        return gettext("Replaced in the seat by a new designation.")
    if reason == NONE_REQUIRED:
        return gettext("This network requires no endorsements.")
    return reason
