"""WebAuthn security keys and passkeys: real registration and authentication ceremonies with
a software authenticator; user verification required; single-use, expiring challenges; the
coordinator rule of networks that require WebAuthn."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from network.accounts import webauthn_ceremonies
from network.accounts.factors import session_satisfies_coordinator_factor
from network.accounts.models import RecoveryCode, WebAuthnCredential
from network.accounts.sessions import (
    is_two_factor_verified,
    mark_two_factor_verified,
    two_factor_method,
)
from network.audit.models import AuditEvent
from tests.network.accounts_support import (
    SoftAuthenticator,
    give_password,
    password_only_client,
)


def _post_json(client: Client, name: str, body=None):
    return client.post(
        reverse(f"accounts:{name}"), json.dumps(body or {}), content_type="application/json"
    )


@pytest.fixture
def authenticator():
    origin = settings.ALLOWED_ORIGINS[0]
    return SoftAuthenticator(rp_id=webauthn_ceremonies.rp_id(), origin=origin)


@pytest.fixture
def newcomer(member):
    password = give_password(member)
    return member, password, password_only_client(member, password)


def _register(client, authenticator, **kwargs):
    options = _post_json(client, "webauthn_register_options").json()
    credential = authenticator.register(options, **kwargs)
    return _post_json(
        client, "webauthn_register_verify", {"name": "YubiKey 5", "credential": credential}
    )


@pytest.fixture
def registered(newcomer, authenticator):
    user, password, client = newcomer
    assert _register(client, authenticator).status_code == 201
    return user, password


def test_registration_options_require_user_verification(newcomer):
    _, _, client = newcomer

    options = _post_json(client, "webauthn_register_options").json()

    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["rp"]["id"] == webauthn_ceremonies.rp_id()
    assert options["attestation"] == "none"


def test_the_rp_id_defaults_to_the_host_of_the_origin(settings):
    settings.WEBAUTHN_RP_ID = ""
    settings.ALLOWED_ORIGINS = ["https://counterpart.example.org"]

    assert webauthn_ceremonies.rp_id() == "counterpart.example.org"


def test_a_first_security_key_completes_the_sign_in_and_issues_recovery_codes(
    newcomer, authenticator
):
    user, _, client = newcomer

    response = _register(client, authenticator)

    assert response.status_code == 201
    assert len(response.json()["recovery_codes"]) == 10
    credential = WebAuthnCredential.objects.get(user=user)
    assert credential.name == "YubiKey 5"
    assert bytes(credential.credential_id) == authenticator.credential_id
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert two_factor_method(client.session) == "webauthn"
    assert AuditEvent.objects.get(action="two_factor.enrolled").details["method"] == "webauthn"


def test_registration_without_user_verification_is_refused(newcomer, authenticator):
    user, _, client = newcomer

    response = _register(client, authenticator, uv=False)

    assert response.status_code == 400
    assert "User verification is required" in response.json()["detail"]
    assert not WebAuthnCredential.objects.filter(user=user).exists()


def test_registration_from_another_origin_is_refused(newcomer, authenticator):
    _, _, client = newcomer

    response = _register(client, authenticator, origin="https://evil.example")

    assert response.status_code == 400
    assert "origin" in response.json()["detail"]


def test_registration_without_a_name_is_refused(newcomer, authenticator):
    _, _, client = newcomer
    options = _post_json(client, "webauthn_register_options").json()

    response = _post_json(
        client,
        "webauthn_register_verify",
        {"name": " ", "credential": authenticator.register(options)},
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Give the security key a name."


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"name": "x"}'])
def test_malformed_registration_bodies_are_refused(newcomer, body):
    _, _, client = newcomer
    _post_json(client, "webauthn_register_options")

    response = client.post(
        reverse("accounts:webauthn_register_verify"), body, content_type="application/json"
    )

    assert response.status_code == 400
    assert "credential" in response.json()["detail"]


def _sign_in_options(user, password):
    client = password_only_client(user, password)
    return client, _post_json(client, "webauthn_sign_in_options").json()


def test_an_assertion_completes_the_second_factor(registered, authenticator):
    user, password = registered
    client, options = _sign_in_options(user, password)
    before = client.cookies["sessionid"].value

    response = _post_json(
        client, "webauthn_sign_in_verify", {"credential": authenticator.assert_(options)}
    )

    assert response.status_code == 200
    assert response.json() == {"redirect": reverse("home")}
    assert is_two_factor_verified(client.session)
    assert two_factor_method(client.session) == "webauthn"
    assert client.cookies["sessionid"].value != before
    assert WebAuthnCredential.objects.get(user=user).sign_count == authenticator.sign_count
    assert options["userVerification"] == "required"


def test_an_assertion_for_another_origin_is_refused(registered, authenticator):
    user, password = registered
    client, options = _sign_in_options(user, password)

    response = _post_json(
        client,
        "webauthn_sign_in_verify",
        {"credential": authenticator.assert_(options, origin="https://evil.example")},
    )

    assert response.status_code == 400
    assert "Unexpected client data origin" in response.json()["detail"]
    assert not is_two_factor_verified(client.session)


def test_an_assertion_without_user_verification_is_refused(registered, authenticator):
    user, password = registered
    client, options = _sign_in_options(user, password)

    response = _post_json(
        client, "webauthn_sign_in_verify", {"credential": authenticator.assert_(options, uv=False)}
    )

    assert response.status_code == 400
    assert "User verification is required" in response.json()["detail"]
    assert not is_two_factor_verified(client.session)


def test_a_replayed_challenge_is_refused(registered, authenticator):
    user, password = registered
    client, options = _sign_in_options(user, password)
    first = authenticator.assert_(options, uv=False)  # refused, but spends the challenge
    _post_json(client, "webauthn_sign_in_verify", {"credential": first})

    response = _post_json(
        client, "webauthn_sign_in_verify", {"credential": authenticator.assert_(options)}
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "No security-key request is pending; start again."


def test_an_assertion_replayed_into_another_session_is_refused(registered, authenticator):
    user, password = registered
    client, options = _sign_in_options(user, password)
    assertion = authenticator.assert_(options)
    _post_json(client, "webauthn_sign_in_verify", {"credential": assertion})
    other, _ = _sign_in_options(user, password)  # a new challenge in the other session

    response = _post_json(other, "webauthn_sign_in_verify", {"credential": assertion})

    assert response.status_code == 400
    assert "challenge" in response.json()["detail"]


def test_an_expired_challenge_is_refused(registered, authenticator):
    user, password = registered
    client, options = _sign_in_options(user, password)
    session = client.session
    session[webauthn_ceremonies.SESSION_KEY]["issued_at"] -= webauthn_ceremonies.CHALLENGE_TTL + 1
    session.save()

    response = _post_json(
        client, "webauthn_sign_in_verify", {"credential": authenticator.assert_(options)}
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "The security-key request expired; start again."


def test_a_key_of_another_account_is_refused(registered, outsider):
    user, password = registered
    stranger = SoftAuthenticator(
        rp_id=webauthn_ceremonies.rp_id(), origin=settings.ALLOWED_ORIGINS[0]
    )
    client, options = _sign_in_options(user, password)

    response = _post_json(
        client, "webauthn_sign_in_verify", {"credential": stranger.assert_(options)}
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "This security key is not registered for this account."


def test_a_verify_without_options_is_refused(registered, authenticator):
    user, password = registered
    client = password_only_client(user, password)

    response = _post_json(client, "webauthn_sign_in_verify", {"credential": {}})

    assert response.status_code == 400
    assert response.json()["detail"] == "No security-key request is pending; start again."


def test_an_account_without_keys_gets_no_sign_in_options(member):
    password = give_password(member)
    from tests.network.accounts_support import enrol_totp

    enrol_totp(member)
    client = password_only_client(member, password)

    response = _post_json(client, "webauthn_sign_in_options")

    assert response.status_code == 400
    assert response.json()["detail"] == "This account has no security key."


def test_a_removed_key_no_longer_signs_in_and_other_sessions_end(
    registered, authenticator, client_for
):
    user, password = registered
    verified = client_for(user, method="webauthn")
    spare = SoftAuthenticator(rp_id=authenticator.rp_id, origin=authenticator.origin)
    assert _register(verified, spare).status_code == 201
    pending, _ = _sign_in_options(user, password)
    key = WebAuthnCredential.objects.get(credential_id=authenticator.credential_id)

    removed = verified.post(reverse("accounts:remove_key", args=[key.pk]), {"password": password})

    assert removed.status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()
    # The factor change ended the other (half-authenticated) session.
    assert _post_json(pending, "webauthn_sign_in_options").status_code == 401
    client, options = _sign_in_options(user, password)
    response = _post_json(
        client, "webauthn_sign_in_verify", {"credential": authenticator.assert_(options)}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "This security key is not registered for this account."
    assert AuditEvent.objects.filter(action="two_factor.removed").exists()


def test_the_only_factor_cannot_be_removed(registered, client_for):
    user, password = registered
    key = WebAuthnCredential.objects.get(user=user)

    client_for(user).post(reverse("accounts:remove_key", args=[key.pk]), {"password": password})

    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


@pytest.mark.parametrize(
    ("requires", "method", "expected"),
    [
        (False, "totp", True),
        (False, "webauthn", True),
        (True, "webauthn", True),
        (True, "totp", False),
        (True, "recovery", False),
        (True, None, False),
    ],
)
def test_coordinators_of_a_network_requiring_webauthn_need_a_webauthn_session(
    make_network, requires, method, expected
):
    network = make_network(coordinators_require_webauthn=requires)
    session = {}
    if method:
        mark_two_factor_verified(session, method=method)

    assert session_satisfies_coordinator_factor(session, network) is expected
