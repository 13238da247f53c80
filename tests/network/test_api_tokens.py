"""Personal API tokens (page and /api/v1/tokens/), Bearer authentication, and /api/v1/me/."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from network.accounts.models import ApiToken
from network.audit.models import AuditEvent


def _bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def issued(member, client_for):
    response = client_for(member).post(
        "/api/v1/tokens/",
        {"name": "case script", "lifetime_days": 30},
        content_type="application/json",
    )
    assert response.status_code == 201
    return member, response.json()


def test_a_token_is_shown_once_and_stored_hashed(issued):
    user, body = issued
    token = ApiToken.objects.get(user=user)

    assert body["token"].startswith(f"cp_{token.prefix}_")
    secret = body["token"].split("_", 2)[2]
    assert secret not in token.secret_hash
    assert len(token.secret_hash) == 64
    assert body["prefix"] == token.prefix
    assert "token" not in _bearer(body["token"]).get("/api/v1/tokens/").json()[0]


def test_a_token_authenticates_api_requests(issued):
    user, body = issued

    response = _bearer(body["token"]).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert ApiToken.objects.get(user=user).last_used_at is not None


def test_me_lists_memberships_by_network_slug(member, client_for, redtram, make_membership):
    make_membership(member, redtram, status="applicant")

    body = client_for(member).get("/api/v1/me/").json()

    assert body["display_name"] == "Mateo Member"
    assert sorted(body["memberships"], key=lambda m: m["network"]) == [
        {"network": "redtram", "status": "applicant", "role": "member"},
        {"network": "tipp", "status": "active", "role": "member"},
    ]


@pytest.mark.parametrize(
    "header",
    ["Bearer cp_nothing_here", "Bearer ", "Bearer a b", "Bearer cp_abcd1234_wrongsecret"],
)
def test_bad_tokens_get_401(issued, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me/")

    assert response.status_code == 401


def test_a_wrong_secret_with_a_real_prefix_is_refused(issued):
    _, body = issued
    tampered = body["token"][:-3] + ("aaa" if not body["token"].endswith("aaa") else "bbb")

    assert _bearer(tampered).get("/api/v1/me/").status_code == 401


def test_no_credentials_get_401(db):
    assert Client().get("/api/v1/me/").status_code == 401


def test_a_revoked_token_stops_working(issued, client_for):
    user, body = issued

    response = client_for(user).delete(f"/api/v1/tokens/{body['id']}/")

    assert response.status_code == 204
    assert _bearer(body["token"]).get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_an_expired_token_stops_working(issued):
    user, body = issued
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert _bearer(body["token"]).get("/api/v1/me/").status_code == 401


def test_a_token_of_a_disabled_account_stops_working_at_once(issued):
    user, body = issued

    call_command("disable_account", user.email, reason="Left the prosecution service")

    assert _bearer(body["token"]).get("/api/v1/me/").status_code == 401


def test_a_token_cannot_mint_or_revoke_tokens(issued):
    _, body = issued
    client = _bearer(body["token"])

    created = client.post("/api/v1/tokens/", {"name": "x"}, content_type="application/json")
    revoked = client.delete(f"/api/v1/tokens/{body['id']}/")

    assert created.status_code == 403
    assert revoked.status_code == 403


def test_nobody_revokes_someone_elses_token(issued, outsider, client_for):
    _, body = issued

    response = client_for(outsider).delete(f"/api/v1/tokens/{body['id']}/")

    assert response.status_code == 404
    assert _bearer(body["token"]).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "x", "lifetime_days": 0}, "lifetime_days"),
        ({"name": "x", "lifetime_days": 366}, "lifetime_days"),
        ({"name": "x" * 81}, "name"),
    ],
)
def test_bad_token_requests_are_refused(member, client_for, payload, field):
    response = client_for(member).post("/api/v1/tokens/", payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert not ApiToken.objects.exists()


def test_the_tokens_page_creates_lists_and_revokes(member, client_for):
    client = client_for(member)

    created = client.post(reverse("accounts:tokens"), {"name": "laptop", "lifetime_days": 7})

    assert created.status_code == 201
    token = ApiToken.objects.get(user=member)
    assert f"cp_{token.prefix}_".encode() in created.content
    assert AuditEvent.objects.filter(action="api_token.created").exists()
    listing = client.get(reverse("accounts:tokens"))
    assert b"laptop" in listing.content
    assert b'id="new-token"' not in listing.content
    client.post(reverse("accounts:revoke_token", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_tokens_page_refuses_a_missing_name(member, client_for):
    response = client_for(member).post(reverse("accounts:tokens"), {"lifetime_days": 7})

    assert response.status_code == 400
    assert b"This field is required." in response.content


def test_me_can_be_changed_with_validation(member, client_for):
    client = client_for(member)

    good = client.patch(
        "/api/v1/me/",
        {"time_zone": "America/Bogota", "languages": ["es", "pt"]},
        content_type="application/json",
    )
    bad = client.patch(
        "/api/v1/me/", {"time_zone": "Mars/Olympus"}, content_type="application/json"
    )

    assert good.status_code == 200
    assert good.json()["time_zone"] == "America/Bogota"
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "time_zone"
    member.refresh_from_db()
    assert member.time_zone == "America/Bogota"
