"""Downloading a party's signed scan: the room's readers and that party's routed contact,
on the page and through the API; 404 for everyone else, as for a signature that does not
exist. Every download is on the audit log."""

import pytest

from messaging.jit.models import Signature
from network.audit.models import AuditEvent
from tests.jit.conftest import PNG, consent_all, sign_all


@pytest.fixture
def signature(proposal, authorizer_ar, authorizer_ng):
    consent_all(proposal, (authorizer_ar, "AR"), (authorizer_ng, "NG"))
    sign_all(proposal, (authorizer_ng, "NG"))
    return Signature.objects.get(party__state="NG")


def page_url(signature) -> str:
    return f"/jit/{signature.party.proposal_id}/signatures/{signature.pk}/scan/"


def api_url(signature) -> str:
    return f"/api/v1/jit/{signature.party.proposal_id}/signatures/{signature.pk}/scan/"


@pytest.mark.parametrize("url", [page_url, api_url])
@pytest.mark.parametrize("persona", ["member", "counterpart", "authorizer_ng"])
def test_readers_and_the_partys_contact_download_the_scan(
    request, client_for, signature, url, persona
):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(url(signature))
    assert response.status_code == 200
    assert b"".join(response) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="jit-signature-NG-v1.png"'
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    logged = AuditEvent.objects.get(action="jit.scan_downloaded")
    assert logged.actor == user
    assert logged.details == {
        "proposal": str(signature.party.proposal_id),
        "signature": signature.pk,
        "state": "NG",
        "version": 1,
        "sha256": signature.sha256,
    }


@pytest.mark.parametrize("url", [page_url, api_url])
@pytest.mark.parametrize(
    "persona", ["authorizer_ar", "outsider", "coordinator", "other_network_member"]
)
def test_everyone_else_is_told_there_is_no_such_signature(
    request, client_for, signature, url, persona
):
    """The other party's contact sees the proposal but not this party's scan; the others do
    not see the proposal at all. Both answers are the same 404."""
    response = client_for(request.getfixturevalue(persona)).get(url(signature))
    assert response.status_code == 404
    assert PNG not in response.content
    assert not AuditEvent.objects.filter(action="jit.scan_downloaded").exists()


def test_an_unknown_signature_or_one_of_another_proposal_is_not_found(
    client_for, signature, member, case_room
):
    from tests.jit.conftest import start

    other = start(case_room, member, title="JIT Harbour")
    client = client_for(member)
    missing = client.get(f"/api/v1/jit/{signature.party.proposal_id}/signatures/999999/scan/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    elsewhere = client.get(f"/api/v1/jit/{other.pk}/signatures/{signature.pk}/scan/")
    assert elsewhere.status_code == 404
    assert client.get(f"/jit/{other.pk}/signatures/{signature.pk}/scan/").status_code == 404


def test_the_proposal_links_the_scan_for_those_who_may_download_it(
    client_for, signature, member, authorizer_ng, authorizer_ar
):
    link = f'href="{page_url(signature)}"'
    for user in (member, authorizer_ng):
        assert link in client_for(user).get(f"/jit/{signature.party.proposal_id}/").text
    assert link not in client_for(authorizer_ar).get(f"/jit/{signature.party.proposal_id}/").text


def test_the_api_names_the_signature(client_for, signature, member):
    detail = client_for(member).get(f"/api/v1/jit/{signature.party.proposal_id}/").json()
    ng = next(party for party in detail["parties"] if party["state"] == "NG")
    assert ng["signature"]["id"] == signature.pk
