"""ISO 3166-1 states and ISO 639-1 languages: the only codes the service accepts."""

from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@cache
def state_names() -> dict[str, str]:
    return {country.alpha_2: country.name for country in pycountry.countries}


@cache
def language_names() -> dict[str, str]:
    return {
        language.alpha_2: language.name
        for language in pycountry.languages
        if hasattr(language, "alpha_2")
    }


def validate_state(code: str) -> None:
    if code not in state_names():
        raise ValidationError(
            _("%(code)s is not an ISO 3166-1 alpha-2 state code."), params={"code": code}
        )


def validate_language(code: str) -> None:
    if code not in language_names():
        raise ValidationError(
            _("%(code)s is not an ISO 639-1 language code."), params={"code": code}
        )


def validate_languages(codes: list[str]) -> None:
    if not isinstance(codes, list):
        raise ValidationError(_("Languages must be a list of ISO 639-1 codes."))
    for code in codes:
        validate_language(code)


def validate_states(codes: list[str]) -> None:
    if not isinstance(codes, list):
        raise ValidationError(_("States must be a list of ISO 3166-1 alpha-2 codes."))
    for code in codes:
        validate_state(code)
