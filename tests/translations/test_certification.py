"""Verified certification of a language pair: evidence sealed with the key ring, a coordinator
of the translator's network verifies it until a date or withdraws it, and requests for court
go only to verified, unexpired pairs. Everything else reads self-declared."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.translations import actions as translation_actions
from messaging.translations.actions import TranslationError
from network.audit.models import AuditEvent
from network.languages import actions
from network.languages.actions import LanguagePairError, certification_of
from network.languages.models import LanguagePair
from tests.translations.conftest import PDF

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
NEXT_YEAR = timezone.localdate() + timedelta(days=365)


@pytest.fixture
def pair(self_declared_translator):
    return LanguagePair.objects.get(user=self_declared_translator)


@pytest.fixture
def with_evidence(pair, self_declared_translator):
    return actions.upload_evidence(user=self_declared_translator, pair_id=pair.pk, content=PDF)


def test_evidence_is_sealed_and_a_coordinator_verifies_then_withdraws(
    with_evidence, coordinator, self_declared_translator
):
    stored = LanguagePair.objects.get(pk=with_evidence.pk)
    assert b"sworn translator certificate" not in bytes(stored.evidence_sealed)
    assert actions.open_evidence(stored) == PDF
    assert stored.evidence_content_type == "application/pdf"
    assert certification_of(self_declared_translator, "es", "en").status == "self-declared"

    actions.verify_pair(coordinator=coordinator, pair_id=stored.pk, expires=NEXT_YEAR)
    shown = certification_of(self_declared_translator, "es", "en")
    assert shown.status == "verified"
    assert shown.verified_until == NEXT_YEAR
    assert shown.verified_by == coordinator.display_name
    assert shown.verified_at is not None
    assert AuditEvent.objects.filter(action="languages.pair_verified", actor=coordinator).exists()

    actions.withdraw_verification(coordinator=coordinator, pair_id=stored.pk)
    assert certification_of(self_declared_translator, "es", "en").status == "self-declared"
    assert AuditEvent.objects.filter(action="languages.verification_withdrawn").exists()


def test_an_expired_verification_reads_self_declared(certified_translator):
    LanguagePair.objects.filter(user=certified_translator).update(
        verified_until=timezone.localdate() - timedelta(days=1)
    )
    assert certification_of(certified_translator, "es", "en").status == "self-declared"
    assert not LanguagePair.objects.verified().filter(user=certified_translator).exists()


def test_certification_of_a_pair_not_declared_or_not_certified(translator, member):
    assert certification_of(translator, "es", "en").status == "none"
    assert certification_of(member, "es", "en").status == "none"
    assert certification_of(LanguagePair.objects.get(user=translator)).status == "none"


def test_new_evidence_ends_the_verification(certified_translator):
    pair = LanguagePair.objects.get(user=certified_translator)
    actions.upload_evidence(user=certified_translator, pair_id=pair.pk, content=PNG)
    assert certification_of(certified_translator, "es", "en").status == "self-declared"


def test_evidence_of_a_forbidden_type_is_refused_and_nothing_stored(pair, self_declared_translator):
    for content in (b"MZ\x90\x00 an executable", b"<html><script>", b"plain text"):
        with pytest.raises(LanguagePairError) as refused:
            actions.upload_evidence(user=self_declared_translator, pair_id=pair.pk, content=content)
        assert (refused.value.code, refused.value.field) == ("unsupported_file_type", "evidence")
    stored = LanguagePair.objects.get(pk=pair.pk)
    assert stored.evidence_sealed is None and stored.evidence_content_type == ""


def test_evidence_for_someone_elses_or_a_self_declared_only_pair_is_refused(
    pair, translator, self_declared_translator
):
    with pytest.raises(LanguagePairError) as refused:
        actions.upload_evidence(user=translator, pair_id=pair.pk, content=PDF)
    assert refused.value.code == "unknown_pair"
    plain = LanguagePair.objects.get(user=translator)
    with pytest.raises(LanguagePairError) as refused:
        actions.upload_evidence(user=translator, pair_id=plain.pk, content=PDF)
    assert refused.value.code == "not_certified"
    assert LanguagePair.objects.get(pk=plain.pk).evidence_sealed is None


@pytest.mark.parametrize(
    ("expires", "code"),
    [
        (timezone.localdate() - timedelta(days=1), "expiry_in_past"),
        (timezone.localdate(), "expiry_in_past"),
        ("2020-01-01", "expiry_in_past"),
        ("next year", "invalid_field"),
        ("", "missing_field"),
    ],
)
def test_an_expiry_not_in_the_future_is_refused(with_evidence, coordinator, expires, code):
    with pytest.raises(LanguagePairError) as refused:
        actions.verify_pair(coordinator=coordinator, pair_id=with_evidence.pk, expires=expires)
    assert (refused.value.code, refused.value.field) == (code, "expires")
    assert LanguagePair.objects.get(pk=with_evidence.pk).verified_by_id is None


def test_only_a_coordinator_of_the_translators_network_verifies(
    with_evidence, member, make_user, make_membership, redtram, self_declared_translator
):
    elsewhere = make_user("redtram-coord@example.org", display_name="Rita Redtram")
    make_membership(elsewhere, redtram, role="coordinator")
    for who in (member, elsewhere, self_declared_translator):
        with pytest.raises(LanguagePairError) as refused:
            actions.verify_pair(coordinator=who, pair_id=with_evidence.pk, expires=NEXT_YEAR)
        assert refused.value.code == "unknown_pair"
    assert LanguagePair.objects.get(pk=with_evidence.pk).verified_by_id is None
    assert not AuditEvent.objects.filter(action="languages.pair_verified").exists()


def test_a_self_declared_not_certified_pair_cannot_be_verified(translator, coordinator):
    plain = LanguagePair.objects.get(user=translator)
    with pytest.raises(LanguagePairError) as refused:
        actions.verify_pair(coordinator=coordinator, pair_id=plain.pk, expires=NEXT_YEAR)
    assert refused.value.code == "not_certified"
    assert LanguagePair.objects.get(pk=plain.pk).verified_by_id is None


def test_a_pair_without_evidence_cannot_be_verified(pair, coordinator):
    with pytest.raises(LanguagePairError) as refused:
        actions.verify_pair(coordinator=coordinator, pair_id=pair.pk, expires=NEXT_YEAR)
    assert refused.value.code == "no_evidence"


def test_a_court_request_is_refused_to_a_self_declared_or_expired_translator(
    make_request, self_declared_translator, certified_translator
):
    court = make_request(purpose="for_court")
    with pytest.raises(TranslationError) as refused:
        translation_actions.claim_request(request=court, translator=self_declared_translator)
    assert refused.value.code == "certification_required"
    LanguagePair.objects.filter(user=certified_translator).update(
        verified_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(TranslationError) as refused:
        translation_actions.claim_request(request=court, translator=certified_translator)
    assert refused.value.code == "certification_required"
    court.refresh_from_db()
    assert court.translator_id is None and court.status == "open"


def test_a_verified_translator_claims_a_court_request(make_request, certified_translator):
    court = make_request(purpose="for_court")
    claimed = translation_actions.claim_request(request=court, translator=certified_translator)
    assert claimed.translator_id == certified_translator.pk and claimed.translator_certified


# --- Pages and API ---------------------------------------------------------------------------

API = "/api/v1/language-pairs/"


def _upload(name, content, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def test_the_member_uploads_and_the_coordinator_verifies_through_the_api(
    client_for, pair, self_declared_translator, coordinator
):
    mine = client_for(self_declared_translator)
    uploaded = mine.post(
        f"{API}{pair.pk}/evidence/",
        {"evidence": _upload("cert.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 201
    assert uploaded.json()["evidence"] == "application/pdf"
    assert uploaded.json()["certification"]["status"] == "self-declared"

    theirs = client_for(coordinator)
    listed = theirs.get(f"{API}verifications/").json()
    assert [(p["id"], p["translator"]["name"]) for p in listed] == [(pair.pk, "Sam Saysworn")]
    verified = theirs.post(
        f"{API}{pair.pk}/verification/",
        {"expires": NEXT_YEAR.isoformat()},
        content_type="application/json",
    )
    assert verified.status_code == 200
    assert verified.json()["certification"] == {
        "status": "verified",
        "verified_until": NEXT_YEAR.isoformat(),
        "verified_by": coordinator.display_name,
        "verified_at": verified.json()["certification"]["verified_at"],
    }
    assert mine.get(API).json()[0]["certification"]["status"] == "verified"
    assert theirs.delete(f"{API}{pair.pk}/verification/").status_code == 200
    assert mine.get(API).json()[0]["certification"]["status"] == "self-declared"


def test_the_api_refuses_bad_evidence_bad_expiry_and_strangers(
    client_for, with_evidence, self_declared_translator, coordinator, member
):
    mine = client_for(self_declared_translator)
    refused = mine.post(
        f"{API}{with_evidence.pk}/evidence/",
        {"evidence": _upload("cert.pdf", b"#!/bin/sh\necho hi\n", "application/pdf")},
    )
    assert refused.status_code == 415
    assert refused.json()["error"]["code"] == "unsupported_file_type"
    assert mine.post(f"{API}{with_evidence.pk}/evidence/", {}).status_code == 400
    theirs = client_for(coordinator)
    past = theirs.post(
        f"{API}{with_evidence.pk}/verification/",
        {"expires": "2020-01-01"},
        content_type="application/json",
    )
    assert past.status_code == 400 and past.json()["error"]["code"] == "expiry_in_past"
    assert client_for(member).get(f"{API}verifications/").status_code == 403
    stranger = client_for(member).post(
        f"{API}{with_evidence.pk}/verification/",
        {"expires": NEXT_YEAR.isoformat()},
        content_type="application/json",
    )
    assert stranger.status_code == 404
    stored = LanguagePair.objects.get(pk=with_evidence.pk)
    assert stored.verified_by_id is None and actions.open_evidence(stored) == PDF


def test_the_pages_upload_show_and_verify(
    client_for, pair, self_declared_translator, coordinator, member
):
    mine = client_for(self_declared_translator)
    page = mine.get("/languages/").content.decode()
    assert "certified / sworn, self-declared" in page and 'name="evidence"' in page
    assert (
        mine.post(
            f"/languages/{pair.pk}/evidence",
            {"evidence": _upload("cert.png", PNG, "image/png")},
        ).status_code
        == 302
    )
    download = mine.get(f"/languages/{pair.pk}/evidence")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == PNG
    assert client_for(member).get(f"/languages/{pair.pk}/evidence").status_code == 404
    assert client_for(member).get("/languages/verifications/").status_code == 403

    theirs = client_for(coordinator)
    listing = theirs.get("/languages/verifications/").content.decode()
    assert "Sam Saysworn" in listing and "self-declared" in listing
    assert theirs.get(f"/languages/{pair.pk}/evidence").status_code == 200
    done = theirs.post(f"/languages/verifications/{pair.pk}", {"expires": NEXT_YEAR.isoformat()})
    assert done.status_code == 302
    page = mine.get("/languages/").content.decode()
    assert "verified by Carla Coordinator until" in page
    past = theirs.post(f"/languages/verifications/{pair.pk}", {"expires": "2020-01-01"})
    assert past.status_code == 302
    assert LanguagePair.objects.get(pk=pair.pk).verified_until == NEXT_YEAR
    assert (
        client_for(member).post(f"/languages/verifications/{pair.pk}/withdraw").status_code == 404
    )
    assert theirs.post(f"/languages/verifications/{pair.pk}/withdraw").status_code == 302
    assert "certified / sworn, self-declared" in mine.get("/languages/").content.decode()


def test_the_translation_beside_the_original_says_verified_or_self_declared(
    client_for, make_request, certified_translator, member
):
    request = make_request(purpose="for_court")
    translation_actions.claim_request(request=request, translator=certified_translator)
    translation_actions.submit_translation(
        request=request, translator=certified_translator, text="The victim was moved."
    )
    client = client_for(member)
    shown = client.get(f"/api/v1/translations/?message={request.message_id}").json()
    assert shown[0]["certification"] == "verified"
    assert shown[0]["certified_until"] == NEXT_YEAR.isoformat()
    detail = client.get(f"/translations/{request.pk}/").content.decode()
    assert "certified, verified until" in detail
    summary = client.get(f"/api/v1/translations/{request.pk}/").json()
    assert summary["translator_certification"]["status"] == "verified"
    LanguagePair.objects.filter(user=certified_translator).update(
        verified_until=timezone.localdate() - timedelta(days=1)
    )
    shown = client.get(f"/api/v1/translations/?message={request.message_id}").json()
    assert shown[0]["certification"] == "self-declared" and not shown[0]["certified"]
    detail = client.get(f"/translations/{request.pk}/").content.decode()
    assert "certified (self-declared)" in detail and "verified until" not in detail
    summary = client.get(f"/api/v1/translations/{request.pk}/").json()
    assert summary["translator_certification"]["status"] == "self-declared"
    assert summary["translator_certified"] is False
