"""ISO 3166-1 states and ISO 639-1 languages: the only codes the service accepts."""

import zoneinfo
from functools import cache

import pycountry
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import get_timezone_location
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from directory.text import fold


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


# --- Names in the reader's language ---------------------------------------------------------
# The Unicode CLDR's names (through Babel), in the active interface language: never a code
# shown as a label, never a hand-written list.


@cache
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale("en")


def _reader_locale() -> Locale:
    return _locale(get_language() or "en")


def state_name(code: str) -> str:
    """The state's name in the interface language ("Côte d’Ivoire", "ساحل العاج")."""
    return _reader_locale().territories.get(code) or state_names().get(code, code)


def language_name(code: str) -> str:
    """The language's name in the interface language ("español", "العربية")."""
    return _reader_locale().languages.get(code) or language_names().get(code, code)


def _sorted_by_name(pairs) -> list[tuple[str, str]]:
    return sorted(pairs, key=lambda pair: fold(pair[1]))


def state_choices() -> list[tuple[str, str]]:
    return _sorted_by_name((code, state_name(code)) for code in state_names())


def language_choices() -> list[tuple[str, str]]:
    return _sorted_by_name((code, language_name(code)) for code in language_names())


# --- Time zones -----------------------------------------------------------------------------
# Offered by the name of their state and city in the reader's language (CLDR), never by their
# IANA identifier; aliases ("US/Pacific") and technical zones ("Etc/GMT+5") are not offered.


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def canonical_time_zones() -> tuple[str, ...]:
    aliases = get_global("zone_aliases")
    return tuple(
        sorted(
            zone
            for zone in _time_zones()
            if zone not in aliases and "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
        )
    )


def time_zone_name(zone: str) -> str:
    """ "Africa/Lagos" -> "Nigeria — Lagos" (in the interface language); "UTC" as it is."""
    if zone == "UTC" or zone not in _time_zones():
        return zone
    zone = get_global("zone_aliases").get(zone, zone)
    locale = _reader_locale()
    city = get_timezone_location(zone, locale=locale, return_city=True)
    territory = get_global("zone_territories").get(zone)
    if not territory or territory == "001":
        return city
    state = state_name(territory)
    return state if city == state else f"{state} — {city}"


def time_zone_choices() -> list[tuple[str, str]]:
    return [("UTC", "UTC")] + _sorted_by_name(
        (zone, time_zone_name(zone)) for zone in canonical_time_zones()
    )
