"""The one rule for passing an item on (messaging/disclosure), its permission requests, and
its use by translation requests: an H2 item of another member's waits for its provider."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging import actions as messaging_actions
from messaging import posting
from messaging.disclosure import actions, rule
from messaging.disclosure.actions import DisclosureError
from messaging.disclosure.models import PermissionRequest
from messaging.models import RoomEvent
from messaging.translations import actions as translation_actions
from messaging.translations.actions import TranslationError
from messaging.translations.models import Notification, TranslationRequest
from network.languages.actions import declare_pair

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def thread(case_room, member):
    return messaging_actions.create_thread(room=case_room, creator=member, title="Lantern")


@pytest.fixture
def post(thread):
    def send(sender, body="La víctima fue trasladada desde el puerto.", **fields):
        return posting.post_message(
            room=thread.room,
            sender=sender,
            thread=thread,
            body=body,
            client_id=uuid.uuid4(),
            **fields,
        ).message

    return send


@pytest.fixture
def h2(post, member):
    """An H2 item that `member` provided."""
    return post(member, handling_code="H2")


@pytest.fixture
def translator(make_user, make_membership, tipp):
    user = make_user("translator@example.org", display_name="Teresa Translator", state="PH")
    make_membership(user, tipp)
    declare_pair(user=user, source="es", target="en")
    return user


def _translate(requester, message):
    return translation_actions.request_translation(
        requester=requester,
        message=message,
        source_language="es",
        target_language="en",
        purpose="information",
        due_date=timezone.localdate() + timedelta(days=3),
    )


def _kinds(room):
    return list(RoomEvent.objects.filter(room=room).order_by("seq").values_list("kind", flat=True))


# --- The rule ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["H1", "H2", "H3"])
def test_a_protected_item_of_another_member_needs_its_provider(post, member, counterpart, code):
    fields = {"handling_note": "only for this case"} if code == "H3" else {}
    item = post(member, handling_code=code, **fields)
    decision = rule.may_pass(counterpart, item, purpose="forward", recipients=None)
    assert not decision
    assert decision.code == "provider_permission_required"
    assert decision.provider == member
    assert member.display_name in decision.reason


def test_h0_and_ones_own_items_pass(post, member, counterpart, h2):
    assert rule.may_pass(counterpart, post(member), purpose="forward", recipients=None)
    assert rule.may_pass(member, h2, purpose="translation", recipients=None)


def test_recipients_who_already_read_the_item_need_no_permission(h2, member, counterpart):
    assert rule.may_pass(counterpart, h2, purpose="quote", recipients={member.pk})


def test_a_recipient_who_does_not_read_the_item_needs_the_permission(
    h2, member, counterpart, other_network_member
):
    decision = rule.may_pass(
        counterpart, h2, purpose="quote", recipients={member.pk, other_network_member.pk}
    )
    assert decision.code == "provider_permission_required"


def test_someone_who_cannot_read_the_item_may_pass_nothing(h2, other_network_member):
    decision = rule.may_pass(other_network_member, h2, purpose="forward", recipients=None)
    assert decision.code == "unknown_item"


def test_a_granted_permission_covers_its_purpose_and_recipients_only(
    h2, member, counterpart, other_network_member
):
    asked = actions.ask_permission(
        requester=counterpart,
        message=h2,
        purpose="forward",
        recipients=[other_network_member.pk],
        reason="for the labour inspectorate",
    )
    actions.answer_permission(permission=asked, provider=member, answer="granted")
    assert rule.may_pass(counterpart, h2, purpose="forward", recipients={other_network_member.pk})
    assert not rule.may_pass(counterpart, h2, purpose="forward", recipients=None)
    assert not rule.may_pass(counterpart, h2, purpose="export", recipients=None)


def test_export_permitted_is_the_rule_for_the_export(h2, member, counterpart):
    event = RoomEvent.objects.get(message=h2, kind=RoomEvent.Kind.MESSAGE_POSTED)
    assert rule.export_permitted(event, member) is True
    reason = rule.export_permitted(event, counterpart)
    assert isinstance(reason, str) and member.display_name in reason
    asked = actions.ask_permission(
        requester=counterpart, message=h2, purpose="export", outside=True
    )
    actions.answer_permission(permission=asked, provider=member, answer="granted")
    assert rule.export_permitted(event, counterpart) is True


# --- Asking and answering --------------------------------------------------------------------


def test_asking_and_answering_are_events_of_the_rooms_log(h2, member, counterpart):
    asked = actions.ask_permission(
        requester=counterpart, message=h2, purpose="forward", outside=True
    )
    assert asked.provider == member and asked.pending
    answered = actions.answer_permission(
        permission=asked, provider=member, answer="refused", note="the victim is at risk"
    )
    assert answered.answered_at is not None
    kinds = _kinds(h2.room)
    assert kinds[-2:] == ["disclosure.requested", "disclosure.answered"]
    last = RoomEvent.objects.filter(room=h2.room).order_by("-seq").first()
    assert last.details["answer"] == "refused" and last.details["permission"] == str(asked.pk)
    decision = rule.may_pass(counterpart, h2, purpose="forward", recipients=None)
    assert decision.code == "permission_refused"
    assert "the victim is at risk" in decision.reason


def test_a_pending_request_is_asked_once(h2, counterpart):
    first = actions.ask_permission(requester=counterpart, message=h2, purpose="quote", outside=True)
    again = actions.ask_permission(requester=counterpart, message=h2, purpose="quote", outside=True)
    assert again.pk == first.pk
    assert PermissionRequest.objects.count() == 1


def test_only_the_provider_answers(h2, counterpart, make_user, make_membership, tipp, member):
    asked = actions.ask_permission(
        requester=counterpart, message=h2, purpose="forward", outside=True
    )
    third = make_user("third@example.org", display_name="Third Reader", state="GH")
    make_membership(third, tipp)
    messaging_actions.add_participant(room=h2.room, user=third, added_by=member)
    for who in (counterpart, third):
        with pytest.raises(DisclosureError) as refused:
            actions.answer_permission(permission=asked, provider=who, answer="granted")
        assert refused.value.code == "not_provider" and refused.value.http_status == 403
    asked.refresh_from_db()
    assert asked.pending


def test_one_answer_only(h2, member, counterpart):
    asked = actions.ask_permission(
        requester=counterpart, message=h2, purpose="forward", outside=True
    )
    actions.answer_permission(permission=asked, provider=member, answer="granted")
    events = RoomEvent.objects.filter(room=h2.room).count()
    with pytest.raises(DisclosureError) as refused:
        actions.answer_permission(permission=asked, provider=member, answer="refused", note="no")
    assert refused.value.code == "already_answered" and refused.value.http_status == 409
    asked.refresh_from_db()
    assert asked.answer == "granted"
    assert RoomEvent.objects.filter(room=h2.room).count() == events


@pytest.mark.parametrize(
    "fields, code, field",
    [
        ({"purpose": "gossip"}, "invalid_field", "purpose"),
        ({"recipients": "everyone"}, "invalid_field", "recipients"),
        ({"recipients": [0]}, "invalid_field", "recipients"),
        ({"recipients": [], "outside": False}, "missing_field", "recipients"),
        ({"reason": "x" * 501}, "invalid_field", "reason"),
    ],
)
def test_a_bad_ask_is_refused_and_writes_nothing(h2, counterpart, fields, code, field):
    ask = {"requester": counterpart, "message": h2, "purpose": "forward", "outside": True}
    events = RoomEvent.objects.filter(room=h2.room).count()
    with pytest.raises(DisclosureError) as refused:
        actions.ask_permission(**{**ask, **fields})
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not PermissionRequest.objects.exists()
    assert RoomEvent.objects.filter(room=h2.room).count() == events


def test_no_permission_is_asked_for_ones_own_or_an_h0_item(post, h2, member, counterpart):
    for requester, item in ((member, h2), (counterpart, post(member))):
        with pytest.raises(DisclosureError) as refused:
            actions.ask_permission(
                requester=requester, message=item, purpose="forward", outside=True
            )
        assert refused.value.code == "permission_not_needed"
    assert not PermissionRequest.objects.exists()


def test_a_reader_of_another_room_asks_nothing(h2, other_network_member):
    with pytest.raises(DisclosureError) as refused:
        actions.ask_permission(
            requester=other_network_member, message=h2, purpose="forward", outside=True
        )
    assert refused.value.code == "unknown_item"


@pytest.mark.parametrize(
    "answer, note, code, field",
    [("maybe", "", "invalid_field", "answer"), ("refused", "", "missing_field", "note")],
)
def test_a_bad_answer_is_refused_and_writes_nothing(
    h2, member, counterpart, answer, note, code, field
):
    asked = actions.ask_permission(
        requester=counterpart, message=h2, purpose="forward", outside=True
    )
    with pytest.raises(DisclosureError) as refused:
        actions.answer_permission(permission=asked, provider=member, answer=answer, note=note)
    assert refused.value.code == code and refused.value.field == field
    asked.refresh_from_db()
    assert asked.pending


# --- Translation requests --------------------------------------------------------------------


def test_an_h2_item_for_translation_waits_for_its_provider(h2, member, counterpart, translator):
    request = _translate(counterpart, h2)
    assert request.status == TranslationRequest.Status.AWAITING_PERMISSION
    assert request.permission.provider == member
    assert request.permission.purpose == "translation" and request.permission.outside
    assert not Notification.objects.filter(recipient=translator).exists()
    from messaging.translations import access as translation_access

    assert not translation_access.queue_for(translator).exists()

    actions.answer_permission(permission=request.permission, provider=member, answer="granted")
    request.refresh_from_db()
    assert request.status == TranslationRequest.Status.OPEN
    assert Notification.objects.filter(recipient=translator, request=request).exists()
    assert list(translation_access.queue_for(translator)) == [request]


def test_a_refused_translation_is_cancelled_with_the_providers_reason(h2, member, counterpart):
    request = _translate(counterpart, h2)
    actions.answer_permission(
        permission=request.permission,
        provider=member,
        answer="refused",
        note="not before the hearing",
    )
    request.refresh_from_db()
    assert request.status == TranslationRequest.Status.CANCELLED
    with pytest.raises(TranslationError) as refused:
        _translate(counterpart, h2)
    assert refused.value.code == "permission_refused"
    assert "not before the hearing" in refused.value.message
    assert TranslationRequest.objects.count() == 1


def test_two_requests_for_one_item_wait_for_one_permission(h2, member, counterpart):
    first, second = _translate(counterpart, h2), _translate(counterpart, h2)
    assert first.permission_id == second.permission_id
    actions.answer_permission(permission=first.permission, provider=member, answer="granted")
    assert set(TranslationRequest.objects.values_list("status", flat=True)) == {
        TranslationRequest.Status.OPEN
    }


def test_the_requester_may_cancel_a_request_that_waits(h2, counterpart):
    request = _translate(counterpart, h2)
    translation_actions.cancel_request(request=request, requester=counterpart)
    request.refresh_from_db()
    assert request.status == TranslationRequest.Status.CANCELLED


def test_h0_and_own_items_go_to_translators_at_once(post, h2, member, counterpart):
    assert _translate(member, h2).status == TranslationRequest.Status.OPEN
    assert _translate(counterpart, post(member)).status == TranslationRequest.Status.OPEN
    assert not PermissionRequest.objects.exists()


# --- API -------------------------------------------------------------------------------------

API = "/api/v1/permissions/"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_the_api_asks_and_the_provider_answers(client_for, h2, member, counterpart):
    asked = _post(
        client_for(counterpart),
        API,
        {"message": str(h2.pk), "purpose": "forward", "outside": True, "reason": "for the NGO"},
    )
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert body["provider"] == {"id": member.pk, "name": member.display_name}
    assert body["answer"] is None and body["handling_code"] == "H2"
    waiting = client_for(member).get(API).json()
    assert [item["id"] for item in waiting["asked_of_me"]] == [body["id"]]
    assert client_for(counterpart).get(API).json()["asked_by_me"][0]["id"] == body["id"]

    refused = _post(client_for(counterpart), f"{API}{body['id']}/answer/", {"answer": "granted"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_provider"
    granted = _post(client_for(member), f"{API}{body['id']}/answer/", {"answer": "granted"})
    assert granted.status_code == 200 and granted.json()["answer"] == "granted"
    again = _post(
        client_for(member), f"{API}{body['id']}/answer/", {"answer": "refused", "note": "no"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
    assert client_for(member).get(API).json()["asked_of_me"] == []


def test_the_api_hides_a_request_from_those_who_cannot_read_its_item(
    client_for, h2, counterpart, other_network_member
):
    asked = actions.ask_permission(
        requester=counterpart, message=h2, purpose="forward", outside=True
    )
    outsider = client_for(other_network_member)
    assert outsider.get(f"{API}{asked.pk}/").status_code == 404
    answered = _post(outsider, f"{API}{asked.pk}/answer/", {"answer": "granted"})
    assert answered.status_code == 404 and answered.json()["error"]["code"] == "unknown_permission"
    assert outsider.get(API).json() == {"asked_of_me": [], "asked_by_me": []}


@pytest.mark.parametrize(
    "data, code, field",
    [
        ({"purpose": "forward", "outside": True}, "missing_field", "message"),
        ({"message": "nope", "purpose": "forward", "outside": True}, "invalid_field", "message"),
        ({"purpose": "forward", "outside": True, "colour": "red"}, "unknown_field", "colour"),
        ({"purpose": "forward", "outside": "yes"}, "invalid_field", "outside"),
        ({"purpose": "forward", "recipients": [-1]}, "invalid_field", "recipients"),
    ],
)
def test_the_api_refuses_bad_input_and_writes_nothing(
    client_for, h2, counterpart, data, code, field
):
    data = {**data}
    if "message" not in data and code != "missing_field":
        data["message"] = str(h2.pk)
    answer = _post(client_for(counterpart), API, data)
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"].get("field") == field
    assert not PermissionRequest.objects.exists()


def test_a_translation_request_names_the_provider_it_waits_for(client_for, h2, member, counterpart):
    request = _translate(counterpart, h2)
    detail = client_for(counterpart).get(f"/api/v1/translations/{request.pk}/").json()
    assert detail["status"] == "awaiting_permission"
    assert detail["waiting_for"]["provider"] == {"id": member.pk, "name": member.display_name}
    assert detail["waiting_for"]["answer"] is None


# --- Pages -----------------------------------------------------------------------------------


def test_the_provider_answers_on_the_page(client_for, h2, member, counterpart):
    asked = actions.ask_permission(
        requester=counterpart, message=h2, purpose="forward", outside=True, reason="for the NGO"
    )
    page = client_for(member).get("/permissions/")
    assert page.status_code == 200
    assert (
        counterpart.display_name in page.content.decode() and "for the NGO" in page.content.decode()
    )
    refused = client_for(member).post(f"/permissions/{asked.pk}/answer/", {"answer": "refused"})
    assert refused.status_code == 302
    asked.refresh_from_db()
    assert asked.pending  # a refusal without a note is refused
    client_for(member).post(
        f"/permissions/{asked.pk}/answer/", {"answer": "refused", "note": "the victim is at risk"}
    )
    asked.refresh_from_db()
    assert asked.answer == "refused" and asked.answer_note == "the victim is at risk"
    mine = client_for(counterpart).get("/permissions/").content.decode()
    assert "the victim is at risk" in mine


def test_only_the_provider_answers_on_the_page(client_for, h2, counterpart, other_network_member):
    asked = actions.ask_permission(
        requester=counterpart, message=h2, purpose="forward", outside=True
    )
    assert (
        client_for(counterpart)
        .post(f"/permissions/{asked.pk}/answer/", {"answer": "granted"})
        .status_code
        == 302
    )
    outsider = client_for(other_network_member).post(
        f"/permissions/{asked.pk}/answer/", {"answer": "granted"}
    )
    assert outsider.status_code == 404
    asked.refresh_from_db()
    assert asked.pending


# --- The WebSocket notice --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_asking_and_answering_reach_the_rooms_sockets(
    open_socket, case_room, thread, member, counterpart
):
    from channels.db import database_sync_to_async as sync_to_async

    from tests.messaging.test_room_consumer import next_of, subscribe

    item = await sync_to_async(
        lambda: (
            posting.post_message(
                room=case_room,
                sender=member,
                thread=thread,
                body="secreto",
                client_id=uuid.uuid4(),
                handling_code="H2",
            ).message
        )
    )()
    provider, requester = await open_socket(member), await open_socket(counterpart)
    await subscribe(provider, case_room)
    await subscribe(requester, case_room)
    asked = await sync_to_async(actions.ask_permission)(
        requester=counterpart, message=item, purpose="forward", outside=True
    )
    notice = await next_of(provider, "event")
    assert notice["kind"] == "disclosure.requested"
    assert notice["data"]["permission"] == str(asked.pk)
    assert notice["data"]["provider"] == member.pk and notice["data"]["answer"] is None
    assert "secreto" not in json.dumps(notice)
    await sync_to_async(actions.answer_permission)(
        permission=asked, provider=member, answer="granted"
    )
    for socket in (requester,):
        kinds = [(await next_of(socket, "event"))["kind"] for _ in range(2)]
        assert kinds == ["disclosure.requested", "disclosure.answered"]
