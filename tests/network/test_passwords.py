"""Passwords: Argon2 for new hashes; NIST SP 800-63B rules (length 12–128, any characters,
no composition rules, common and context words refused); changing the password."""

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from network import settings as project_settings
from network.audit.models import AuditEvent
from tests.network.accounts_support import (
    enrol_totp_with_codes,
    give_password,
    new_password,
    totp_code,
)


def test_new_passwords_are_hashed_with_argon2id(settings, member):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # undo the suite's MD5

    member.set_password(new_password())

    hasher = identify_hasher(member.password)
    assert hasher.algorithm == "argon2"
    assert member.password.startswith("argon2$argon2id$")
    assert make_password("x").startswith("argon2$")


def _validate(password, user=None):
    password_validation.validate_password(password, user)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # lower case and spaces only: no composition rules
        "x" * 64 + "y" * 64,  # 128 characters
        "ñandú camión pingüino",
        "a1" * 6,
    ],
)
def test_long_passwords_of_any_characters_are_accepted(password):
    _validate(password)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "too short"),
        ("z" * 129, "longer than 128"),
        ("qwerty123456", "too common"),
        ("Interpol2025!", "built on the word “interpol”"),
        ("redtram-2026-x", "built on the word “redtram”"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, message):
    with pytest.raises(ValidationError) as raised:
        _validate(password)

    assert any(message in text for text in raised.value.messages)


def test_a_password_like_the_email_is_refused(member):
    with pytest.raises(ValidationError, match="too similar"):
        _validate("member@example.org", member)


@pytest.fixture
def signed_in_twice(member):
    password = give_password(member)
    seed, codes = enrol_totp_with_codes(member)
    clients = []
    for step in ({"code": totp_code(seed)}, {"recovery": codes[0]}):
        client = Client()
        client.post(reverse("accounts:sign_in"), {"email": member.email, "password": password})
        if "code" in step:
            client.post(reverse("accounts:second_factor"), {"code": step["code"]})
        else:
            client.post(reverse("accounts:recovery"), {"code": step["recovery"]})
        clients.append(client)
    return member, password, clients


def test_changing_the_password_needs_the_current_one(signed_in_twice):
    user, _, (client, _) = signed_in_twice

    response = client.post(
        reverse("accounts:password"),
        {
            "current_password": "pw not it",
            "new_password1": "a fresh long passphrase",
            "new_password2": "a fresh long passphrase",
        },
    )

    assert response.status_code == 400
    assert b"The current password is not correct." in response.content


def test_the_new_password_is_checked_and_confirmed(signed_in_twice):
    user, password, (client, _) = signed_in_twice

    weak = client.post(
        reverse("accounts:password"),
        {
            "current_password": password,
            "new_password1": "qwerty123456",
            "new_password2": "qwerty123456",
        },
    )
    differ = client.post(
        reverse("accounts:password"),
        {
            "current_password": password,
            "new_password1": "a fresh long passphrase",
            "new_password2": "another long passphrase",
        },
    )

    assert weak.status_code == 400 and b"too common" in weak.content
    assert differ.status_code == 400 and b"The two new passwords differ." in differ.content
    user.refresh_from_db()
    assert user.check_password(password)


def test_changing_the_password_keeps_this_session_and_ends_the_others(signed_in_twice):
    user, password, (here, elsewhere) = signed_in_twice
    fresh = new_password()

    response = here.post(
        reverse("accounts:password"),
        {"current_password": password, "new_password1": fresh, "new_password2": fresh},
    )

    assert response["Location"] == reverse("accounts:security")
    assert here.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home")).status_code == 302
    user.refresh_from_db()
    assert user.check_password(fresh)
    assert AuditEvent.objects.filter(action="password.changed", actor=user).exists()


def test_the_member_is_told_of_a_password_change_after_commit(
    signed_in_twice, mailoutbox, django_capture_on_commit_callbacks
):
    user, password, (here, _) = signed_in_twice
    fresh = new_password()

    with django_capture_on_commit_callbacks(execute=True):
        here.post(
            reverse("accounts:password"),
            {"current_password": password, "new_password1": fresh, "new_password2": fresh},
        )

    assert [message.to for message in mailoutbox] == [[user.email]]
    assert "Your password was changed." in mailoutbox[0].body
    assert fresh not in mailoutbox[0].body


def test_the_password_change_email_speaks_the_members_language(
    signed_in_twice, mailoutbox, django_capture_on_commit_callbacks
):
    """A member who reads Portuguese is told in Portuguese, whatever the page's language."""
    user, password, (here, _) = signed_in_twice
    user.preferred_language = "pt"
    user.save(update_fields=["preferred_language"])
    fresh = new_password()

    with django_capture_on_commit_callbacks(execute=True):
        here.post(
            reverse("accounts:password"),
            {"current_password": password, "new_password1": fresh, "new_password2": fresh},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert mailoutbox[0].subject == "Counterpart: uma alteração na forma como inicia sessão"
    assert mailoutbox[0].body.startswith("A sua palavra-passe foi alterada.\n\n")
    assert "avise de imediato os coordenadores da sua rede" in mailoutbox[0].body
