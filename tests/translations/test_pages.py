"""The pages: board, request form, request page, editor, and the include beside the original."""

import pytest
from django.template.loader import render_to_string

from messaging.translations import actions
from messaging.translations.display import translations_for_messages
from messaging.translations.models import TranslationRequest

from .conftest import CANARY

pytestmark = pytest.mark.django_db


def test_the_request_form_creates_a_request(client_for, member, message, due):
    client = client_for(member)
    form = client.get(f"/translations/new/?message={message.pk}")
    assert form.status_code == 200
    page = form.content.decode()
    assert CANARY in page and "H2" in page
    response = client.post(
        f"/translations/new/?message={message.pk}",
        {
            "target_language": "en",
            "purpose": "for_court",
            "urgency": "urgent",
            "due_date": due.isoformat(),
        },
    )
    request = TranslationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/translations/{request.pk}/"
    assert (request.purpose, request.urgency, request.source_language) == (
        "for_court",
        "urgent",
        "es",
    )


def test_the_request_form_shows_the_error_and_stores_nothing(client_for, member, message, due):
    response = client_for(member).post(
        f"/translations/new/?message={message.pk}",
        {"target_language": "es", "purpose": "information", "due_date": due.isoformat()},
    )
    assert response.status_code == 400
    assert 'data-code="same_language"' in response.content.decode()
    assert not TranslationRequest.objects.exists()


def test_the_request_form_is_404_for_an_unreadable_message(client_for, outsider, message):
    assert client_for(outsider).get(f"/translations/new/?message={message.pk}").status_code == 404


def test_the_board_lists_requests_queue_and_claimed_work(
    client_for, member, translator, open_request, make_request
):
    claimed = make_request()
    actions.claim_request(request=claimed, translator=translator)
    mine = client_for(member).get("/translations/").content.decode()
    assert f"/translations/{open_request.pk}/" in mine and f"/translations/{claimed.pk}/" in mine
    theirs = client_for(translator).get("/translations/").content.decode()
    assert f"/translations/{open_request.pk}/claim" in theirs
    assert f"/translations/{claimed.pk}/" in theirs
    assert CANARY not in theirs and "Operation Lantern" not in theirs
    assert 'id="unread-notifications" data-unread="2"' in theirs  # two new_request notices
    assert 'data-unread="1"' in mine  # claimed
    assert "translations/notifications.js" in theirs


def test_the_translator_works_in_the_side_by_side_editor(client_for, translator, open_request):
    client = client_for(translator)
    claim = client.post(f"/translations/{open_request.pk}/claim")
    assert claim.status_code == 302
    editor = client.get(f"/translations/{open_request.pk}/").content.decode()
    assert CANARY in editor and "H2" in editor and 'name="text"' in editor
    assert "Operation Lantern" not in editor and "Recruitment agency" not in editor
    client.post(f"/translations/{open_request.pk}/draft", {"text": "half done"})
    assert "half done" in client.get(f"/translations/{open_request.pk}/").content.decode()
    client.post(f"/translations/{open_request.pk}/submit", {"text": "all done"})
    assert TranslationRequest.objects.get(pk=open_request.pk).status == "submitted"


def test_a_refused_page_action_says_why_in_the_readers_language(
    client_for, translator, claimed_request, member
):
    client = client_for(member)
    client.cookies["django_language"] = "fr"

    response = client.post(f"/translations/{claimed_request.pk}/accept", follow=True)

    assert "impossible d’accepter une demande à l’état « prise en charge »" in (
        response.content.decode()
    )


def test_a_refused_page_action_says_why(client_for, translator, claimed_request, member):
    response = client_for(member).post(f"/translations/{claimed_request.pk}/accept", follow=True)
    assert "cannot accept a request that is claimed" in response.content.decode()
    assert TranslationRequest.objects.get(pk=claimed_request.pk).status == "claimed"


def test_the_requester_reviews_beside_the_original(client_for, member, submitted_request):
    client = client_for(member)
    page = client.get(f"/translations/{submitted_request.pk}/").content.decode()
    assert CANARY in page and "TRANSLATION-CANARY-99" in page and "NOTE-CANARY-22" in page
    client.post(f"/translations/{submitted_request.pk}/accept")
    assert TranslationRequest.objects.get(pk=submitted_request.pk).status == "accepted"


def test_the_include_marks_the_translation_with_translator_certification_and_handling(
    make_request, certified_translator, member, counterpart, message
):
    request = make_request()
    actions.claim_request(request=request, translator=certified_translator)
    actions.submit_translation(
        request=request, translator=certified_translator, text="<b>The victim</b>"
    )
    shown = translations_for_messages([message], counterpart)[str(message.pk)]
    html = render_to_string("translations/_beside_original.html", {"translations": shown})
    assert "Translation" in html and "Spanish → English" in html
    assert "Sergio Sworn" in html and "certified translator" in html
    assert "H2" in html and "awaiting review" in html
    assert "&lt;b&gt;The victim&lt;/b&gt;" in html


def test_translations_for_messages_respects_the_viewer(
    make_request, translator, outsider, message, other_message, member
):
    request = make_request()
    actions.claim_request(request=request, translator=translator)
    actions.submit_translation(request=request, translator=translator, text="done")
    assert set(translations_for_messages([message, other_message], member)) == {str(message.pk)}
    assert translations_for_messages([message], outsider) == {}
    assert translations_for_messages([message], translator) == {}


def test_the_template_tag_renders_the_translations_of_one_message(
    submitted_request, member, message, other_message
):
    from django.template import Context, Template

    shown = translations_for_messages([message, other_message], member)
    template = Template(
        "{% load translations %}{% beside_original shown message %}|"
        "{% beside_original shown other %}"
    )
    html = template.render(Context({"shown": shown, "message": message, "other": other_message}))
    translated, untranslated = html.split("|")
    assert "TRANSLATION-CANARY-99" in translated and "Teresa Translator" in translated
    assert untranslated.strip() == ""


def test_a_translated_attachment_shows_beside_its_message(
    make_request, translator, member, message
):
    from messaging import actions as messaging_actions

    attachment = messaging_actions.add_attachment(
        message=message, uploader=member, filename="acta.txt", content=b"Acta de la audiencia"
    )
    request = make_request(message=None, attachment=attachment)
    actions.claim_request(request=request, translator=translator)
    actions.submit_translation(request=request, translator=translator, text="Hearing record")
    shown = translations_for_messages([message], member)[str(message.pk)]
    assert [(item.filename, item.text) for item in shown] == [("acta.txt", "Hearing record")]


def test_pages_and_api_need_the_second_factor(client, member):
    client.force_login(member)
    for path in ("/translations/", "/translations/notifications/", "/languages/"):
        assert client.get(path).status_code == 302
    for path in ("/api/v1/translations/board/", "/api/v1/language-pairs/"):
        assert client.get(path).status_code == 401


def test_the_room_page_shows_the_translation_beside_the_original(
    client_for, counterpart, submitted_request, message, translator
):
    """Room readers see the submitted translation under the message, marked as a translation
    with its translator and the original's handling code, and a link to request another."""
    page = client_for(counterpart).get(f"/rooms/{message.room_id}/?thread={message.thread_id}")

    html = page.content.decode()
    assert page.status_code == 200
    original = html.index(f'data-message-id="{message.pk}"')
    beside = html.index(f'data-translation="{submitted_request.pk}"')
    assert original < beside
    assert "TRANSLATION-CANARY-99" in html[beside:]
    assert translator.display_name in html[beside:]
    assert f"/translations/new/?message={message.pk}" in html


def test_the_translator_does_not_gain_the_room_page(client_for, translator, submitted_request):
    response = client_for(translator).get(f"/rooms/{submitted_request.room_id}/")

    assert response.status_code == 404
