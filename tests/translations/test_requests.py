"""Requesting a translation: what is accepted, each refusal with its error, nothing half-written,
the carried-over handling code, and encryption at rest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging import actions as messaging_actions
from messaging.translations.models import TranslationEvent, TranslationRequest
from network.audit.models import AuditEvent

from .conftest import CANARY

pytestmark = pytest.mark.django_db

API = "/api/v1/translations/"


def create(client, **data):
    return client.post(API, data, content_type="application/json")


def valid(message, due, **fields):
    return {
        "message": str(message.pk),
        "target_language": "en",
        "purpose": "information",
        "due_date": due.isoformat(),
        **fields,
    }


def counts():
    return (
        TranslationRequest.objects.count(),
        TranslationEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def test_it_detects_the_source_language_of_a_message(client_for, member, message, due):
    response = create(client_for(member), **valid(message, due))
    assert response.status_code == 201
    body = response.json()
    assert (body["source_language"], body["source_detected"]) == ("es", True)
    assert body["size"] == len(message_body(message)) and body["size_unit"] == "characters"


def message_body(message):
    from messaging import crypto

    return crypto.open_body(message)


def test_a_chosen_source_language_is_kept(client_for, member, message, due):
    response = create(client_for(member), **valid(message, due, source_language="pt"))
    assert (response.json()["source_language"], response.json()["source_detected"]) == (
        "pt",
        False,
    )


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"target_language": "es"}, 400, "same_language", "target_language"),
        (
            {"target_language": "en", "source_language": "en"},
            400,
            "same_language",
            "target_language",
        ),
        ({"target_language": "xx"}, 400, "unsupported_language", "target_language"),
        ({"target_language": "eng"}, 400, "unsupported_language", "target_language"),
        ({"source_language": "zz"}, 400, "unsupported_language", "source_language"),
        ({"target_language": None}, 400, "missing_field", "target_language"),
        ({"purpose": "gossip"}, 400, "invalid_field", "purpose"),
        ({"purpose": None}, 400, "invalid_field", "purpose"),
        ({"urgency": "yesterday"}, 400, "invalid_field", "urgency"),
        ({"due_date": "2020-01-01"}, 400, "due_in_past", "due_date"),
        ({"due_date": "next week"}, 400, "invalid_field", "due_date"),
        ({"due_date": None}, 400, "missing_field", "due_date"),
        ({"note": "x" * 2001}, 400, "invalid_field", "note"),
        ({"message": None}, 400, "missing_field", "item"),
        ({"message": "not-a-uuid"}, 400, "invalid_field", "message"),
    ],
)
def test_it_refuses_bad_input(client_for, member, message, due, change, status, code, field):
    """Each bad input gets its status, code and field; nothing is written."""
    before = counts()
    response = create(client_for(member), **{**valid(message, due), **change})
    assert response.status_code == status, response.json()
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)
    assert counts() == before


def test_it_refuses_a_message_and_an_attachment_together(client_for, member, message, due):
    attachment = messaging_actions.add_attachment(
        message=message, uploader=member, filename="a.txt", content=b"hola que tal"
    )
    response = create(client_for(member), **valid(message, due, attachment=str(attachment.pk)))
    assert response.status_code == 400 and response.json()["error"]["code"] == "missing_field"


def test_it_asks_to_choose_when_the_language_is_unclear(client_for, member, post, due):
    unclear = post(member, "OK 12345")
    before = counts()
    response = create(client_for(member), **valid(unclear, due))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "source_language_undetected"
    assert counts() == before


def test_a_due_date_of_today_is_accepted(client_for, member, message):
    response = create(client_for(member), **valid(message, timezone.localdate()))
    assert response.status_code == 201


@pytest.mark.parametrize("persona", ["outsider", "other_network_member", "suspended_member"])
def test_it_refuses_items_the_requester_cannot_read(request, client_for, message, due, persona):
    """Someone who cannot read the room gets the same 404 as for an unknown message."""
    user = request.getfixturevalue(persona)
    before = counts()
    response = create(client_for(user), **valid(message, due))
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "unknown_item", "message": "no such message", "field": "message"}
    }
    assert counts() == before


def test_a_participant_removed_from_the_room_cannot_request(
    client_for, member, counterpart, case_room, message, due
):
    messaging_actions.remove_participant(room=case_room, user=counterpart, removed_by=member)
    response = create(client_for(counterpart), **valid(message, due))
    assert response.status_code == 404


def test_it_refuses_an_anonymous_request(client, message, due):
    response = create(client, **valid(message, due))
    assert response.status_code in (401, 403)


def test_it_requests_a_translation_of_an_attachment(client_for, member, message, due):
    content = "Contrato de trabajo: la empresa no pagaba el salario y retenía los pasaportes."
    attachment = messaging_actions.add_attachment(
        message=message, uploader=member, filename="contrato.txt", content=content.encode()
    )
    response = create(
        client_for(member),
        target_language="en",
        attachment=str(attachment.pk),
        purpose="for_court",
        due_date=due.isoformat(),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["item"], body["source_language"], body["size"], body["size_unit"]) == (
        "attachment",
        "es",
        attachment.size,
        "bytes",
    )
    assert body["handling_code"] == "H2"


def test_the_handling_code_and_note_carry_over(client_for, member, post, due):
    restricted = post(
        member,
        "El testigo no quiere que su nombre aparezca en el expediente de la causa.",
        handling_code="H3",
        handling_note="Only for the JIT members",
    )
    response = create(client_for(member), **valid(restricted, due))
    assert (response.json()["handling_code"], response.json()["handling_note"]) == (
        "H3",
        "Only for the JIT members",
    )


def test_texts_are_encrypted_at_rest(submitted_request, member, client_for):
    """Neither the note, the translation nor event notes appear in the database rows."""
    client_for(member).post(
        f"{API}{submitted_request.pk}/revision/",
        {"note": "REVISION-CANARY-31 fix it"},
        content_type="application/json",
    )
    raw = b""
    for model in (TranslationRequest, TranslationEvent):
        for row in model.objects.values():
            for value in row.values():
                raw += (
                    bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                )
    for canary in (
        b"NOTE-CANARY-22",
        b"TRANSLATION-CANARY-99",
        b"REVISION-CANARY-31",
        CANARY.encode(),
    ):
        assert canary not in raw
    detail = client_for(member).get(f"{API}{submitted_request.pk}/").json()
    assert "TRANSLATION-CANARY-99" in detail["translation"]
    assert "NOTE-CANARY-22" in detail["note"]


def test_a_ciphertext_moved_to_another_request_does_not_open(
    submitted_request, make_request, client_for, member
):
    """The associated data binds the translation to its request: a copy fails to decrypt."""
    from messaging.translations import crypto
    from network.keyring import DecryptionError

    other = make_request()
    TranslationRequest.objects.filter(pk=other.pk).update(
        translation_ciphertext=submitted_request.translation_ciphertext
    )
    other.refresh_from_db()
    with pytest.raises(DecryptionError):
        crypto.open_request_field(other, "translation", other.translation_ciphertext)
    with pytest.raises(DecryptionError):
        crypto.open_request_field(
            submitted_request, "note", submitted_request.translation_ciphertext
        )


def test_due_dates_in_the_past_by_one_day_are_refused(client_for, member, message):
    yesterday = timezone.localdate() - timedelta(days=1)
    response = create(client_for(member), **valid(message, yesterday))
    assert response.json()["error"]["code"] == "due_in_past"


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "3"])
def test_a_body_that_is_not_an_object_is_refused(client_for, member, open_request, body):
    client = client_for(member)
    before = counts()
    for path in (API, f"{API}{open_request.pk}/cancel/", "/api/v1/language-pairs/"):
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 400, path
        assert response.json()["error"]["code"] == "bad_json"
    assert counts() == before
    assert TranslationRequest.objects.get(pk=open_request.pk).status == "open"
