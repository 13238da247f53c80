"""The user → session index: who is signed in where, and ending sessions early.

Django's database session backend cannot list a user's sessions, so every sign-in registers
its session here (created, last seen, address, browser). Ending a session deletes it from
the session store and the index and, after commit, sends `sessions_ended` so that open
WebSockets of those sessions are closed.
"""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from network.accounts.models import SessionRecord, User
from network.accounts.signals import sessions_ended
from network.audit.log import record

# The index is refreshed at most this often per session, not on every request.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def client_ip(request) -> str | None:
    """The client address. Only REMOTE_ADDR counts: behind nginx, Daphne's --proxy-headers
    sets it from the proxy's X-Forwarded-For, so a client cannot choose it."""
    return request.META.get("REMOTE_ADDR") or None


def register(request) -> SessionRecord:
    """Index the request's (freshly cycled) session for its user."""
    if request.session.session_key is None:
        request.session.save()
    now = timezone.now()
    record_, _ = SessionRecord.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": request.user,
            "created_at": now,
            "last_seen_at": now,
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )
    return record_


def rekey(request, old_key: str | None) -> None:
    """Follow `session.cycle_key()`: the index keeps pointing at the live session."""
    new_key = request.session.session_key
    if old_key and new_key and old_key != new_key:
        SessionRecord.objects.filter(session_key=old_key).update(session_key=new_key)


def touch(request) -> None:
    key = request.session.session_key
    if not key:
        return
    now = timezone.now()
    SessionRecord.objects.filter(
        session_key=key, last_seen_at__lt=now - LAST_SEEN_RESOLUTION
    ).update(last_seen_at=now, ip_address=client_ip(request))


def live_sessions(user: User):
    """The user's sessions that have not expired; index entries of dead sessions are pruned."""
    records = list(SessionRecord.objects.filter(user=user))
    live_keys = set(
        Session.objects.filter(
            session_key__in=[r.session_key for r in records], expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    dead = [r.pk for r in records if r.session_key not in live_keys]
    if dead:
        SessionRecord.objects.filter(pk__in=dead).delete()
    return [r for r in records if r.session_key in live_keys]


def end_sessions(
    *, user: User, session_keys: list[str] | None, reason: str, ip_address: str | None = None
) -> list[str]:
    """End the given sessions of `user` (None: every session). Returns the ended keys."""
    with transaction.atomic():
        records = SessionRecord.objects.select_for_update().filter(user=user)
        if session_keys is not None:
            records = records.filter(session_key__in=session_keys)
        keys = list(records.values_list("session_key", flat=True))
        if session_keys is not None:
            # A session that was never indexed still ends when it is named explicitly.
            keys = sorted(set(keys) | set(session_keys))
        Session.objects.filter(session_key__in=keys).delete()
        SessionRecord.objects.filter(session_key__in=keys).delete()
        record(
            "sessions.ended",
            actor=user,
            target=user,
            reason=reason,
            details={"count": len(keys), "all": session_keys is None},
            ip_address=ip_address,
        )
        signalled = [] if session_keys is None else keys
        transaction.on_commit(
            lambda: sessions_ended.send(sender=User, user=user, session_keys=signalled)
        )
    return keys


def end_other_sessions(request, *, reason: str) -> list[str]:
    current = request.session.session_key
    others = [r.session_key for r in live_sessions(request.user) if r.session_key != current]
    if not others:
        return []
    return end_sessions(
        user=request.user, session_keys=others, reason=reason, ip_address=client_ip(request)
    )
