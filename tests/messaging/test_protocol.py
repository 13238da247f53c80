"""The inbound frames of docs/protocol.md: every violation is an `error` frame with its own
code and field, nothing is stored, and the socket keeps working; the checks run on the raw
text before any nested value is parsed."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async

from messaging.models import Message, RoomEvent
from messaging.realtime import protocol
from messaging.realtime.protocol import ProtocolError

pytestmark = pytest.mark.django_db(transaction=True)

ROOM = "9b2d7c43-6f1e-4c55-9d6e-0c8f3a1e2b47"
NESTED = '{"type": "ping", "nonce": ' + "[" * 32_000 + "]" * 32_000 + "}"


def _send(**fields) -> dict:
    return {
        "type": "send",
        "room": ROOM,
        "thread": str(uuid.uuid4()),
        "client_id": str(uuid.uuid4()),
        "body": "hello",
        **fields,
    }


# (raw text, code, field)
REFUSED = [
    (NESTED, "frame_too_deep", None),
    ('{"type": "ping", "nonce": "' + "[" * 60_000 + '"}', "invalid_field", "nonce"),
    ('{"type": "ping", "nonce": NaN}', "bad_json", None),
    ('{"type": "ping", "nonce": Infinity}', "bad_json", None),
    ('{"type": "ping", "nonce": -Infinity}', "bad_json", None),
    ('{"type": "ping", "nonce": 1e309}', "bad_json", None),
    ('{"type": "read", "room": "' + ROOM + '", "seq": ' + "9" * 5000 + "}", "bad_json", None),
    ('{"type": "ping", "type": "send"}', "duplicate_field", "type"),
    ('{"type": "ping", "nonce": {"a": 1, "a": 2}}', "duplicate_field", "a"),
    ("[]", "bad_json", None),
    ("null", "bad_json", None),
    ("3", "bad_json", None),
    ("", "bad_json", None),
    ('{"type": ["x"]}', "unknown_type", "type"),
    ('{"type": {}}', "unknown_type", "type"),
    ('{"type": null}', "unknown_type", "type"),
    ('{"type": 1}', "unknown_type", "type"),
    ('{"type": "Ping"}', "unknown_type", "type"),
    ("{}", "unknown_type", "type"),
    ('{"type": "ping", "\\ud800": 1}', "bad_json", None),
    (json.dumps({"type": "ping", "nonce": True}), "invalid_field", "nonce"),
    (json.dumps({"type": "ping", "nonce": 1.5}), "invalid_field", "nonce"),
    (json.dumps({"type": "ping", "nonce": ["x"]}), "invalid_field", "nonce"),
    (json.dumps({"type": "ping", "nonce": "x" * 101}), "invalid_field", "nonce"),
    (json.dumps({"type": "ping", "nonce": 10**101}), "invalid_field", "nonce"),
    (json.dumps({"type": "ping", "sender": 1}), "unknown_field", "sender"),
    (json.dumps({"type": "subscribe"}), "missing_field", "room"),
    (json.dumps({"type": "subscribe", "room": None}), "missing_field", "room"),
    (json.dumps({"type": "subscribe", "room": 7}), "invalid_field", "room"),
    (json.dumps({"type": "subscribe", "room": [ROOM]}), "invalid_field", "room"),
    (json.dumps({"type": "subscribe", "room": "nope"}), "unknown_room", "room"),
    (json.dumps({"type": "subscribe", "room": ROOM, "after": True}), "invalid_field", "after"),
    (json.dumps({"type": "subscribe", "room": ROOM, "after": -1}), "invalid_field", "after"),
    (json.dumps({"type": "subscribe", "room": ROOM, "after": 1.0}), "invalid_field", "after"),
    (json.dumps({"type": "subscribe", "room": ROOM, "after": "1"}), "invalid_field", "after"),
    (json.dumps({"type": "subscribe", "room": ROOM, "after": 2**63}), "invalid_field", "after"),
    (json.dumps({"type": "catch_up", "room": ROOM}), "missing_field", "after"),
    (
        json.dumps({"type": "catch_up", "room": ROOM, "after": 0, "limit": 0}),
        "invalid_field",
        "limit",
    ),
    (
        json.dumps({"type": "catch_up", "room": ROOM, "after": 0, "limit": 501}),
        "invalid_field",
        "limit",
    ),
    (
        json.dumps({"type": "catch_up", "room": ROOM, "after": 0, "limit": True}),
        "invalid_field",
        "limit",
    ),
    (json.dumps({"type": "read", "room": ROOM}), "missing_field", "seq"),
    (json.dumps({"type": "read", "room": ROOM, "seq": False}), "invalid_field", "seq"),
    (json.dumps({"type": "typing", "room": ROOM}), "missing_field", "thread"),
    (json.dumps({"type": "typing", "room": ROOM, "thread": "t"}), "invalid_field", "thread"),
    (json.dumps({"type": "unsubscribe", "room": ROOM, "after": 1}), "unknown_field", "after"),
    (json.dumps(_send(handling=[])), "invalid_field", "handling"),
    (json.dumps(_send(handling={})), "invalid_field", "handling"),
    (json.dumps(_send(handling="h1")), "invalid_field", "handling"),
    (json.dumps(_send(handling_note=["x"])), "invalid_field", "handling_note"),
    (json.dumps(_send(handling_note="x" * 501)), "invalid_field", "handling_note"),
    (json.dumps(_send(evaluation="B9")), "invalid_field", "evaluation"),
    (json.dumps(_send(evaluation=12)), "invalid_field", "evaluation"),
    (json.dumps(_send(reply_to=True)), "invalid_field", "reply_to"),
    (json.dumps(_send(reply_to=0)), "invalid_field", "reply_to"),
    (json.dumps(_send(reply_to="3")), "invalid_field", "reply_to"),
    (json.dumps(_send(mentions=[True])), "invalid_field", "mentions"),
    (json.dumps(_send(mentions=[2**63])), "invalid_field", "mentions"),
    (json.dumps(_send(mentions=list(range(1, 52)))), "invalid_field", "mentions"),
    (json.dumps(_send(mentions={"1": 1})), "invalid_field", "mentions"),
    (json.dumps(_send(body=None)), "missing_field", "body"),
    (json.dumps(_send(body=5)), "invalid_field", "body"),
    (json.dumps(_send(body={"text": "x"})), "invalid_field", "body"),
    (json.dumps(_send(client_id=None)), "missing_field", "client_id"),
    (json.dumps(_send(client_id=12)), "invalid_field", "client_id"),
    (json.dumps(_send(thread=["x"])), "invalid_field", "thread"),
    (json.dumps(_send(sender=1)), "unknown_field", "sender"),
    (json.dumps(_send(seq=1)), "unknown_field", "seq"),
    (json.dumps(_send(created_at="2020-01-01T00:00:00Z")), "unknown_field", "created_at"),
]


@pytest.mark.parametrize(("text", "code", "field"), REFUSED)
def test_each_violation_has_its_code_and_field(text, code, field):
    with pytest.raises(ProtocolError) as refused:
        protocol.validate(text)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_a_refused_send_refers_to_its_client_id_when_that_is_valid():
    frame = _send(handling=[])
    with pytest.raises(ProtocolError) as refused:
        protocol.validate(json.dumps(frame))
    assert refused.value.ref == frame["client_id"]
    with pytest.raises(ProtocolError) as refused:
        protocol.validate(json.dumps({**frame, "client_id": "x"}))
    assert refused.value.ref == "send"


def test_a_valid_frame_comes_back_with_canonical_ids_and_defaults():
    frame = protocol.validate(
        json.dumps({"type": "catch_up", "room": ROOM.upper(), "after": 3, "limit": None})
    )
    assert frame == {"type": "catch_up", "room": ROOM, "after": 3, "limit": 200}
    send = protocol.validate(json.dumps(_send(handling=None, evaluation="b2", mentions=[4])))
    assert send["handling"] is None and send["evaluation"] == "b2" and send["mentions"] == [4]
    assert protocol.validate('{"type": "ping"}') == {"type": "ping", "nonce": None}


def test_brackets_inside_strings_do_not_count_as_depth():
    body = "[[[[[[[[[[{{{{{{{{{{ \\" + '"' + " [[[[[[[[[[["
    frame = protocol.validate(json.dumps(_send(body=body)))
    assert frame["body"] == body


def test_the_depth_limit_counts_the_frame_itself():
    nested = "[" * (protocol.MAX_DEPTH - 1) + "]" * (protocol.MAX_DEPTH - 1)
    with pytest.raises(ProtocolError) as refused:  # deep enough, but not a nonce
        protocol.validate('{"type": "ping", "nonce": ' + nested + "}")
    assert refused.value.code == "invalid_field"
    with pytest.raises(ProtocolError) as refused:
        protocol.validate('{"type": "ping", "nonce": [' + nested + "]}")
    assert refused.value.code == "frame_too_deep"


async def test_violations_through_the_socket_get_error_frames_and_the_socket_stays_usable(
    open_socket, member, case_room, thread, frame_clock
):
    """Every refused frame is answered with its code and field, in order, on the same
    socket; nothing is stored; a ping is answered after them all."""
    frame_clock.step = 1.0  # a second between frames: the frame budget never runs out
    socket = await open_socket(member)
    events_before = await database_sync_to_async(RoomEvent.objects.count)()
    for text, code, field in REFUSED:
        await socket.send_input({"type": "websocket.receive", "text": text})
        error = await socket.receive_json_from()
        assert (error["type"], error["code"], error.get("field")) == ("error", code, field)
        assert error["message"]
    await socket.send_json_to({"type": "ping", "nonce": "after all"})
    assert await socket.receive_json_from() == {"type": "pong", "nonce": "after all"}
    assert await database_sync_to_async(Message.objects.count)() == 0
    assert await database_sync_to_async(RoomEvent.objects.count)() == events_before


async def test_an_empty_handling_list_is_refused_not_stored_as_h0(
    open_socket, member, case_room, thread
):
    socket = await open_socket(member)
    frame = {
        "type": "send",
        "room": str(case_room.pk),
        "thread": str(thread.pk),
        "client_id": str(uuid.uuid4()),
        "body": "labelled",
        "handling": [],
    }
    await socket.send_json_to(frame)
    error = await socket.receive_json_from()
    assert (error["code"], error["field"], error["ref"]) == (
        "invalid_field",
        "handling",
        frame["client_id"],
    )
    assert await database_sync_to_async(Message.objects.count)() == 0


def test_the_send_pipeline_refuses_a_handling_that_is_not_text(member, thread):
    """The same rule where the API and the forms post: only a missing handling means H0."""
    from messaging import posting
    from messaging.errors import MessagingError

    for handling in ([], {}, 0, False):
        with pytest.raises(MessagingError) as refused:
            posting.post_message(
                room=thread.room,
                sender=member,
                thread=thread,
                client_id=uuid.uuid4(),
                body="labelled",
                handling_code=handling,
            )
        assert (refused.value.code, refused.value.field) == ("invalid_field", "handling")
    assert Message.objects.count() == 0
