"""The invitations API: the same rules as the pages (network/accounts/invitations.py), answered
as JSON with a stable code and the HTTP status of each refusal."""

import pytest
from django.core import mail

from network.accounts import invitations
from network.accounts.models import Invitation
from network.audit.models import AuditEvent

# Emails go out after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/v1/"
COLLEAGUE = "colleague@example.org"


def _invite(client, network="tipp", **body):
    body.setdefault("email", COLLEAGUE)
    return client.post(
        f"{API}networks/{network}/invitations/", body, content_type="application/json"
    )


def test_an_active_member_invites_lists_and_withdraws(member, client_for, tipp):
    client = client_for(member)
    response = _invite(client, note="From the Lantern case.")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["network"] == "tipp" and created["email"] == COLLEAGUE
    assert created["state"] == "pending" and "token" not in created
    assert [m.to for m in mail.outbox] == [[COLLEAGUE]]  # the link goes by email only
    assert "/accounts/invitation/" in mail.outbox[0].body

    listed = client.get(f"{API}invitations/").json()
    assert [row["id"] for row in listed] == [created["id"]]

    withdrawn = client.post(f"{API}invitations/{created['id']}/revoke/")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "revoked"
    again = client.post(f"{API}invitations/{created['id']}/revoke/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_pending"
    assert AuditEvent.objects.filter(action__startswith="invitation.").count() == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "not an address"}, 400, "invalid_email"),
        ({"note": "x" * (invitations.MAX_NOTE_LENGTH + 1)}, 400, "note_too_long"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored_or_sent(
    member, client_for, tipp, body, status, code
):
    response = _invite(client_for(member), **body)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert not Invitation.objects.exists() and mail.outbox == []


def test_a_missing_email_is_400(member, client_for, tipp):
    response = client_for(member).post(
        f"{API}networks/tipp/invitations/", {}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "email"
    assert not Invitation.objects.exists()


def test_only_active_members_invite_and_an_unknown_network_is_404(
    client_for, tipp, applicant, other_network_member, member
):
    for outsider in (applicant, other_network_member):
        response = _invite(client_for(outsider))
        assert (
            response.status_code == 403 and response.json()["error"]["code"] == "not_active_member"
        )
    assert _invite(client_for(member), network="nowhere").status_code == 404
    assert not Invitation.objects.exists()


def test_the_daily_limit_is_429(member, client_for, tipp, monkeypatch):
    monkeypatch.setattr(invitations, "DAILY_LIMIT_PER_INVITER", 1)
    client = client_for(member)
    assert _invite(client).status_code == 201
    response = _invite(client, email="second@example.org")
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"
    assert Invitation.objects.count() == 1


def test_others_neither_see_nor_withdraw_an_invitation(member, counterpart, client_for, tipp):
    created = _invite(client_for(member)).json()
    other = client_for(counterpart)
    assert other.get(f"{API}invitations/").json() == []
    response = other.post(f"{API}invitations/{created['id']}/revoke/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert Invitation.objects.get().state == "pending"


def test_anonymous_callers_get_401(db, client, tipp):
    assert client.get(f"{API}invitations/").status_code == 401
    assert _invite(client).status_code == 401
    assert not Invitation.objects.exists()
