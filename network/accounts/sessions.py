"""The second-factor state of a session, and its inactivity.

A session that signed in with a password only is half-authenticated: it may reach the
second-factor and enrolment pages and nothing else. `mark_two_factor_verified` is called by
the second-factor step (TOTP, recovery code or WebAuthn); everything else asks
`is_two_factor_verified`, the HTTP gate, the API authentication and the WebSocket consumer.

A session ends after `COUNTERPART_IDLE_TIMEOUT` seconds without activity: a request (the
HTTP gate marks it) or a frame of the user's own on an open WebSocket (the consumer marks it
in the stored session, at most once a minute), so that a member who works in a room page for
an hour is not signed out of the next page they open, and a socket left open on an
abandoned desk closes.
"""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.utils import timezone

VERIFIED_KEY = "cp_2fa_method"
VERIFIED_AT_KEY = "cp_2fa_at"
LAST_SEEN_KEY = "cp_last_seen"


def mark_two_factor_verified(session, *, method: str) -> None:
    """The second factor passed: the session is signed in, for `SESSION_COOKIE_AGE` from now
    at most (an absolute lifetime: Django's default expiry would move forward with every
    request that saves the session)."""
    now = timezone.now()
    session[VERIFIED_KEY] = method
    session[VERIFIED_AT_KEY] = now.timestamp()
    session[LAST_SEEN_KEY] = now.timestamp()
    if isinstance(session, SessionBase):  # not the plain data of a session being built
        session.set_expiry(now + timedelta(seconds=settings.SESSION_COOKIE_AGE))


def is_two_factor_verified(session) -> bool:
    return bool(session.get(VERIFIED_KEY))


def two_factor_method(session) -> str | None:
    return session.get(VERIFIED_KEY)


def idle_deadline(session) -> float | None:
    """When `session` ends for inactivity (a timestamp), or None if no activity was recorded."""
    last_seen = session.get(LAST_SEEN_KEY)
    return None if last_seen is None else idle_deadline_after(last_seen)


def idle_deadline_after(last_seen: float) -> float:
    """When a session last active at `last_seen` (a timestamp) ends for inactivity."""
    return last_seen + settings.COUNTERPART_IDLE_TIMEOUT


def is_idle(session) -> bool:
    deadline = idle_deadline(session)
    return deadline is not None and timezone.now().timestamp() > deadline


def last_activity(session_key: str) -> float | None:
    """The last activity recorded in the stored session (0 if none), or None if the session
    no longer exists (signed out, ended, expired)."""
    store = _stored(session_key)
    data = store.load()  # forgets the key when the session is gone or expired
    if store.session_key is None:
        return None
    return data.get(LAST_SEEN_KEY) or 0.0


def record_activity(session_key: str, when: float) -> bool:
    """Mark activity seen outside a request (a WebSocket frame) in the stored session; False
    if the session no longer exists."""
    store = _stored(session_key)
    last_seen = store.get(LAST_SEEN_KEY)
    if store.session_key is None:
        return False
    store[LAST_SEEN_KEY] = max(when, last_seen or 0)
    try:
        store.save()
    except UpdateError:  # ended meanwhile
        return False
    return True


def _stored(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)
