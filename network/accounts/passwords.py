"""Password rules after NIST SP 800-63B: length, no composition rules, common and
context words refused. Django's own validators check length and the common-password list."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAXIMUM_LENGTH = 128
# Words an attacker tries first against this service's users.
CONTEXT_WORDS = (
    "counterpart",
    "interpol",
    "europol",
    "eurojust",
    "redtram",
    "wacap",
    "tipp",
    "unodc",
    "fiscalia",
    "prosecutor",
    "password",
)


class ContextWordValidator:
    def validate(self, password: str, user=None) -> None:
        folded = password.casefold()
        for word in CONTEXT_WORDS:
            if word in folded and len(folded) - len(word) < 12:
                raise ValidationError(
                    _("This password is built on the word “%(word)s”; choose another."),
                    code="password_context_word",
                    params={"word": word},
                )

    def get_help_text(self) -> str:
        return _("Your password cannot be built on the name of this service or a network.")


class MaximumLengthValidator:
    def validate(self, password: str, user=None) -> None:
        if len(password) > MAXIMUM_LENGTH:
            raise ValidationError(
                _("This password is longer than %(max)d characters."),
                code="password_too_long",
                params={"max": MAXIMUM_LENGTH},
            )

    def get_help_text(self) -> str:
        return _("Up to %(max)d characters; spaces and any character are allowed.") % {
            "max": MAXIMUM_LENGTH
        }
