"""`{% load room_labels %}`: times in the reader's zone (`{% when value %}`) and the meaning
of handling and evaluation codes (`code|handling_description`, `code|evaluation_description`)."""

from django import template

from messaging import labels, times

register = template.Library()


@register.simple_tag(takes_context=True)
def when(context, value):
    return times.time_element(value, context.get("user"))


@register.filter
def handling_description(code) -> str:
    return labels.handling_description(str(code))


@register.filter
def evaluation_description(code) -> str:
    return labels.evaluation_description(str(code))
