"""Sessions: the user's list of sessions, ending one or all others, signing out (here or
everywhere), the idle timeout, and headers of authenticated responses."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from network.accounts.models import SessionRecord
from network.accounts.sessions import LAST_SEEN_KEY
from network.accounts.signals import sessions_ended
from network.audit.models import AuditEvent
from tests.network.accounts_support import (
    enrol_totp_with_codes,
    give_password,
    password_only_client,
    totp_code,
)


@pytest.fixture
def account(member):
    password = give_password(member)
    seed, codes = enrol_totp_with_codes(member)
    return member, password, seed, codes


def _full_sign_in(user, password, *, code=None, recovery=None, agent, address="192.0.2.1"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    client.post(reverse("accounts:sign_in"), {"email": user.email, "password": password})
    if code:
        response = client.post(reverse("accounts:second_factor"), {"code": code})
    else:
        response = client.post(reverse("accounts:recovery"), {"code": recovery})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def two_sessions(account):
    """The same account signed in from two browsers (app code, then a recovery code)."""
    user, password, seed, codes = account
    laptop = _full_sign_in(user, password, code=totp_code(seed), agent="Firefox/130")
    phone = _full_sign_in(
        user, password, recovery=codes[0], agent="Mobile Safari", address="198.51.100.4"
    )
    return user, laptop, phone


@pytest.fixture
def ended(db):
    received = []

    def receiver(sender, user, session_keys, **kwargs):
        received.append((user.pk, list(session_keys)))

    sessions_ended.connect(receiver)
    yield received
    sessions_ended.disconnect(receiver)


def test_the_sessions_page_lists_each_session_with_browser_and_address(two_sessions):
    user, laptop, _ = two_sessions

    response = laptop.get(reverse("accounts:sessions"))

    assert response.status_code == 200
    assert b"Firefox/130" in response.content
    assert b"Mobile Safari" in response.content
    assert b"198.51.100.4" in response.content
    assert b"this session" in response.content
    assert SessionRecord.objects.filter(user=user).count() == 2


def test_the_index_follows_the_session_id_through_the_second_factor(two_sessions):
    user, laptop, phone = two_sessions

    keys = set(SessionRecord.objects.filter(user=user).values_list("session_key", flat=True))

    assert keys == {laptop.cookies["sessionid"].value, phone.cookies["sessionid"].value}


def test_ending_one_session_leaves_the_others(
    two_sessions, ended, django_capture_on_commit_callbacks
):
    user, laptop, phone = two_sessions
    phone_key = phone.cookies["sessionid"].value
    record = SessionRecord.objects.get(session_key=phone_key)

    with django_capture_on_commit_callbacks(execute=True):
        response = laptop.post(reverse("accounts:end_session", args=[record.pk]))

    assert response.status_code == 302
    assert phone.get(reverse("home")).status_code == 302
    assert laptop.get(reverse("home")).status_code == 200
    assert ended == [(user.pk, [phone_key])]
    assert AuditEvent.objects.filter(action="sessions.ended").exists()


def test_a_session_of_another_user_cannot_be_ended(two_sessions, outsider, client_for):
    _, _, phone = two_sessions
    record = SessionRecord.objects.get(session_key=phone.cookies["sessionid"].value)

    client_for(outsider).post(reverse("accounts:end_session", args=[record.pk]))

    assert phone.get(reverse("home")).status_code == 200


def test_ending_all_others_keeps_this_one(two_sessions, ended, django_capture_on_commit_callbacks):
    user, laptop, phone = two_sessions
    phone_key = phone.cookies["sessionid"].value

    with django_capture_on_commit_callbacks(execute=True):
        laptop.post(reverse("accounts:end_other_sessions"))

    assert laptop.get(reverse("home")).status_code == 200
    assert phone.get(reverse("home")).status_code == 302
    assert ended == [(user.pk, [phone_key])]


def test_signals_wait_for_the_commit(two_sessions, ended):
    """Inside the test transaction nothing is committed, so nothing is sent yet."""
    _, laptop, _ = two_sessions

    laptop.post(reverse("accounts:end_other_sessions"))

    assert ended == []


def test_sign_out_ends_this_session_and_clears_the_site(
    two_sessions, ended, django_capture_on_commit_callbacks
):
    user, laptop, phone = two_sessions
    key = laptop.cookies["sessionid"].value

    with django_capture_on_commit_callbacks(execute=True):
        response = laptop.post(reverse("accounts:sign_out"))

    assert response["Location"] == reverse("accounts:sign_in")
    assert "cache" in response["Clear-Site-Data"]
    assert not Session.objects.filter(session_key=key).exists()
    assert phone.get(reverse("home")).status_code == 200
    assert ended == [(user.pk, [key])]


def test_sign_out_needs_a_post(two_sessions):
    _, laptop, _ = two_sessions

    assert laptop.get(reverse("accounts:sign_out")).status_code == 405
    assert laptop.get(reverse("home")).status_code == 200


def test_sign_out_everywhere_ends_every_session(
    two_sessions, ended, django_capture_on_commit_callbacks
):
    user, laptop, phone = two_sessions

    with django_capture_on_commit_callbacks(execute=True):
        laptop.post(reverse("accounts:sign_out_everywhere"))

    assert laptop.get(reverse("home")).status_code == 302
    assert phone.get(reverse("home")).status_code == 302
    assert not SessionRecord.objects.filter(user=user).exists()
    assert ended == [(user.pk, [])]


@pytest.fixture
def clock(account):
    """A stopped clock for the test (time-machine), and a browser signed in at its start."""
    user, password, seed, _ = account
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        laptop = _full_sign_in(user, password, code=totp_code(seed), agent="Firefox/130")
        yield traveller, user, laptop


def test_an_idle_session_ends(clock, settings):
    """Inactive for one second longer than the idle timeout: sent to sign in, and the
    session (and its record) are gone."""
    traveller, user, laptop = clock
    traveller.shift(settings.COUNTERPART_IDLE_TIMEOUT + 1)

    response = laptop.get(reverse("home"))

    assert response["Location"] == reverse("accounts:sign_in")
    assert laptop.get(reverse("home")).status_code == 302
    assert not SessionRecord.objects.filter(user=user).exists()


def test_a_session_idle_up_to_the_timeout_stays(clock, settings):
    """Inactive for exactly the idle timeout: still signed in."""
    traveller, _, laptop = clock
    traveller.shift(settings.COUNTERPART_IDLE_TIMEOUT)

    assert laptop.get(reverse("home")).status_code == 200


def test_an_idle_api_session_gets_401(clock, settings):
    traveller, _, laptop = clock
    traveller.shift(settings.COUNTERPART_IDLE_TIMEOUT + 1)

    response = laptop.get("/api/v1/me/")

    assert response.status_code == 401


def test_a_session_lives_twelve_hours_from_sign_in_however_active(clock, settings):
    """S2: the lifetime is absolute; requests, each within the idle timeout of the one
    before, keep the session alive but do not move its end forward."""
    traveller, _, laptop = clock
    key = laptop.cookies["sessionid"].value
    ends_at = Session.objects.get(pk=key).expire_date
    signed_in_at = laptop.session[LAST_SEEN_KEY]
    assert ends_at.timestamp() == signed_in_at + settings.SESSION_COOKIE_AGE
    step = settings.COUNTERPART_IDLE_TIMEOUT - 60
    while timezone.now() + timedelta(seconds=step) < ends_at:
        traveller.shift(step)
        assert laptop.get(reverse("home")).status_code == 200
        assert laptop.session[LAST_SEEN_KEY] == timezone.now().timestamp()  # seen
        assert Session.objects.get(pk=key).expire_date == ends_at
    traveller.move_to(ends_at + timedelta(seconds=1))
    assert laptop.get(reverse("home")).status_code == 302


def test_an_active_session_stays(two_sessions):
    _, laptop, _ = two_sessions

    assert laptop.get(reverse("home")).status_code == 200
    assert laptop.get(reverse("home")).status_code == 200


def test_authenticated_responses_are_not_stored_by_caches(member, client_for):
    response = client_for(member).get(reverse("home"))

    assert "no-store" in response["Cache-Control"]


def test_the_session_lifetime_is_twelve_hours(settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY


def test_a_half_authenticated_session_cannot_sign_out_everywhere(two_sessions, account):
    user, laptop, _ = two_sessions
    _, password, _, _ = account
    half = password_only_client(user, password)

    response = half.post(reverse("accounts:sign_out_everywhere"))

    assert response["Location"] == reverse("accounts:second_factor")
    assert laptop.get(reverse("home")).status_code == 200


def test_a_half_authenticated_session_can_sign_out(account):
    user, password, _, _ = account
    client = password_only_client(user, password)

    response = client.post(reverse("accounts:sign_out"))

    assert response["Location"] == reverse("accounts:sign_in")
    assert not SessionRecord.objects.filter(user=user).exists()
