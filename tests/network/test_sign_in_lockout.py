"""Brute force: django-axes counts failed sign-ins per account and per client address; the
address is REMOTE_ADDR only, so a forged X-Forwarded-For does not reset the count."""

import pytest
from django.test import Client

from network.audit.models import AuditEvent
from tests.network.accounts_support import enrol_totp, give_password, sign_in_password

LIMIT = 3


@pytest.fixture(autouse=True)
def _low_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture
def victim(member):
    password = give_password(member)
    enrol_totp(member)
    return member, password


def _fail(email: str, address: str, **extra):
    return sign_in_password(Client(), email, "pw wrong wrong wrong", REMOTE_ADDR=address, **extra)


def test_an_account_is_locked_after_failures_from_many_addresses(victim):
    user, password = victim
    for n in range(LIMIT - 1):
        assert _fail(user.email, f"198.51.100.{n + 1}").status_code == 400

    locking = _fail(user.email, "198.51.100.50")
    response = sign_in_password(Client(), user.email, password, REMOTE_ADDR="203.0.113.9")

    assert locking.status_code == 429
    assert response.status_code == 429
    assert b"Too many failed sign-ins for this account or from this address" in response.content
    assert b"15 minutes" in response.content


def test_the_correct_password_does_not_sign_in_a_locked_account(victim):
    user, password = victim
    for n in range(LIMIT):
        _fail(user.email, f"198.51.100.{n + 1}")
    client = Client()

    sign_in_password(client, user.email, password, REMOTE_ADDR="203.0.113.9")

    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_after_failures_on_many_accounts(victim, outsider):
    user, password = victim
    for n in range(LIMIT):
        _fail(f"guess{n}@example.org", "192.0.2.66")

    from_there = sign_in_password(Client(), user.email, password, REMOTE_ADDR="192.0.2.66")
    elsewhere = sign_in_password(Client(), user.email, password, REMOTE_ADDR="192.0.2.67")

    assert from_there.status_code == 429
    assert elsewhere.status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_count(victim):
    user, password = victim
    for n in range(LIMIT):
        _fail(f"guess{n}@example.org", "192.0.2.66", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    response = sign_in_password(
        Client(),
        user.email,
        password,
        REMOTE_ADDR="192.0.2.66",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )

    assert response.status_code == 429


def test_a_json_client_gets_a_json_lockout(victim):
    user, _ = victim
    for n in range(LIMIT):
        _fail(user.email, f"198.51.100.{n + 1}")

    response = _fail(user.email, "198.51.100.99", HTTP_ACCEPT="application/json")

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.json()["error"]["message"]


def test_lockouts_are_on_record(victim):
    user, _ = victim
    for n in range(LIMIT + 1):
        _fail(user.email, f"198.51.100.{n + 1}")

    assert AuditEvent.objects.filter(action="sign_in.failed").count() == LIMIT - 1
    locked = AuditEvent.objects.filter(action="sign_in.locked_out")
    assert locked.count() == 2
    assert locked.last().details == {"email": user.email}
    assert locked.last().ip_address == f"198.51.100.{LIMIT + 1}"


def test_a_success_before_the_limit_resets_the_account_count(victim):
    user, password = victim
    for n in range(LIMIT - 1):
        _fail(user.email, f"198.51.100.{n + 1}")
    assert (
        sign_in_password(Client(), user.email, password, REMOTE_ADDR="198.51.100.1").status_code
        == 302
    )

    assert _fail(user.email, "198.51.100.2").status_code == 400
