"""`{% load translations %}{% beside_original translations_by_message message %}`: the
translations of one message, where `translations_by_message` is the result of
`messaging.translations.display.translations_for_messages(messages, viewer)`."""

from django import template

register = template.Library()


@register.inclusion_tag("translations/_beside_original.html")
def beside_original(translations_by_message, message):
    found = (translations_by_message or {}).get(str(getattr(message, "pk", message)), [])
    return {"translations": found}
