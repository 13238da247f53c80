"""The JIT pages: starting, reading, answering, the document in two languages, access."""

from messaging.jit.models import Consent, Proposal
from tests.jit.conftest import start


def test_a_participant_starts_a_proposal_from_the_case_room(
    client_for, case_room, member, authorizer_ar, authorizer_ng
):
    client = client_for(member)
    assert (
        "Propose a joint investigation team"
        in client.get(f"/rooms/{case_room.pk}/").content.decode()
    )
    response = client.post(
        f"/jit/rooms/{case_room.pk}/new/",
        {
            "title": "JIT Lantern",
            "states": "ar ng",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "team_type": "parallel_active",
            "section_purpose": "Dismantle the network.",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jit/{proposal.pk}/"
    assert dict(proposal.parties.values_list("state", "language")) == {"AR": "es", "NG": "en"}
    page = client.get(response["Location"]).content.decode()
    assert "Dismantle the network." in page and "Alma Authorizer" in page


def test_period_end_before_start_is_refused_on_the_page(client_for, case_room, member):
    response = client_for(member).post(
        f"/jit/rooms/{case_room.pk}/new/",
        {
            "title": "JIT",
            "states": "AR NG",
            "period_start": "2027-01-01",
            "period_end": "2026-01-01",
            "team_type": "parallel_active",
        },
    )
    assert response.status_code == 400
    assert "The period ends before it starts." in response.content.decode()
    assert not Proposal.objects.exists()


def test_the_missing_state_is_said_so(client_for, case_room, member, authorizer_ar):
    proposal = start(case_room, member)
    page = client_for(member).get(f"/jit/{proposal.pk}/").content.decode()
    assert "No contact point in the directory for this state" in page


def test_the_routed_contact_sees_answers_and_is_marked_seen(client_for, proposal, authorizer_ar):
    client = client_for(authorizer_ar)
    page = client.get(f"/jit/{proposal.pk}/").content.decode()
    assert "Answer for Argentina on version 1" in page
    assert proposal.parties.get(state="AR").routes.get().seen_at is not None
    response = client.post(
        f"/jit/{proposal.pk}/consent",
        {"state": "AR", "version": "1", "decision": "conditions", "note": "Interpreters."},
    )
    assert response.status_code == 302
    assert Consent.objects.get().decision == "conditions"
    again = client.post(
        f"/jit/{proposal.pk}/consent", {"state": "AR", "version": "1", "decision": "consent"}
    )
    assert again.status_code == 409
    assert "This party already answered this version." in again.content.decode()


def test_nobody_else_sees_it(client_for, proposal, outsider, other_network_member, coordinator):
    for user in (outsider, other_network_member, coordinator):
        client = client_for(user)
        assert client.get(f"/jit/{proposal.pk}/").status_code == 404
        assert client.get(f"/jit/{proposal.pk}/document/en/").status_code == 404
        assert (
            client.post(
                f"/jit/{proposal.pk}/comment", {"section": "media", "body": "x"}
            ).status_code
            == 404
        )


def test_a_routed_contact_cannot_edit(client_for, proposal, authorizer_ng):
    response = client_for(authorizer_ng).post(
        f"/jit/{proposal.pk}/edit/", {"section_media": "Press release now.", "note": ""}
    )
    assert response.status_code == 403
    assert proposal.versions.count() == 1


def test_the_document_in_two_languages(client_for, proposal, member):
    client = client_for(member)
    spanish = client.get(f"/jit/{proposal.pk}/document/es/").content.decode()
    french = client.get(f"/jit/{proposal.pk}/document/fr/").content.decode()
    assert "Acuerdo de creación de un equipo conjunto de investigación" in spanish
    assert "Base jurídica" in spanish
    assert "Accord relatif à la création d'une équipe commune d'enquête" in french
    # The filled-in texts stay as written.
    assert (
        "Dismantle the recruitment network." in spanish
        and "Dismantle the recruitment network." in french
    )
    assert 'lang="es"' in spanish and "document.css" in spanish


def test_a_new_version_and_its_diff(client_for, proposal, member):
    client = client_for(member)
    response = client.post(
        f"/jit/{proposal.pk}/edit/",
        {
            "section_places": "Lagos only.",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "team_type": "integrated_active",
            "note": "Scope",
        },
    )
    assert response.status_code == 302
    diff = client.get(f"/jit/{proposal.pk}/versions/2/diff/").content.decode()
    assert "Lagos only." in diff and "Buenos Aires and Lagos." in diff


def test_the_translation_of_the_filled_in_texts_in_one_step(client_for, proposal, member):
    from messaging.translations.models import TranslationRequest

    response = client_for(member).post(
        f"/jit/{proposal.pk}/translate", {"source_language": "en", "due_date": "2030-01-31"}
    )
    assert response.status_code == 302
    (request,) = TranslationRequest.objects.all()
    assert (request.source_language, request.target_language) == ("en", "es")
    assert request.message.room_id == proposal.room_id


def test_times_are_shown_in_the_readers_time_zone(client_for, proposal, member):
    from zoneinfo import ZoneInfo

    from django.utils import formats

    member.time_zone = "Asia/Tokyo"
    member.save(update_fields=["time_zone"])
    created = proposal.latest_version().created_at.astimezone(ZoneInfo("Asia/Tokyo"))
    page = client_for(member).get(f"/jit/{proposal.pk}/").content.decode()
    assert formats.date_format(created, "DATETIME_FORMAT") in page
