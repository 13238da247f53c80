"""Personal API tokens: `cp_<prefix>_<secret>`, sent as `Authorization: Bearer <token>`.

The prefix is stored in clear so that a member can recognise a token in the list; of the
secret (256 random bits) only a SHA-256 is kept: a password hash adds nothing at that entropy.
A token stops working when it is revoked, when it expires, and at once when its account is
disabled (the account's `is_active` is checked on every request).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from network.accounts.models import ApiToken, User
from network.audit.log import record
from network.errors import DomainError

BEARER_LABEL = "cp"  # tokens read cp_<prefix>_<secret>
MAX_LIFETIME_DAYS = 365
DEFAULT_LIFETIME_DAYS = 90
MAX_NAME_LENGTH = 80
LAST_USED_RESOLUTION = timedelta(seconds=60)


class TokenError(DomainError):
    """Bad input for a token, or no such token; the message is safe to show."""

    def __init__(self, message: str, *, code: str = "token_refused", field: str | None = None):
        super().__init__(code, message, field=field)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *, user: User, name: str, lifetime_days: int, ip_address: str | None = None
) -> IssuedToken:
    name = (name or "").strip()
    if not name:
        raise TokenError(_("Give the token a name."))
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(
            _("The name is longer than %(max)d characters.") % {"max": MAX_NAME_LENGTH}
        )
    if not isinstance(lifetime_days, int) or isinstance(lifetime_days, bool):
        raise TokenError(_("The lifetime must be a whole number of days."))
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise TokenError(
            _("The lifetime must be between 1 and %(max)d days.") % {"max": MAX_LIFETIME_DAYS}
        )
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            secret_hash=_hash(secret),
            expires_at=timezone.now() + timedelta(days=lifetime_days),
        )
        record(
            "api_token.created",
            actor=user,
            target=token,
            ip_address=ip_address,
            details={"prefix": prefix, "name": name, "lifetime_days": lifetime_days},
        )
    return IssuedToken(token, f"{BEARER_LABEL}_{prefix}_{secret}")


def revoke_token(*, user: User, token_id: int, ip_address: str | None = None) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
        if token is None:
            raise TokenError(_("No such token."), code="not_found")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(
                "api_token.revoked",
                actor=user,
                target=token,
                ip_address=ip_address,
                details={"prefix": token.prefix},
            )
    return token


def revoke_all(*, user: User) -> int:
    """Revoke every live token of `user` (in the caller's transaction)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def tokens_of(user: User):
    return ApiToken.objects.filter(user=user)


def user_for_token(presented: str) -> tuple[User, ApiToken] | None:
    """The active account and token that `presented` belongs to, or None."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != BEARER_LABEL:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not constant_time_compare(token.secret_hash, _hash(parts[2])):
        return None
    if not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
