"""Labels are a deliberate choice: the room's default handling code (owner-only, on record),
the composer that starts from it, the confirmation H2 and H3 ask for, the legends of the
codes, one rendering of a message (the fragments the live page fetches) and times in the
reader's zone."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse

from messaging import actions, posting, roomlog
from messaging.errors import MessagingError
from messaging.models import Message, Room, RoomEvent
from network.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')


def room_url(room, thread):
    return f"{reverse('messaging:room', args=[room.pk])}?thread={thread.pk}"


def composer_data(thread, **fields):
    return {
        "thread": str(thread.pk),
        "client_id": str(uuid.uuid4()),
        "body": "Flight list attached.",
        "handling": "H0",
        "handling_note": "",
        "evaluation": "",
        "reply_to": "",
        **fields,
    }


def settings_url(room):
    return reverse("messaging:room_settings", args=[room.pk])


# --- The room's default handling code ---------------------------------------------------------


def test_the_composer_starts_from_the_room_default_and_names_it_on_the_send_button(
    client_for, member, case_room, thread
):
    actions.set_default_handling(room=case_room, owner=member, code="H1")
    html = client_for(member).get(room_url(case_room, thread)).content.decode()
    assert re.search(r'<option value="H1" selected>', html)
    assert 'data-default-handling="H1"' in html
    assert re.search(r'<button type="submit" id="send-button">Send as H1</button>', html)


def test_an_owner_sets_the_default_handling_code_on_record(client_for, member, case_room):
    response = client_for(member).post(settings_url(case_room), {"default_handling": "H2"})
    assert response.status_code == 302
    case_room.refresh_from_db()
    assert case_room.default_handling == "H2"
    event = RoomEvent.objects.get(room=case_room, kind="room.default_handling_changed")
    assert event.details == {"default_handling": "H2", "previous": "H0"}
    assert event.actor == member and event.seq == case_room.head_seq
    audit = AuditEvent.objects.get(action="messaging.default_handling_changed")
    assert audit.details == {"from": "H0", "to": "H2"} and audit.target_id == str(case_room.pk)
    assert roomlog.verify(case_room).intact


def test_setting_the_same_default_again_records_nothing(member, case_room):
    head = case_room.head_seq
    actions.set_default_handling(room=case_room, owner=member, code="H0")
    assert Room.objects.get(pk=case_room.pk).head_seq == head
    assert not AuditEvent.objects.filter(action="messaging.default_handling_changed").exists()


def test_a_participant_who_is_not_an_owner_cannot_change_the_default(
    client_for, counterpart, case_room
):
    response = client_for(counterpart).post(settings_url(case_room), {"default_handling": "H3"})
    assert response.status_code == 403
    assert "only an owner of the room sets its default handling code" in response.content.decode()
    assert Room.objects.get(pk=case_room.pk).default_handling == "H0"


def test_an_unknown_default_is_refused_with_the_field_named(client_for, member, case_room):
    response = client_for(member).post(settings_url(case_room), {"default_handling": "H9"})
    assert response.status_code == 400
    assert "Select a valid choice. H9 is not one of the available choices." in (
        response.content.decode()
    )
    with pytest.raises(MessagingError) as refused:
        actions.set_default_handling(room=case_room, owner=member, code="X1")
    assert refused.value.field == "default_handling"
    assert Room.objects.get(pk=case_room.pk).default_handling == "H0"


def test_only_owners_see_the_default_form(client_for, member, counterpart, case_room, thread):
    form = 'class="room-settings"'
    assert form in client_for(member).get(room_url(case_room, thread)).content.decode()
    assert form not in client_for(counterpart).get(room_url(case_room, thread)).content.decode()


def test_the_settings_api_reads_and_changes_the_default(client_for, member, counterpart, case_room):
    url = f"/api/v1/rooms/{case_room.pk}/settings/"
    owner, participant = client_for(member), client_for(counterpart)
    assert participant.get(url).json() == {"default_handling": "H0", "owner": False}

    changed = owner.patch(url, {"default_handling": "H1"}, content_type="application/json")
    assert changed.status_code == 200
    assert changed.json() == {"default_handling": "H1", "owner": True}
    assert Room.objects.get(pk=case_room.pk).default_handling == "H1"


@pytest.mark.parametrize(
    ("who", "body", "status", "code", "field"),
    [
        ("counterpart", {"default_handling": "H3"}, 403, "forbidden", None),
        ("member", {"default_handling": "H7"}, 400, "invalid_field", "default_handling"),
        ("member", {"default_handling": "H2", "title": "x"}, 400, "unknown_field", "title"),
        ("member", {}, 400, "missing_field", "default_handling"),
        ("outsider", {"default_handling": "H2"}, 404, "unknown_room", None),
    ],
)
def test_the_settings_api_refuses_with_a_code_and_changes_nothing(
    request, client_for, outsider, case_room, who, body, status, code, field
):
    user = request.getfixturevalue(who) if who != "outsider" else outsider
    answer = client_for(user).patch(
        f"/api/v1/rooms/{case_room.pk}/settings/", body, content_type="application/json"
    )
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["code"] == code and error.get("field") == field
    assert Room.objects.get(pk=case_room.pk).default_handling == "H0"


# --- H2 and H3 are confirmed --------------------------------------------------------------------


@pytest.mark.parametrize("code", ["H2", "H3"])
def test_h2_and_h3_from_the_composer_need_the_confirmation(
    client_for, member, case_room, thread, code
):
    client = client_for(member)
    url = reverse("messaging:post_message", args=[case_room.pk])
    data = composer_data(thread, handling=code, handling_note="Not to the press")
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert f"Confirm {code} for this message, or choose another handling code." in (
        refused.content.decode()
    )
    assert not Message.objects.exists()

    accepted = client.post(url, {**data, "confirm_handling": "on"})
    assert accepted.status_code == 302
    assert Message.objects.get().handling_code == code


def test_after_a_send_from_the_page_the_composer_is_back_at_the_default(
    client_for, member, case_room, thread
):
    """The redirect after an H3 message shows a composer with the room's default, no
    evaluation and no note."""
    client = client_for(member)
    data = composer_data(
        thread, handling="H3", handling_note="Court only", evaluation="C3", confirm_handling="on"
    )
    response = client.post(reverse("messaging:post_message", args=[case_room.pk]), data)
    html = client.get(response["Location"]).content.decode()
    composer = html[html.index('id="composer"') :]
    assert '<option value="H0" selected>' in composer
    assert re.search(
        r'<input type="text" name="handling_note" [^>]*id="id_handling_note">', composer
    )
    assert '<option value="" selected>' in composer  # no evaluation
    assert 'name="confirm_handling" id="id_confirm_handling">' in composer


# --- Legends ------------------------------------------------------------------------------------


def test_badges_describe_their_codes_and_link_to_the_legend(
    client_for, member, case_room, thread, post
):
    post(member, "intelligence", handling_code="H2", evaluation="B2")
    html = client_for(member).get(room_url(case_room, thread)).content.decode()
    legend = reverse("messaging:legend")
    meaning = "H2: not to be disseminated without the provider&#x27;s permission"
    assert (
        f'href="{legend}#H2" title="{meaning}" aria-label="Handling code {meaning}">H2</a>'
    ) in html
    assert (
        'aria-label="Evaluation B2: Source B: mostly reliable. Information 2: known personally '
        'to the source but not to the person passing it on.">B2</a>'
    ) in html
    # The composer explains every code where it is chosen.
    assert "<summary>What the codes mean</summary>" in html
    assert "accuracy not in doubt" in html and "cannot be assessed" in html


def test_the_legend_page_explains_every_code(client_for, member):
    html = client_for(member).get(reverse("messaging:legend")).content.decode()
    for code in ("H0", "H1", "H2", "H3"):
        assert f'<dt id="{code}">' in html
    for code in ("A1", "B2", "C3", "X4"):
        assert f"<td>{code}</td>" in html
    assert "not known personally to the source and not corroborated" in html


# --- One rendering --------------------------------------------------------------------------------


def articles(html: str) -> list[str]:
    found = re.findall(r'<article class="message.*?</article>', html, flags=re.S)
    return [CSRF_VALUE.sub(r'\1"', article) for article in found]


def test_a_fragment_is_the_same_markup_as_the_message_on_the_page(
    client_for, member, counterpart, case_room, thread, post
):
    first = post(member, "**first**", handling_code="H3", handling_note="Court", evaluation="A1")
    actions.add_attachment(
        message=first.message, uploader=member, filename="list.txt", content=b"names\n"
    )
    second = post(counterpart, "second", reply_to=first.message.seq)
    deleted = post(member, "gone")
    actions.delete_message(message=deleted.message, actor=member)
    client = client_for(member)
    page = articles(client.get(room_url(case_room, thread)).content.decode())
    ids = [str(r.message.pk) for r in (first, second, deleted)]
    url = reverse("messaging:message_fragments", args=[case_room.pk])
    fragments = articles(client.get(url, {"id": ids}).content.decode())
    assert len(page) == 3
    assert fragments == page
    assert "Request a translation" in fragments[0] and "list.txt" in fragments[0]
    assert '<details class="delete">' in fragments[0]  # deletion asks for confirmation


def test_fragments_show_only_messages_of_the_room_and_to_its_readers(
    client_for, member, counterpart, outsider, case_room, thread, post, tipp
):
    other_room = actions.create_room(kind="case", creator=member, title="Other", network=tipp)
    other_thread = actions.create_thread(room=other_room, creator=member, title="t")
    elsewhere = posting.post_message(
        room=other_room, sender=member, thread=other_thread, client_id=uuid.uuid4(), body="x"
    )
    mine = post(member, "here")
    url = reverse("messaging:message_fragments", args=[case_room.pk])
    html = client_for(counterpart).get(
        url, {"id": [str(elsewhere.message.pk), str(mine.message.pk), "not-an-id"]}
    )
    assert html.status_code == 200
    assert len(articles(html.content.decode())) == 1 and "here" in html.content.decode()
    assert client_for(outsider).get(url, {"id": [str(mine.message.pk)]}).status_code in (403, 404)


# --- Times --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "language", "expected"),
    [
        ("America/Lima", "es", "6 de diciembre de 2026 a las 07:07 UTC\u221205:00"),
        ("Africa/Lagos", "es", "6 de diciembre de 2026 a las 13:07 WAT"),
        ("Europe/Madrid", "en", "Dec. 6, 2026, 1:07 p.m. CET"),
    ],
)
def test_times_are_in_the_readers_zone_and_language_with_the_zone_named(
    client_for, member, case_room, thread, post, zone, language, expected
):
    sent = post(member, "on time")
    moment = datetime.datetime(2026, 12, 6, 12, 7, 32, tzinfo=datetime.UTC)
    Message.objects.filter(pk=sent.message.pk).update(created_at=moment)
    member.time_zone = zone
    member.save(update_fields=["time_zone"])
    client = client_for(member)
    client.cookies["django_language"] = language
    html = client.get(room_url(case_room, thread)).content.decode()
    assert (
        f'<time class="when" datetime="2026-12-06T12:07:32+00:00" title="{expected}" '
        f'data-absolute="{expected}" tabindex="0">{expected}</time>'
    ) in html
