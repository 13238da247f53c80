"""Telling members about changes to how their account signs in (ASVS 6.3.7): an email after
commit, so that someone who did not make the change notices it."""

from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network.accounts.models import User

CHANGES = {
    "password_changed": gettext_lazy("Your password was changed."),
    "password_reset": gettext_lazy(
        "Your password was reset with a link sent to this address; every session of your "
        "account was ended. Your second factor is unchanged."
    ),
    "totp_enrolled": gettext_lazy("An authenticator app was set up for your account."),
    "totp_removed": gettext_lazy("The authenticator app was removed from your account."),
    "webauthn_enrolled": gettext_lazy("A security key or passkey was registered for your account."),
    "webauthn_removed": gettext_lazy("A security key or passkey was removed from your account."),
    "recovery_codes_regenerated": gettext_lazy(
        "New recovery codes were made; the old ones no longer work."
    ),
}


def notify_sign_in_change(user: User, change: str) -> None:
    """Queue the email, in the member's interface language, for after the commit of the
    caller's transaction."""
    with translation.override(user.preferred_language):
        subject = _("Counterpart: a change to how you sign in")
        body = (
            f"{CHANGES[change]}\n\n"
            + _(
                "If you did not do this, sign in, end your other sessions on the Sessions page "
                "and tell your network's coordinators at once."
            )
            + "\n"
        )
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email], fail_silently=True))
