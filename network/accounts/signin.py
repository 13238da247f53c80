"""The password step of signing in, and the lockout answer.

Sign-in goes through `django.contrib.auth.authenticate(request=...)`, so django-axes counts
every failure per account and per client address (`AXES_LOCKOUT_PARAMETERS`). The address is
REMOTE_ADDR only (see `session_index.client_ip`): an X-Forwarded-For sent by the client
changes nothing. Unknown email and wrong password give the same answer.
"""

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from network.accounts import session_index
from network.accounts.models import User
from network.audit.log import record
from network.errors import error_body

SIGN_IN_FAILED = gettext_lazy("The email address or password is not correct.")
LOCKED_OUT = gettext_lazy(
    "Too many failed sign-ins for this account or from this address. "
    "Sign-in is blocked for %(minutes)d minutes."
)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def sign_in_with_password(request, *, email: str, password: str) -> User | None:
    """Check the password; on success the session becomes half-authenticated (new id)."""
    email = normalise_email(email)
    ip_address = session_index.client_ip(request)
    user = authenticate(request=request, username=email, password=password)
    if user is None:
        locked = bool(getattr(request, "axes_locked_out", False))
        record(
            "sign_in.locked_out" if locked else "sign_in.failed",
            actor=None,
            details={"email": email[:254]},
            ip_address=ip_address,
        )
        return None
    login(request, user)  # cycles the session id
    with transaction.atomic():
        session_index.register(request)
        record("sign_in.password_accepted", actor=user, target=user, ip_address=ip_address)
    return user


def lockout_minutes() -> int:
    return max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: 429 with a clear page or JSON."""
    message = LOCKED_OUT % {"minutes": lockout_minutes()}
    wants_json = request.path.startswith("/api/") or "application/json" in request.META.get(
        "HTTP_ACCEPT", ""
    )
    if wants_json:
        return JsonResponse(error_body("rate_limited", message), status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)
