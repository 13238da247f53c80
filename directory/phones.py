"""Phone numbers of directory entries: E.164, and valid for the entry's state by the
numbering plans of Google's libphonenumber (the `phonenumbers` package). The contact-point
model's `clean()` calls this, so the correction form, the API and the CSV import share it."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from network.iso import state_name


def validate_phone_for_state(phone: str, state: str) -> None:
    if not phone or not state:
        return
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("%(phone)s is not a phone number in E.164 form (+ and 7 to 15 digits)."),
            params={"phone": phone},
        ) from exc
    if not phonenumbers.is_valid_number_for_region(number, state):
        raise ValidationError(
            _("%(phone)s is not a valid phone number in %(state)s."),
            params={"phone": phone, "state": state_name(state)},
        )


def sample_number(state: str, variant: int) -> str:
    """A number valid in `state` (E.164), the numbering plan's example with its last digits
    varied by `variant`: for demo data."""
    example = phonenumbers.example_number_for_type(
        state, phonenumbers.PhoneNumberType.FIXED_LINE
    ) or phonenumbers.example_number(state)
    national = str(example.national_number)
    for step in range(100):
        suffix = f"{(variant * 37 + step) % 100:02d}"
        candidate = phonenumbers.parse(f"+{example.country_code}{national[:-2]}{suffix}", None)
        if phonenumbers.is_valid_number_for_region(candidate, state):
            return phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
