"""Names, never codes, as labels: `{% load names %}`, then `{{ code|state_name }}`,
`{{ codes|language_names }}`, `{{ code|competence_label }}`."""

from django import template

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
