"""Bad input gets a clear error naming the field, and nothing is stored (docs/api.md, Input).

One table of the API's writes, each with a body it accepts; every case mutates one field
(or the whole body) and expects 400 (413 where a message body is over its limit) in the one
error shape, naming the field, with not one row written anywhere that the write touches.
"""

import json
import uuid
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from directory import actions as directory_actions
from directory.models import ContactPoint, ContactPointChange, WrongEntryReport
from messaging import actions as messaging_actions
from messaging import posting
from messaging.models import Message, ReadMarker, Room, Thread
from messaging.translations.models import TranslationRequest
from network.accounts.models import ApiToken, Invitation, User
from network.audit.models import AuditEvent
from network.languages.models import LanguagePair
from network.models import Endorsement, Membership

STORED = [
    AuditEvent,
    Membership,
    Endorsement,
    WrongEntryReport,
    ContactPointChange,
    Room,
    Thread,
    Message,
    ReadMarker,
    TranslationRequest,
    LanguagePair,
    ApiToken,
    Invitation,
]


def stored() -> dict:
    rows = {model.__name__: model.objects.count() for model in STORED}
    rows["profile"] = list(User.objects.order_by("pk").values_list("display_name", flat=True))
    rows["contact points"] = list(ContactPoint.objects.values_list("name", "request_languages"))
    return rows


@pytest.fixture(autouse=True)
def _rates_out_of_the_way(settings):
    """Hundreds of refused requests in one test: the rates are tested on their own."""
    settings.COUNTERPART_THROTTLE_RATES = dict.fromkeys(
        settings.COUNTERPART_THROTTLE_RATES, "10000/min"
    )


@dataclass
class Write:
    method: str
    path: str
    persona: str
    body: dict
    text: str = ""  # a text field that must hold text
    integer: str = ""  # an integer field that must hold an integer
    extra: list = field(default_factory=list)


@pytest.fixture
def world(member, counterpart, outsider, tipp, case_room):
    thread = messaging_actions.create_thread(room=case_room, creator=member, title="Lantern")
    message = posting.post_message(
        room=case_room,
        sender=member,
        thread=thread,
        body="La víctima fue trasladada desde el puerto hasta la capital.",
        client_id=uuid.uuid4(),
    ).message
    authority = directory_actions.create_authority(
        name="Fiscalía General", kind="prosecution_service", state="CO"
    )
    entry = directory_actions.create_contact_point(
        authority=authority,
        kind="person",
        name="Mateo Member",
        competences=["jit.authorize"],
        networks=[tipp],
        member=member,
    )
    return {"room": case_room, "thread": thread, "message": message, "entry": entry}


def writes(world) -> dict[str, Write]:
    room, entry = world["room"].pk, world["entry"].pk
    due = (timezone.localdate() + timezone.timedelta(days=3)).isoformat()
    return {
        "apply": Write(
            "post",
            "/api/v1/networks/tipp/apply/",
            "outsider",
            {"institution": "Fiscalía", "position": "Fiscal", "statement": "Trafficking."},
            text="statement",
        ),
        "report": Write(
            "post",
            f"/api/v1/directory/contact-points/{entry}/report/",
            "member",
            {"reason": "Moved to another unit."},
            text="reason",
        ),
        "correct": Write(
            "post",
            f"/api/v1/directory/contact-points/{entry}/correct/",
            "member",
            {"name": "Mateo M. Member", "request_languages": ["es", "en"]},
            text="name",
            extra=[
                ({"request_languages": [{}]}, "request_languages"),
                ({"request_languages": "es"}, "request_languages"),
                ({"competences": [["jit.authorize"]]}, "competences"),
            ],
        ),
        "room": Write(
            "post",
            "/api/v1/rooms/",
            "member",
            {"kind": "case", "title": "Operation Harbour", "network": "tipp"},
            text="title",
            extra=[({"kind": ["case"]}, "kind"), ({"participants": [{"id": 1}]}, "participants")],
        ),
        "message": Write(
            "post",
            f"/api/v1/rooms/{room}/messages/",
            "member",
            {"client_id": str(uuid.uuid4()), "thread": str(world["thread"].pk), "body": "hola"},
            text="body",
            extra=[
                ({"handling": []}, "handling"),
                ({"handling": "H9"}, "handling"),
                ({"client_id": 12}, "client_id"),
                ({"thread": "not-a-uuid"}, "thread"),
                ({"mentions": [{"user": 1}]}, "mentions"),
                ({"reply_to": "1"}, "reply_to"),
            ],
        ),
        "thread": Write(
            "post",
            f"/api/v1/rooms/{room}/threads/",
            "member",
            {"title": "Recruiters", "tags": [{"kind": "operation", "value": "Harbour"}]},
            text="title",
            extra=[({"tags": {"kind": "operation"}}, "tags"), ({"tags": [[]]}, "tags")],
        ),
        "read marker": Write(
            "post", f"/api/v1/rooms/{room}/read/", "member", {"seq": 1}, integer="seq"
        ),
        "translation": Write(
            "post",
            "/api/v1/translations/",
            "member",
            {
                "message": str(world["message"].pk),
                "source_language": "es",
                "target_language": "en",
                "purpose": "information",
                "due_date": due,
            },
            text="target_language",
            extra=[({"message": 7}, "message"), ({"message": "not-a-uuid"}, "message")],
        ),
        "language pair": Write(
            "post",
            "/api/v1/language-pairs/",
            "member",
            {"source": "es", "target": "en"},
            text="source",
            extra=[({"certified": "yes"}, "certified"), ({"certified": 1}, "certified")],
        ),
        "profile": Write(
            "patch",
            "/api/v1/me/",
            "member",
            {"display_name": "Mateo Miembro"},
            text="display_name",
            extra=[({"languages": "es"}, "languages"), ({"languages": [1]}, "languages")],
        ),
        "invitation": Write(
            "post",
            "/api/v1/networks/tipp/invitations/",
            "member",
            {"email": "colleague@example.org", "note": "Joint case."},
            text="email",
        ),
        "token": Write(
            "post",
            "/api/v1/tokens/",
            "member",
            {"name": "laptop", "lifetime_days": 30},
            text="name",
            integer="lifetime_days",
        ),
    }


NEVER_TEXT = [123, 1.5, True, ["a"], {"a": {"b": [1, {"c": None}]}}]
NEVER_INTEGER = ["12", 1.5, True, [1], {"n": 1}, None]
HUGE = "x" * 1_000_000


def send(client, write: Write, body) -> object:
    raw = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, write.method)(write.path, raw, content_type="application/json")


def refused(response, field_name: str | None, statuses=(400,)) -> dict:
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert set(error) <= {"code", "message", "field", "fields", "details"}
    assert error["code"] in (
        "invalid_field",
        "missing_field",
        "unknown_field",
        "bad_json",
        "body_too_large",
    )
    assert error["message"]
    assert error.get("field") == field_name, error
    return error


def cases(world):
    for name, write in writes(world).items():
        if write.text:
            for value in NEVER_TEXT:
                yield name, {write.text: value}, write.text, (400,)
            yield name, {write.text: None}, write.text, (400,)
            yield name, {write.text: HUGE}, write.text, (400, 413)
            yield name, f'"{write.text}": "a \\ud800 b"', write.text, (400,)
            yield name, f'"{write.text}": 1e309', write.text, (400,)
        if write.integer:
            for value in NEVER_INTEGER:
                yield name, {write.integer: value}, write.integer, (400,)
            yield name, f'"{write.integer}": 1e309', write.integer, (400,)
        for change, field_name in write.extra:
            yield name, change, field_name, (400,)
        yield name, {"no_such_field": "x"}, "no_such_field", (400,)


def _body(write: Write, change) -> object:
    if isinstance(change, dict):
        return {**write.body, **change}
    # A raw member (JSON that json.dumps does not write: 1e309, a lone surrogate escape).
    key = change.split(":", 1)[0].strip('"')
    rest = {k: v for k, v in write.body.items() if k != key}
    members = ", ".join([json.dumps(rest)[1:-1], change] if rest else [change])
    return "{" + members + "}"


def test_every_write_accepts_its_valid_body(request, client_for, world):
    """The table's bodies are accepted as they are, so each refusal below is its mutation's."""
    for name, write in writes(world).items():
        client = client_for(request.getfixturevalue(write.persona))
        response = send(client, write, write.body)
        assert response.status_code in (200, 201), (name, response.content[:300])


def test_bad_fields_are_refused_naming_the_field_and_nothing_is_stored(request, client_for, world):
    """Wrong types, nulls, 1 MB strings, 1e309, lists and nested junk for text, a lone
    surrogate, strings for integers, unknown fields: 400 (413 for a message body over its
    limit) naming the field, nothing written."""
    clients = {}
    before = stored()
    checked = 0
    for name, change, field_name, statuses in cases(world):
        write = writes(world)[name]
        if write.persona not in clients:
            clients[write.persona] = client_for(request.getfixturevalue(write.persona))
        response = send(clients[write.persona], write, _body(write, change))
        try:
            refused(response, field_name, statuses)
        except AssertionError as failure:
            raise AssertionError(f"{name} with {str(change)[:80]}: {failure}") from failure
        checked += 1
    assert stored() == before
    assert checked > 140


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "3", "null", "[{}]"])
def test_a_body_that_is_not_an_object_is_refused(request, client_for, world, body):
    before = stored()
    for name, write in writes(world).items():
        client = client_for(request.getfixturevalue(write.persona))
        response = send(client, write, body)
        assert response.status_code == 400, (name, response.content[:200])
        assert response.json()["error"]["code"] == "bad_json", name
    assert stored() == before


@pytest.mark.parametrize(
    "raw",
    ['{"statement": ', "{'statement': 'x'}", '{"statement": NaN}', "[" * 50_000 + "]" * 50_000],
)
def test_json_that_cannot_be_read_is_bad_json(client_for, outsider, tipp, raw):
    """Malformed JSON, NaN, and nesting deeper than the parser follows: 400 bad_json."""
    response = client_for(outsider).post(
        "/api/v1/networks/tipp/apply/", raw, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_json"
    assert not Membership.objects.filter(user=outsider).exists()


@pytest.mark.parametrize(
    ("path", "query", "field_name"),
    [
        ("/api/v1/directory/contact-points/", {"q": "x" * 5000}, "q"),
        ("/api/v1/directory/contact-points/", {"q": "a\x00b"}, "q"),
        ("/api/v1/directory/contact-points/", {"page_size": "many"}, "page_size"),
        ("/api/v1/directory/contact-points/", {"colour": "red"}, "colour"),
        ("/api/v1/directory/authorities/", {"state": "x" * 5000}, "state"),
        ("/api/v1/threads/", {"tag": "Lantern", "sort": "asc"}, "sort"),
        ("/api/v1/translations/", {"message": "not-a-uuid"}, "message"),
        ("/api/v1/translations/notifications/", {"unread": "yes"}, "unread"),
        ("/api/v1/networks/tipp/members/", {"status": "nobody"}, "status"),
    ],
)
def test_bad_query_strings_are_refused_naming_the_parameter(
    client_for, coordinator, path, query, field_name
):
    response = client_for(coordinator).get(path, query)

    refused(response, field_name)


def test_the_two_bodies_that_used_to_crash_the_directory_are_refused(client_for, member, world):
    """A non-text report reason and request_languages of objects: 400 naming the field."""
    client = client_for(member)
    entry = world["entry"].pk
    before = stored()

    report = client.post(
        f"/api/v1/directory/contact-points/{entry}/report/",
        {"reason": {"text": "moved"}},
        content_type="application/json",
    )
    correct = client.post(
        f"/api/v1/directory/contact-points/{entry}/correct/",
        {"request_languages": [{}]},
        content_type="application/json",
    )

    assert refused(report, "reason")["code"] == "invalid_field"
    assert refused(correct, "request_languages")["code"] == "invalid_field"
    assert stored() == before
