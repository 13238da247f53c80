"""Recovery codes: ten, shown once, stored as password hashes, each usable once,
regenerated only after re-entering the password."""

import re

import pytest
from django.urls import reverse

from network.accounts import twofactor
from network.accounts.models import RecoveryCode
from network.accounts.sessions import is_two_factor_verified, two_factor_method
from network.audit.models import AuditEvent
from tests.network.accounts_support import give_password, password_only_client, totp_code

CODE = re.compile(rb"<li><code>([a-z0-9-]+)</code></li>")


@pytest.fixture
def enrolled_with_codes(member):
    """An account enrolled through the page, with the recovery codes it was shown."""
    password = give_password(member)
    client = password_only_client(member, password)
    client.get(reverse("accounts:enrol_totp"))
    from network.accounts.models import TotpDevice

    seed = twofactor.device_seed(TotpDevice.objects.get(user=member))
    page = client.post(reverse("accounts:enrol_totp"), {"code": totp_code(seed, -1)})
    codes = [code.decode() for code in CODE.findall(page.content)]
    assert len(codes) == 10
    return member, password, codes, client


def test_codes_are_stored_hashed_not_in_clear(enrolled_with_codes):
    user, _, codes, _ = enrolled_with_codes

    stored = list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))

    assert len(stored) == 10
    for code in codes:
        plain = code.replace("-", "")
        assert not any(plain in value or code in value for value in stored)
    assert all(value.startswith(("argon2$", "md5$", "pbkdf2")) for value in stored)


def test_a_recovery_code_completes_the_sign_in_once(enrolled_with_codes):
    user, password, codes, _ = enrolled_with_codes
    client = password_only_client(user, password)

    response = client.post(reverse("accounts:recovery"), {"code": codes[3]})

    assert response["Location"] == reverse("home")
    assert is_two_factor_verified(client.session)
    assert two_factor_method(client.session) == "recovery"
    assert AuditEvent.objects.get(action="two_factor.recovery_code_used").details == {
        "remaining": 9
    }
    again = password_only_client(user, password)
    refused = again.post(reverse("accounts:recovery"), {"code": codes[3]})
    assert refused.status_code == 400
    assert b"not valid, or it was already used" in refused.content


def test_codes_are_accepted_without_dashes_and_in_capitals(enrolled_with_codes):
    user, password, codes, _ = enrolled_with_codes
    client = password_only_client(user, password)

    response = client.post(
        reverse("accounts:recovery"), {"code": codes[0].replace("-", "").upper()}
    )

    assert response.status_code == 302


@pytest.mark.parametrize("code", ["", "abcd-efgh-jkmn-pqrs", "short"])
def test_wrong_or_missing_codes_are_refused(enrolled_with_codes, code):
    user, password, _, _ = enrolled_with_codes
    client = password_only_client(user, password)

    response = client.post(reverse("accounts:recovery"), {"code": code})

    assert response.status_code == 400
    assert not is_two_factor_verified(client.session)


def test_regenerating_needs_the_password(enrolled_with_codes):
    user, _, codes, client = enrolled_with_codes

    response = client.post(
        reverse("accounts:regenerate_recovery_codes"), {"password": "pw not the password"}
    )

    assert response["Location"] == reverse("accounts:security")
    assert not AuditEvent.objects.filter(action="two_factor.recovery_codes_regenerated").exists()


def test_regenerating_replaces_every_code(enrolled_with_codes):
    user, password, old_codes, client = enrolled_with_codes

    page = client.post(reverse("accounts:regenerate_recovery_codes"), {"password": password})

    new_codes = [code.decode() for code in CODE.findall(page.content)]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert RecoveryCode.objects.filter(user=user).count() == 10
    fresh = password_only_client(user, password)
    assert fresh.post(reverse("accounts:recovery"), {"code": old_codes[0]}).status_code == 400
    assert fresh.post(reverse("accounts:recovery"), {"code": new_codes[0]}).status_code == 302
