"""The second-factor state of a session.

A session that signed in with a password only is half-authenticated: it may reach the
second-factor and enrolment pages and nothing else. `mark_two_factor_verified` is called by
the second-factor step (TOTP, recovery code or WebAuthn); everything else asks
`is_two_factor_verified`, the HTTP gate, the API authentication and the WebSocket consumer.
"""

from django.utils import timezone

VERIFIED_KEY = "cp_2fa_method"
VERIFIED_AT_KEY = "cp_2fa_at"
LAST_SEEN_KEY = "cp_last_seen"


def mark_two_factor_verified(session, *, method: str) -> None:
    session[VERIFIED_KEY] = method
    session[VERIFIED_AT_KEY] = timezone.now().timestamp()
    session[LAST_SEEN_KEY] = timezone.now().timestamp()


def is_two_factor_verified(session) -> bool:
    return bool(session.get(VERIFIED_KEY))


def two_factor_method(session) -> str | None:
    return session.get(VERIFIED_KEY)
