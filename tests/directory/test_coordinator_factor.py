"""A network that requires WebAuthn of its coordinators: the directory's coordinator pages
and API endpoints apply the same rule as vetting (`network.vetting.access`), so a coordinator
signed in with another second factor, or with an API token, is refused and nothing is
written; the same coordinator signed in with WebAuthn is let through."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from directory.models import (
    ContactPoint,
    ContactPointChange,
    DirectoryCorrespondent,
    WrongEntryReport,
)
from network.audit.models import AuditEvent
from tests.directory.test_import import csv_text, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_tipp(tipp):
    tipp.coordinators_require_webauthn = True
    tipp.save()
    return tipp


@pytest.fixture
def entry(make_contact_point, strict_tipp):
    return make_contact_point("Someone Else", verified_days_ago=400)


@pytest.fixture
def open_report(entry, member):
    return WrongEntryReport.objects.create(contact_point=entry, reporter=member, reason="Moved.")


def written() -> tuple[int, int, int, int]:
    return (
        ContactPoint.objects.count(),
        ContactPointChange.objects.count(),
        DirectoryCorrespondent.objects.count(),
        AuditEvent.objects.count(),
    )


def upload(name: str):
    text = csv_text(row(name=name))
    return SimpleUploadedFile("d.csv", text.encode(), content_type="text/csv")


def coordinator_requests(entry, report, member):
    """Every coordinator page and endpoint of the directory, as (method, path, data)."""
    stale = "/directory/networks/tipp"
    api = "/api/v1/directory"
    return [
        ("get", f"{stale}/stale/", None),
        ("post", f"{stale}/stale/{entry.pk}/reconfirm/", {}),
        ("post", f"{stale}/correspondents/", {"email": member.email, "state": "ES"}),
        ("post", f"{stale}/reports/{report.pk}/resolve/", {"resolution": "Fixed."}),
        ("post", "/directory/import/", ("upload", "Chidi Okafor")),
        ("post", f"/directory/contact-points/{entry.pk}/confirm/", {"action": "confirm"}),
        ("get", f"{api}/networks/tipp/stale/", None),
        ("post", f"{api}/networks/tipp/stale/{entry.pk}/reconfirm/", {}),
        ("post", f"{api}/import/", ("upload", "Ada Obi")),
        ("post", f"{api}/contact-points/{entry.pk}/confirm/", {}),
        ("post", f"{api}/contact-points/{entry.pk}/correct/", {"position": "Fiscal"}),
    ]


def send(client: Client, method: str, path: str, data):
    if isinstance(data, tuple):
        return client.post(path, {"file": upload(data[1])})
    if method == "get":
        return client.get(path)
    if path.startswith("/api/"):
        return client.post(path, data, content_type="application/json")
    return client.post(path, data)


def test_a_coordinator_without_webauthn_is_refused_everywhere(
    entry, open_report, coordinator, member, client_for
):
    client = client_for(coordinator, method="totp")
    for method, path, data in coordinator_requests(entry, open_report, member):
        before = written()
        response = send(client, method, path, data)
        assert response.status_code == 403, (path, response.status_code)
        assert written() == before, path
    open_report.refresh_from_db()
    assert open_report.resolved_at is None


def test_the_api_refusal_names_the_missing_factor(entry, coordinator, client_for):
    response = client_for(coordinator).get("/api/v1/directory/networks/tipp/stale/")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "webauthn_required"
    assert "security key or passkey" in error["message"]


def test_a_coordinator_with_an_api_token_is_refused(entry, coordinator, client_for):
    """A token carries no second factor: refused where the network requires WebAuthn."""
    token = client_for(coordinator).post(
        "/api/v1/tokens/", {"name": "script", "lifetime_days": 30}, content_type="application/json"
    )
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    assert bearer.get("/api/v1/directory/networks/tipp/stale/").status_code == 403
    confirm = bearer.post(f"/api/v1/directory/contact-points/{entry.pk}/confirm/")
    assert confirm.status_code == 403


def test_the_card_offers_no_maintenance_without_webauthn(entry, coordinator, client_for):
    card = client_for(coordinator).get(f"/directory/contact-points/{entry.pk}/")
    assert f"/directory/contact-points/{entry.pk}/confirm/" not in card.content.decode()
    card = client_for(coordinator, method="webauthn").get(f"/directory/contact-points/{entry.pk}/")
    assert f"/directory/contact-points/{entry.pk}/confirm/" in card.content.decode()


def test_a_coordinator_with_webauthn_is_let_through(
    entry, open_report, coordinator, member, client_for
):
    client = client_for(coordinator, method="webauthn")
    for method, path, data in coordinator_requests(entry, open_report, member):
        response = send(client, method, path, data)
        assert response.status_code in (200, 201, 302), (path, response.status_code)
    open_report.refresh_from_db()
    assert open_report.resolved_by == coordinator
    assert DirectoryCorrespondent.objects.filter(member=member, state="ES").exists()
    assert ContactPoint.objects.filter(name__in=["Chidi Okafor", "Ada Obi"]).count() == 2
