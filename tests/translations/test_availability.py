"""A translation request that cannot be served says so at once: the requester sees it before
submitting (the form and GET /api/v1/translations/availability/), the network's coordinators
are told when it is made; the owner reassigns by name among the eligible; a translation
that changes beside its original is a room event the live pages follow."""

import pytest

from messaging import roomlog
from messaging.models import RoomEvent
from messaging.translations import actions
from messaging.translations.models import Notification, TranslationRequest

pytestmark = pytest.mark.django_db

AVAILABILITY = "/api/v1/translations/availability/"


def ask(client, message, **params):
    return client.get(AVAILABILITY, {"message": str(message.pk), **params})


def test_with_nobody_for_the_pair_the_api_says_so_before_submitting(client_for, member, message):
    answer = ask(client_for(member), message, target_language="en", purpose="information")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["state"], body["serviceable"]) == ("no_translator", False)
    assert (body["source_language"], body["eligible_translators"]) == ("es", 0)  # detected
    assert "coordinators are told" in body["explanation"]
    assert not TranslationRequest.objects.exists()


def test_for_court_an_uncertified_translator_is_not_enough(client_for, member, message, translator):
    client = client_for(member)
    court = ask(client, message, target_language="en", purpose="for_court").json()
    assert (court["state"], court["eligible_translators"], court["certified_translators"]) == (
        "no_certified_translator",
        1,
        0,
    )
    assert court["explanation"].startswith("No certified translator for Spanish → English")
    information = ask(client, message, target_language="en", purpose="information").json()
    assert (information["state"], information["serviceable"]) == ("available", True)


def test_a_translator_sharing_no_network_does_not_count(
    client_for, member, message, redtram_translator
):
    body = ask(client_for(member), message, target_language="en", purpose="for_court").json()
    assert (body["state"], body["eligible_translators"]) == ("no_translator", 0)


def test_a_certified_translator_serves_a_request_for_court(
    client_for, member, message, certified_translator
):
    body = ask(client_for(member), message, target_language="en", purpose="for_court").json()
    assert (body["state"], body["certified_translators"]) == ("available", 1)


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        (
            {"target_language": "zz", "purpose": "information"},
            400,
            "unsupported_language",
            "target_language",
        ),
        ({"target_language": "en", "purpose": "gossip"}, 400, "invalid_field", "purpose"),
        ({"target_language": "en"}, 400, "missing_field", "purpose"),
        ({"purpose": "information"}, 400, "missing_field", "target_language"),
    ],
)
def test_the_availability_api_names_the_bad_field(
    client_for, member, message, params, status, code, field
):
    answer = ask(client_for(member), message, **params)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == (code, field)


def test_the_availability_of_an_unreadable_message_is_unknown(client_for, outsider, message):
    answer = ask(client_for(outsider), message, target_language="en", purpose="information")
    assert answer.status_code == 404


def test_the_form_says_before_submitting_that_nobody_can_take_it(client_for, member, message):
    page = client_for(member).get(f"/translations/new/?message={message.pk}").content.decode()
    assert 'id="translation-availability" class="availability unserved"' in page
    assert 'data-state="no_translator"' in page
    assert "No member who shares a network with you translates Spanish → English." in page


def test_the_form_says_when_members_can_take_it(client_for, member, message, translator):
    page = client_for(member).get(f"/translations/new/?message={message.pk}").content.decode()
    assert 'data-state="available"' in page
    assert "Members who translate Spanish → English will see it in their queue." in page


def test_an_unserved_request_notifies_the_coordinators_at_once(
    member, coordinator, translator, make_request
):
    """For court with only an uncertified translator: the coordinator is told, the
    uncertified translator gets no new-request notice."""
    request = make_request(purpose="for_court")
    told = Notification.objects.get(kind=Notification.Kind.UNSERVED)
    assert told.recipient == coordinator and told.request == request
    assert "for court" in told.summary() and "Spanish → English" in told.summary()
    assert not Notification.objects.filter(recipient=translator).exists()
    assert not Notification.objects.filter(recipient=member).exists()


def test_a_request_someone_can_take_tells_no_coordinator(coordinator, translator, make_request):
    make_request(purpose="information")
    assert not Notification.objects.filter(kind=Notification.Kind.UNSERVED).exists()
    assert Notification.objects.filter(recipient=translator, kind="new_request").count() == 1


def test_the_request_says_it_is_unserved_in_the_api_and_on_its_page(
    client_for, member, coordinator, make_request
):
    request = make_request(purpose="for_court")
    client = client_for(member)
    detail = client.get(f"/api/v1/translations/{request.pk}/").json()
    assert detail["availability"]["state"] == "no_translator"
    page = client.get(f"/translations/{request.pk}/").content.decode()
    assert 'class="availability unserved"' in page
    notices = client_for(coordinator).get("/translations/notifications/").content.decode()
    unserved = "no member of the network can take a translation request"
    assert f"{unserved} (Spanish → English, for court)" in notices
    assert f"/translations/{request.pk}/" not in notices  # the coordinator cannot open it


def test_the_owner_reassigns_by_name_among_the_eligible(
    client_for, member, translator, certified_translator, redtram_translator, claimed_request
):
    client = client_for(member)
    page = client.get(f"/translations/{claimed_request.pk}/").content.decode()
    assert f'<option value="{certified_translator.pk}">Sergio Sworn (ES)</option>' in page
    assert "Fara Elsewhere" not in page  # shares no network with the requester
    assert f'<option value="{translator.pk}">' not in page  # already holds it
    assert 'inputmode="numeric"' not in page
    response = client.post(
        f"/translations/{claimed_request.pk}/reassign",
        {"translator": str(certified_translator.pk), "note": "Sworn needed"},
    )
    assert response.status_code == 302
    claimed_request.refresh_from_db()
    assert claimed_request.translator == certified_translator


def test_a_submitted_translation_is_a_room_event_the_live_page_follows(
    member, message, submitted_request
):
    event = RoomEvent.objects.filter(room=message.room).order_by("-seq").first()
    assert event.kind == "translation.changed"
    assert event.details == {
        "request": str(submitted_request.pk),
        "message": str(message.pk),
        "status": "submitted",
    }
    actions.accept_translation(request=submitted_request, requester=member)
    last = RoomEvent.objects.filter(room=message.room).order_by("-seq").first()
    assert (last.kind, last.details["status"]) == ("translation.changed", "accepted")
    assert roomlog.verify(message.room).intact  # the events are leaves of the room's log


def test_the_history_shows_times_in_the_readers_zone_not_iso(client_for, member, submitted_request):
    member.time_zone = "Africa/Lagos"
    member.save(update_fields=["time_zone"])
    page = client_for(member).get(f"/translations/{submitted_request.pk}/").content.decode()
    history = page[page.index('class="translation-events"') :]
    assert '<time class="when"' in history and " WAT" in history
    assert "+00:00</li>" not in history and "T" not in history.split("<time")[0][-5:]
