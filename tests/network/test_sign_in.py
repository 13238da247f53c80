"""Signing in: the password step, the second-factor step, enrolment, and what a
half-authenticated (password-only) session can reach."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from network.accounts.sessions import is_two_factor_verified, two_factor_method
from network.audit.models import AuditEvent
from tests.network.accounts_support import (
    enrol_totp,
    give_password,
    password_only_client,
    session_cookie,
    sign_in_password,
    totp_code,
)


def _comparable(page: bytes, email: str) -> bytes:
    """The page without what differs by design: the typed email and the CSRF token."""
    page = page.replace(email.encode(), b"")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", page)


@pytest.fixture
def enrolled(member):
    password = give_password(member)
    seed = enrol_totp(member)
    return member, password, seed


def test_the_sign_in_page_asks_for_email_and_password(client):
    response = client.get(reverse("accounts:sign_in"))

    assert response.status_code == 200
    assert b'name="email"' in response.content
    assert b'name="password"' in response.content


def test_it_answers_an_unknown_email_exactly_like_a_wrong_password(db, enrolled):
    user, _, _ = enrolled

    unknown = sign_in_password(Client(), "nobody@example.org", "pw something long")
    wrong = sign_in_password(Client(), user.email, "pw something long")

    assert unknown.status_code == wrong.status_code == 400
    assert _comparable(unknown.content, "nobody@example.org") == _comparable(
        wrong.content, user.email
    )
    assert b"The email address or password is not correct." in wrong.content


def test_a_failed_sign_in_is_on_record_without_the_password(db, enrolled):
    user, _, _ = enrolled

    sign_in_password(Client(), user.email, "pw secret-guess-12345", REMOTE_ADDR="198.51.100.7")

    event = AuditEvent.objects.get(action="sign_in.failed")
    assert event.ip_address == "198.51.100.7"
    assert event.details == {"email": user.email}
    assert "secret-guess" not in str(event.details) + event.reason


def test_a_missing_field_is_refused_with_a_message(db):
    response = Client().post(reverse("accounts:sign_in"), {"email": "a@example.org"})

    assert response.status_code == 400
    assert b"This field is required." in response.content


def test_the_password_step_issues_a_new_session_id(db, enrolled):
    user, password, _ = enrolled
    client = Client()
    client.get(reverse("accounts:sign_in"))
    client.session.save()
    before = session_cookie(client)

    response = sign_in_password(client, user.email, password)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:second_factor")
    assert session_cookie(client) != before


def test_the_second_factor_issues_another_session_id_and_lands_home(db, enrolled):
    user, password, seed = enrolled
    client = password_only_client(user, password)
    half = session_cookie(client)

    response = client.post(reverse("accounts:second_factor"), {"code": totp_code(seed)})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert session_cookie(client) != half
    assert is_two_factor_verified(client.session)
    assert two_factor_method(client.session) == "totp"
    assert client.get(reverse("home")).status_code == 200
    # The half-authenticated session id no longer works.
    stale = Client()
    stale.cookies["sessionid"] = half
    assert stale.get(reverse("home")).status_code == 302


def test_success_is_on_record_with_the_method_and_address(db, enrolled):
    user, password, seed = enrolled
    client = password_only_client(user, password)

    client.post(
        reverse("accounts:second_factor"), {"code": totp_code(seed)}, REMOTE_ADDR="192.0.2.9"
    )

    event = AuditEvent.objects.get(action="sign_in.succeeded")
    assert event.actor == user
    assert event.details == {"method": "totp"}
    assert event.ip_address == "192.0.2.9"


def test_it_returns_to_the_page_asked_for_before_signing_in(db, enrolled):
    user, password, seed = enrolled
    client = Client()
    client.post(
        reverse("accounts:sign_in") + "?next=/accounts/profile/",
        {"email": user.email, "password": password},
    )

    response = client.post(reverse("accounts:second_factor"), {"code": totp_code(seed)})

    assert response["Location"] == "/accounts/profile/"


def test_it_never_redirects_to_another_site_after_signing_in(db, enrolled):
    user, password, seed = enrolled
    client = Client()
    client.post(
        reverse("accounts:sign_in") + "?next=https://evil.example/",
        {"email": user.email, "password": password},
    )

    response = client.post(reverse("accounts:second_factor"), {"code": totp_code(seed)})

    assert response["Location"] == reverse("home")


def test_a_wrong_code_is_refused_and_the_session_stays_half_authenticated(db, enrolled):
    user, password, seed = enrolled
    client = password_only_client(user, password)
    wrong = f"{(int(totp_code(seed)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("accounts:second_factor"), {"code": wrong})

    assert response.status_code == 400
    assert b"That code is not valid, or it was already used." in response.content
    assert not is_two_factor_verified(client.session)
    assert client.get("/directory/").status_code == 302


def test_an_empty_code_is_refused(db, enrolled):
    user, password, _ = enrolled
    client = password_only_client(user, password)

    response = client.post(reverse("accounts:second_factor"), {"code": ""})

    assert response.status_code == 400
    assert b"This field is required." in response.content


def test_an_account_without_a_factor_is_sent_to_enrolment(db, member):
    password = give_password(member)
    client = password_only_client(member, password)

    response = client.get(reverse("accounts:second_factor"))

    assert response["Location"] == reverse("accounts:enrol")
    page = client.get(reverse("accounts:enrol"))
    assert b"Set up an authenticator app" in page.content
    assert b"Register a security key" in page.content


def test_a_password_only_session_cannot_enrol_a_new_factor_when_one_exists(db, enrolled):
    """Otherwise a stolen password would be enough to add the attacker's own factor."""
    user, password, _ = enrolled
    client = password_only_client(user, password)

    assert client.get(reverse("accounts:enrol"))["Location"] == reverse("accounts:second_factor")
    assert client.get(reverse("accounts:enrol_totp"))["Location"] == reverse(
        "accounts:second_factor"
    )
    response = client.post(reverse("accounts:webauthn_register_options"))
    assert response.status_code == 403


def test_a_verified_session_visiting_sign_in_goes_home(db, member, client_for):
    response = client_for(member).get(reverse("accounts:sign_in"))

    assert response["Location"] == reverse("home")


def test_sign_in_responses_are_not_cached(db, enrolled):
    user, password, _ = enrolled
    client = password_only_client(user, password)

    response = client.get(reverse("accounts:second_factor"))

    assert "no-store" in response["Cache-Control"]


def test_a_disabled_account_cannot_sign_in(db, enrolled):
    user, password, _ = enrolled
    user.is_active = False
    user.save()

    response = sign_in_password(Client(), user.email, password)

    assert response.status_code == 400
