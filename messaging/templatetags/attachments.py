"""`attachment_name`: an attachment's file name, opened from its sealed form for display."""

from django import template

from messaging import crypto

register = template.Library()


@register.filter
def attachment_name(attachment) -> str:
    return crypto.open_attachment_name(attachment)
