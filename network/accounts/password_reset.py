"""Resetting a forgotten password by email.

Asking for a link gives the same answer whatever the address. The link (Django's
`PasswordResetTokenGenerator`, here valid for one hour) works once: setting the password
changes the hash it is computed from. A reset ends every session of the account, is on
record, and is announced by email. It never touches the second factor: the next sign-in
still asks for it. A lost second factor is not recovered by email (see docs/accounts.md).
"""

from datetime import timedelta

from django.contrib.auth import password_validation
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from network.accounts import session_index, tokens
from network.accounts.models import User
from network.accounts.notifications import notify_sign_in_change
from network.audit.log import record
from network.audit.models import AuditEvent
from network.errors import DomainError
from network.origin import site_origin

LINK_LIFETIME = timedelta(hours=1)
# Reset emails sent to one account per hour; further requests get the same answer, no email.
HOURLY_LIMIT_PER_ACCOUNT = 5


class ShortLivedTokenGenerator(PasswordResetTokenGenerator):
    """Django's generator, with a lifetime of LINK_LIFETIME instead of
    PASSWORD_RESET_TIMEOUT (three days by default)."""

    key_salt = "network.accounts.password_reset.ShortLivedTokenGenerator"

    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - issued
        return 0 <= age <= LINK_LIFETIME.total_seconds()


token_generator = ShortLivedTokenGenerator()


class ResetLinkError(DomainError):
    """The link is malformed, expired, already used or for an account that cannot reset."""

    def __init__(self):
        super().__init__(
            "reset_link_invalid",
            _(
                "This password-reset link cannot be used: it has expired, was used already, "
                "or is incomplete. Ask for a new one."
            ),
        )


def reset_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = token_generator.make_token(user)
    return site_origin() + reverse("accounts:password_reset_confirm", args=[uid, token])


def request_reset(*, email: str, ip_address: str | None = None) -> None:
    """Email a reset link if an active account with a usable password has this address.
    Returns nothing, so that callers cannot answer differently."""
    email = (email or "").strip().lower()
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    with transaction.atomic():
        since = timezone.now() - timedelta(hours=1)
        recent = AuditEvent.objects.filter(
            action="password_reset.requested",
            target_type=User._meta.label_lower,
            target_id=str(user.pk),
            occurred_at__gt=since,
        ).count()
        if recent >= HOURLY_LIMIT_PER_ACCOUNT:
            return
        record("password_reset.requested", target=user, ip_address=ip_address)
        link = reset_url(user)
        transaction.on_commit(lambda: _send_link(user, link))


def _send_link(user: User, link: str) -> None:
    body = "\n".join(
        [
            _("Someone asked to reset the password of your Counterpart account."),
            "",
            _("To choose a new password, open this link within an hour. It works once:"),
            "",
            link,
            "",
            _(
                "Your second factor stays as it is: you will still need your authenticator app "
                "or security key to sign in. If you did not ask for this, ignore this email."
            ),
        ]
    )
    send_mail(_("Counterpart: reset your password"), body, None, [user.email], fail_silently=True)


def user_for_link(uidb64: str, token: str) -> User:
    """The account whose valid link this is, or `ResetLinkError`."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        raise ResetLinkError() from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not token_generator.check_token(user, token):
        raise ResetLinkError()
    return user


def reset_password(
    *, uidb64: str, token: str, new: str, confirm: str, ip_address: str | None = None
) -> User:
    """Set the new password through a valid link: every session of the account ends and
    every API token is revoked (whoever knew the old password may have issued one), the
    reset is on record and announced by email. The second factor is untouched."""
    with transaction.atomic():
        user = user_for_link(uidb64, token)
        user = User.objects.select_for_update().get(pk=user.pk)
        # Checked again under the lock: two submissions of one link set one password.
        if not token_generator.check_token(user, token):
            raise ResetLinkError()
        if new != confirm:
            raise ValidationError({"new_password2": _("The two new passwords differ.")})
        try:
            password_validation.validate_password(new, user)
        except ValidationError as exc:
            raise ValidationError({"new_password1": exc.messages}) from exc
        user.set_password(new)
        user.save(update_fields=["password"])
        revoked = tokens.revoke_all(user=user)
        record(
            "password.reset",
            actor=user,
            target=user,
            ip_address=ip_address,
            details={"tokens_revoked": revoked},
        )
        notify_sign_in_change(user, "password_reset")
        session_index.end_sessions(
            user=user, session_keys=None, reason="password reset", ip_address=ip_address
        )
    return user
