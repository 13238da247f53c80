"""`{% load translations %}{% beside_original translations_by_message message %}`: the
translations of one message, where `translations_by_message` is the result of
`messaging.translations.display.translations_for_messages(messages, viewer)`."""

from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.inclusion_tag("translations/_beside_original.html")
def beside_original(translations_by_message, message):
    found = (translations_by_message or {}).get(str(getattr(message, "pk", message)), [])
    return {"translations": found}


@register.simple_tag
def item_size(size, unit: str) -> str:
    """ "65 characters", "1 byte", in the interface language."""
    if unit == "characters":
        return ngettext("%(count)d character", "%(count)d characters", size) % {"count": size}
    return ngettext("%(count)d byte", "%(count)d bytes", size) % {"count": size}


@register.filter
def translation_status_label(code: str) -> str:
    """A request's status as a word ("claimed", "asignada"), never its code."""
    from messaging.translations.models import TranslationRequest

    Status = TranslationRequest.Status
    return str(Status(code).label) if code in Status.values else code


@register.filter
def translation_event_label(code: str) -> str:
    from messaging.translations.models import TranslationEvent

    Action = TranslationEvent.Action
    return str(Action(code).label) if code in Action.values else code
