"""Who sees what: the queue's allow-list, eligibility for claiming, the translator's one item
(and never the room), before, during and after the claim."""

import base64
import uuid

import pytest

from messaging import access as room_access
from messaging import actions as messaging_actions
from messaging.translations import actions
from messaging.translations.access import UnknownRequest, get_item_for_translator
from messaging.translations.models import TranslationEvent, TranslationRequest
from network.languages.actions import declare_pair
from network.models import Membership

from .conftest import CANARY

pytestmark = pytest.mark.django_db

API = "/api/v1/translations/"
QUEUE_KEYS = {
    "id",
    "source_language",
    "target_language",
    "purpose",
    "urgency",
    "due_date",
    "size",
    "size_unit",
}


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def assert_reveals_nothing(text: str):
    for secret in (
        CANARY,
        "Operation Lantern",
        "Recruitment agency",
        "NOTE-CANARY-22",
        "Mateo",
        "Chidi",
        "member@example.org",
    ):
        assert secret not in text


def test_the_queue_shows_only_the_allowed_fields(client_for, translator, open_request):
    """Queue, board and the request page show the pair, purpose, urgency, due date and size."""
    client = client_for(translator)
    queue = client.get(f"{API}queue/")
    assert [set(card) for card in queue.json()] == [QUEUE_KEYS]
    assert queue.json()[0]["id"] == str(open_request.pk)
    board = client.get(f"{API}board/")
    assert [set(card) for card in board.json()["queue"]] == [QUEUE_KEYS]
    detail = client.get(f"{API}{open_request.pk}/")
    assert set(detail.json()) == QUEUE_KEYS | {"role"} and detail.json()["role"] == "candidate"
    for response in (
        queue,
        board,
        detail,
        client.get("/translations/"),
        client.get(f"/translations/{open_request.pk}/"),
    ):
        assert response.status_code == 200
        assert_reveals_nothing(response.content.decode())


@pytest.mark.parametrize(
    "persona", ["redtram_translator", "outsider", "member", "counterpart", "suspended_member"]
)
def test_the_queue_is_empty_for_those_not_eligible(request, client_for, open_request, persona):
    """No pair, no shared network, the requester, suspended: nothing in the queue."""
    user = request.getfixturevalue(persona)
    if persona == "suspended_member":
        declare_pair_directly(user)
    assert client_for(user).get(f"{API}queue/").json() == []


def declare_pair_directly(user):
    from network.languages.models import LanguagePair

    LanguagePair.objects.create(user=user, source="es", target="en", certified=True)


def test_a_request_for_court_is_queued_only_for_certified_translators(
    client_for, make_request, translator, certified_translator
):
    court = make_request(purpose="for_court")
    assert client_for(translator).get(f"{API}queue/").json() == []
    assert [c["id"] for c in client_for(certified_translator).get(f"{API}queue/").json()] == [
        str(court.pk)
    ]


def test_a_request_for_court_is_refused_to_an_uncertified_translator(
    make_request, translator, certified_translator
):
    court = make_request(purpose="for_court")
    with pytest.raises(actions.TranslationError) as error:
        actions.claim_request(request=court, translator=translator)
    assert (error.value.code, error.value.http_status) == ("certification_required", 403)
    assert TranslationRequest.objects.get(pk=court.pk).status == "open"
    claimed = actions.claim_request(request=court, translator=certified_translator)
    assert claimed.translator_certified


def test_claiming_needs_the_pair(client_for, open_request, counterpart):
    """A room participant without the pair is refused with no_language_pair."""
    response = post(client_for(counterpart), f"{API}{open_request.pk}/claim/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "no_language_pair"
    assert TranslationRequest.objects.get(pk=open_request.pk).status == "open"


def test_claiming_needs_a_shared_network(open_request, redtram_translator, client_for):
    response = post(client_for(redtram_translator), f"{API}{open_request.pk}/claim/")
    assert response.status_code == 404
    with pytest.raises(actions.TranslationError) as error:
        actions.claim_request(request=open_request, translator=redtram_translator)
    assert error.value.code == "not_eligible"
    assert TranslationRequest.objects.get(pk=open_request.pk).status == "open"


def test_the_requester_cannot_claim_their_own_request(open_request, member):
    declare_pair(user=member, source="es", target="en")
    with pytest.raises(actions.TranslationError) as error:
        actions.claim_request(request=open_request, translator=member)
    assert error.value.code == "forbidden"


def test_a_second_claim_is_refused_as_already_claimed(
    client_for, claimed_request, certified_translator
):
    response = post(client_for(certified_translator), f"{API}{claimed_request.pk}/claim/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_claimed"
    assert TranslationRequest.objects.get(pk=claimed_request.pk).translator.email == (
        "translator@example.org"
    )
    assert TranslationEvent.objects.filter(request=claimed_request, action="claimed").count() == 1


def test_the_translator_reads_the_item_only_while_holding_it(
    client_for, open_request, translator, member
):
    client = client_for(translator)
    assert client.get(f"{API}{open_request.pk}/item/").status_code == 404
    with pytest.raises(UnknownRequest):
        get_item_for_translator(translator, open_request.pk)
    post(client, f"{API}{open_request.pk}/claim/")
    item = client.get(f"{API}{open_request.pk}/item/")
    assert item.status_code == 200
    assert CANARY in item.json()["text"]
    assert (item.json()["handling_code"], item.json()["kind"]) == ("H2", "message")
    assert_no_room_details(item.json())
    post(client, f"{API}{open_request.pk}/submit/", {"text": "done"})
    assert client.get(f"{API}{open_request.pk}/item/").status_code == 200
    post(client_for(member), f"{API}{open_request.pk}/accept/")
    assert client.get(f"{API}{open_request.pk}/item/").status_code == 404
    with pytest.raises(UnknownRequest):
        get_item_for_translator(translator, open_request.pk)


def assert_no_room_details(payload: dict):
    text = repr(payload)
    for secret in ("Operation Lantern", "Recruitment agency", "Chidi"):
        assert secret not in text


@pytest.mark.parametrize("ending", ["cancel", "release", "reassign"])
def test_the_item_is_closed_when_the_request_ends_for_the_translator(
    client_for, claimed_request, translator, member, certified_translator, ending
):
    if ending == "cancel":
        actions.cancel_request(request=claimed_request, requester=member)
    elif ending == "release":
        actions.release_request(request=claimed_request, translator=translator)
    else:
        actions.reassign_request(
            request=claimed_request, owner=member, translator=certified_translator
        )
    response = client_for(translator).get(f"{API}{claimed_request.pk}/item/")
    assert response.status_code == 404
    with pytest.raises(UnknownRequest):
        get_item_for_translator(translator, claimed_request.pk)


def test_a_suspended_translator_loses_the_item(client_for, claimed_request, translator):
    Membership.objects.filter(user=translator).update(status="suspended")
    assert client_for(translator).get(f"{API}{claimed_request.pk}/item/").status_code == 404
    response = post(client_for(translator), f"{API}{claimed_request.pk}/submit/", {"text": "x"})
    assert response.status_code in (403, 404)
    assert TranslationRequest.objects.get(pk=claimed_request.pk).status == "claimed"


def test_the_translator_never_reads_the_room(
    client_for, make_request, translator, member, case_room, other_message
):
    """Before, during and after the claim: no room, no other message, no translations list."""
    request = make_request()

    def refused():
        with pytest.raises(room_access.UnknownRoom):
            room_access.get_room_for_member(translator, case_room.pk)
        assert not room_access.can_read(translator, case_room)
        client = client_for(translator)
        for item in (request.message, other_message):
            response = client.get(f"{API}?message={item.pk}")
            assert response.status_code == 404
        assert client.get(f"/translations/new/?message={other_message.pk}").status_code == 404
        page = client.get(f"/rooms/{case_room.pk}/")
        assert page.status_code in (302, 403, 404)
        rooms = f"/api/v1/rooms/{case_room.pk}/"
        for path in (
            rooms,
            f"{rooms}events/?after=0",
            f"{rooms}threads/",
            f"{rooms}log/checkpoint/",
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            assert CANARY not in response.content.decode()
        posted = client.post(f"{rooms}messages/", {"body": "hi"}, content_type="application/json")
        assert posted.status_code == 404
        assert client.get("/api/v1/rooms/").json()["rooms"] == []
        assert client.get("/api/v1/threads/?tag=Lantern").status_code in (200, 400)
        assert "Recruitment" not in client.get("/api/v1/threads/?tag=Lantern").content.decode()

    refused()
    actions.claim_request(request=request, translator=translator)
    refused()
    actions.submit_translation(request=request, translator=translator, text="translated")
    refused()
    actions.accept_translation(request=request, requester=member)
    refused()


def test_the_translator_reads_an_attachment_item_as_a_download(
    client_for, member, message, make_request, translator
):
    content = "Contrato: la empresa retenía los pasaportes de los trabajadores.".encode()
    attachment = messaging_actions.add_attachment(
        message=message, uploader=member, filename="contrato.txt", content=content
    )
    request = make_request(message=None, attachment=attachment)
    client = client_for(translator)
    assert client.get(f"/translations/{request.pk}/item").status_code == 404
    actions.claim_request(request=request, translator=translator)
    api_item = client.get(f"{API}{request.pk}/item/").json()
    assert base64.b64decode(api_item["content_base64"]) == content
    download = client.get(f"/translations/{request.pk}/item")
    assert download.status_code == 200 and download.content == content
    assert download["Content-Disposition"] == "attachment"
    # The room's own download and the message the file is attached to stay closed.
    room_download = f"/api/v1/rooms/{attachment.room_id}/attachments/{attachment.pk}/"
    assert client.get(room_download).status_code == 404
    assert client.get(f"{API}?message={message.pk}").status_code == 404


def test_room_readers_see_translations_beside_the_original(
    client_for, submitted_request, member, counterpart, outsider, message
):
    for user in (member, counterpart):
        shown = client_for(user).get(f"{API}?message={message.pk}").json()
        assert len(shown) == 1
        assert shown[0]["is_translation"] is True
        assert shown[0]["translator"] == "Teresa Translator" and shown[0]["certified"] is False
        assert shown[0]["handling_code"] == "H2"
        assert "TRANSLATION-CANARY-99" in shown[0]["text"]
    assert client_for(outsider).get(f"{API}?message={message.pk}").status_code == 404


def test_a_translation_in_progress_is_not_shown_beside_the_original(
    client_for, claimed_request, translator, member, message
):
    actions.save_draft(request=claimed_request, translator=translator, text="DRAFT-ONLY")
    assert client_for(member).get(f"{API}?message={message.pk}").json() == []


@pytest.mark.parametrize("persona", ["outsider", "other_network_member", "suspended_member"])
def test_strangers_cannot_see_a_request(request, client_for, open_request, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get(f"{API}{open_request.pk}/").status_code == 404
    assert client.get(f"/translations/{open_request.pk}/").status_code in (302, 404)
    assert post(client, f"{API}{open_request.pk}/claim/").status_code == 404


def test_guessed_ids_are_404(client_for, member):
    client = client_for(member)
    assert client.get(f"{API}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get(f"{API}?message={uuid.uuid4()}").status_code == 404
    malformed = client.get(f"{API}?message=nope")
    assert malformed.status_code == 400 and malformed.json()["error"]["field"] == "message"


def test_a_deactivated_translator_gives_the_work_back(claimed_request, translator):
    """After commit of a suspension, the claim returns to the queue, on record."""
    from network.signals import membership_deactivated

    membership = Membership.objects.get(user=translator)
    Membership.objects.filter(pk=membership.pk).update(status="suspended")
    membership_deactivated.send(
        sender=Membership, membership=membership, user=translator, reason="suspended"
    )
    refreshed = TranslationRequest.objects.get(pk=claimed_request.pk)
    assert (refreshed.status, refreshed.translator_id) == ("open", None)
    event = TranslationEvent.objects.filter(request=refreshed).last()
    assert (event.action, event.actor_id, event.from_status) == ("released", None, "claimed")


def test_a_deactivation_elsewhere_leaves_the_claim(
    claimed_request, translator, make_membership, redtram
):
    """Losing another network's membership does not end work shared through TIPP."""
    from network.signals import membership_deactivated

    other = make_membership(translator, redtram, status="suspended")
    membership_deactivated.send(
        sender=Membership, membership=other, user=translator, reason="suspended"
    )
    assert TranslationRequest.objects.get(pk=claimed_request.pk).status == "claimed"


def test_a_deleted_original_closes_the_item_and_hides_the_translation(
    client_for, submitted_request, translator, member, message
):
    """When the sender deletes the original, the translator no longer reads it and the
    translation is no longer shown beside it; the requester's page says it was deleted."""
    messaging_actions.delete_message(message=message, actor=member)
    assert client_for(translator).get(f"{API}{submitted_request.pk}/item/").status_code == 404
    with pytest.raises(UnknownRequest):
        get_item_for_translator(translator, submitted_request.pk)
    from messaging.translations.display import translations_for_messages

    assert translations_for_messages([message], member) == {}
    page = client_for(member).get(f"/translations/{submitted_request.pk}/").content.decode()
    assert "deleted by its sender" in page and CANARY not in page
