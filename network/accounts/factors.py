"""Which second factors an account has, and finishing the second-factor step of a sign-in."""

from django.db import transaction

from network.accounts import session_index
from network.accounts.models import TotpDevice, User, WebAuthnCredential
from network.accounts.sessions import mark_two_factor_verified, two_factor_method
from network.audit.log import record

METHODS = ("totp", "recovery", "webauthn")


def has_totp(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def has_webauthn(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user).exists()


def has_second_factor(user: User) -> bool:
    return has_totp(user) or has_webauthn(user)


def complete_second_factor(request, *, method: str) -> None:
    """The session passed its second factor: new session id, marked verified, on record."""
    if method not in METHODS:
        raise ValueError(f"unknown second-factor method {method!r}")
    old_key = request.session.session_key
    request.session.cycle_key()
    mark_two_factor_verified(request.session, method=method)
    request.session.save()
    with transaction.atomic():
        session_index.rekey(request, old_key)
        record(
            "sign_in.succeeded",
            actor=request.user,
            target=request.user,
            details={"method": method},
            ip_address=session_index.client_ip(request),
        )


def session_satisfies_coordinator_factor(session, network) -> bool:
    """A network that requires WebAuthn for its coordinators accepts only sessions that
    passed their second factor with WebAuthn; every other network accepts any factor."""
    if not network.coordinators_require_webauthn:
        return True
    return two_factor_method(session) == "webauthn"
