"""Names, never codes, as labels: `{% load names %}`, then `{{ code|state_name }}`,
`{{ codes|language_names }}`, `{{ code|competence_label }}`."""

from django import template
from django.utils.dateparse import parse_date, parse_datetime

from directory.competences import Competence
from network import iso
from network.models import Membership
from network.vetting import reasons

register = template.Library()


@register.filter
def state_name(code: str) -> str:
    return iso.state_name(code) if code else ""


@register.filter
def language_name(code: str) -> str:
    return iso.language_name(code) if code else ""


@register.filter
def language_names(codes) -> str:
    """ "es, en" -> "español, inglés" (in the interface language)."""
    return ", ".join(iso.language_name(code) for code in codes or ())


@register.filter
def competence_label(code: str) -> str:
    try:
        return str(Competence(code).label)
    except ValueError:
        return code


@register.filter
def status_label(code: str) -> str:
    """A membership status as a word ("suspended", "suspendido")."""
    return str(Membership.Status(code).label) if code in Membership.Status.values else code


@register.filter
def role_label(code: str) -> str:
    return str(Membership.Role(code).label) if code in Membership.Role.values else code


@register.filter
def decision_reason(reason: str) -> str:
    return reasons.shown(reason)


@register.filter
def state_names(codes) -> str:
    """ "ES", "NG" -> "España, Nigeria" (in the interface language)."""
    return ", ".join(iso.state_name(code) for code in codes or ())


@register.filter
def moment(value: str):
    """An ISO 8601 time as written by the API ("2026-12-06T09:21:44+00:00"), as a datetime
    for `|date`, which shows it in the reader's time zone and locale."""
    return parse_datetime(value) if value else None


@register.filter
def day(value: str):
    """An ISO 8601 date ("2026-12-13") as a date for `|date`."""
    return parse_date(value) if value else None
