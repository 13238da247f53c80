"""Random and mutated frames of every type, through the real application stack (and a few
through a real Daphne): each is answered with an `error` frame of a documented code or with
the frames of a valid answer, never a server fault or a close, and a `ping` sent after them
is still answered.

Hypothesis runs derandomized, with a bounded number of examples and no deadline (the
database is in the loop), so the suite stays fast and repeatable.
"""

import asyncio
import json
import logging
import uuid

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from messaging.realtime import protocol

pytestmark = pytest.mark.django_db(transaction=True)

ERROR_CODES = {
    "bad_json",
    "binary_refused",
    "frame_too_large",
    "frame_too_deep",
    "duplicate_field",
    "unknown_type",
    "unknown_field",
    "missing_field",
    "invalid_field",
    "body_too_large",
    "unknown_room",
    "not_subscribed",
    "forbidden",
    "client_id_conflict",
}
ANSWERS = {
    "subscribed",
    "event",
    "caught_up",
    "unsubscribed",
    "ack",
    "read_ok",
    "typing",
    "pong",
    "room_closed",
}
FUZZ = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def field_values(room_id: str, thread_id: str):
    """Values a field of a frame may be given: plausible ones, and anything at all."""
    plausible = st.one_of(
        st.sampled_from([room_id, thread_id, str(uuid.uuid4()), "not-a-uuid", room_id.upper()]),
        st.integers(min_value=-2, max_value=40),
        st.sampled_from(["H0", "H1", "H3", "B2", "x3", "", "hello"]),
        st.lists(st.integers(min_value=0, max_value=5), max_size=3),
    )
    return st.one_of(plausible, plausible, json_values)


def valid_values(room_id: str, thread_id: str) -> dict:
    """A valid value of each declared field (a send's optional labels included)."""
    return {
        "room": st.just(room_id),
        "thread": st.just(thread_id),
        "client_id": st.uuids().map(str),
        "body": st.text(min_size=1, max_size=40).filter(str.strip),
        "after": st.integers(0, 3),
        "seq": st.integers(0, 5),
        "limit": st.integers(1, 500),
        "handling": st.sampled_from(["H0", "H1", "H2"]),
        "handling_note": st.text(max_size=20),
        "evaluation": st.sampled_from(["A1", "b2", "X4"]),
        "reply_to": st.integers(1, 3),
        "mentions": st.just([]),
        "nonce": st.one_of(st.text(max_size=20), st.integers(-(10**9), 10**9)),
    }


@st.composite
def frames(draw, room_id: str, thread_id: str):
    """A frame of a declared type, well formed or not, perhaps mutated, as text."""
    kind = draw(st.sampled_from(sorted(protocol.FRAMES)))
    valid, anything = valid_values(room_id, thread_id), field_values(room_id, thread_id)
    frame = {"type": kind}
    for name, spec in protocol.FRAMES[kind].items():
        if spec.required or draw(st.booleans()):
            frame[name] = draw(valid[name] if draw(st.integers(0, 5)) else anything)
    mutation = draw(st.sampled_from(["none", "none", "drop", "set", "extra", "whole", "text"]))
    if mutation == "drop" and len(frame) > 1:
        del frame[draw(st.sampled_from(sorted(frame)))]
    elif mutation == "set":
        frame[draw(st.sampled_from(sorted(frame)))] = draw(json_values)
    elif mutation == "extra":
        frame[draw(st.sampled_from(["sender", "seq", "at", "user", "x"]))] = draw(anything)
    elif mutation == "whole":
        return json.dumps(draw(json_values))
    text = json.dumps(frame)
    if mutation == "text":
        at = draw(st.integers(0, len(text)))
        inserted = draw(st.text(alphabet='[]{}",:\\ 0enul', max_size=4))
        text = text[:at] + inserted + text[at + draw(st.integers(0, 3)) :]
    return text or "{}"


async def answers_until_pong(socket, nonce: str) -> list[dict]:
    """Every frame the socket receives up to the pong with `nonce` (a close fails the test)."""
    received = []
    while True:
        output = await socket.receive_output(timeout=5)
        assert output["type"] == "websocket.send", output
        frame = json.loads(output["text"])
        if frame == {"type": "pong", "nonce": nonce}:
            return received
        received.append(frame)


def assert_documented(frame: dict) -> None:
    event(frame.get("code", frame["type"]))
    if frame["type"] == "error":
        assert frame["code"] in ERROR_CODES, frame
        assert frame["message"], frame
    else:
        assert frame["type"] in ANSWERS, frame


@pytest.fixture
def fault_log(caplog):
    """Errors logged by the real-time package (a server fault in a frame)."""
    caplog.set_level(logging.ERROR, logger="messaging.realtime")
    return caplog


@pytest.fixture
async def fuzzed_socket(open_socket, member, frame_clock):
    """One socket of the member for every example of a test (a fixture is built once per
    test, not per example), with a frame budget that never runs out."""
    frame_clock.step = 1.0
    return await open_socket(member)


@FUZZ
@given(data=st.data())
async def test_random_frames_get_an_error_or_an_answer_and_the_socket_stays_usable(
    data, fuzzed_socket, case_room, thread, fault_log
):
    fault_log.clear()
    sent = data.draw(st.lists(frames(str(case_room.pk), str(thread.pk)), min_size=1, max_size=4))
    for text in sent:
        await fuzzed_socket.send_input({"type": "websocket.receive", "text": text})
    nonce = str(uuid.uuid4())
    await fuzzed_socket.send_json_to({"type": "ping", "nonce": nonce})
    for frame in await answers_until_pong(fuzzed_socket, nonce):
        assert_documented(frame)
    assert not [r for r in fault_log.records if r.levelno >= logging.ERROR]


@pytest.fixture
async def daphne_socket(session_cookie, member):
    """A socket of the member on a real Daphne (messaging/realtime/server.py)."""
    from websockets.asyncio.client import connect

    from tests.messaging.servers import daphne

    cookie = await database_sync_to_async(session_cookie)(member)
    with daphne() as (origin, _):
        url = origin.replace("http://", "ws://") + "/ws/v1/"
        async with await connect(
            url, origin=origin, additional_headers={"Cookie": cookie}, open_timeout=20
        ) as socket:
            assert json.loads(await socket.recv())["type"] == "hello"
            yield socket


@pytest.mark.postgres
@settings(FUZZ, max_examples=8)
@given(data=st.data())
async def test_random_frames_through_daphne_get_an_error_or_an_answer(
    data, daphne_socket, case_room, thread
):
    """As above, through Daphne and a real client, binary frames included. At most 32
    frames in all: within one burst of the frame budget, whose clock is real here."""
    sent = data.draw(
        st.lists(
            st.one_of(*[frames(str(case_room.pk), str(thread.pk))] * 3, st.binary(max_size=20)),
            min_size=1,
            max_size=3,
        )
    )
    for message in sent:
        await daphne_socket.send(message)
    nonce = str(uuid.uuid4())
    await daphne_socket.send(json.dumps({"type": "ping", "nonce": nonce}))
    async with asyncio.timeout(10):
        while (frame := json.loads(await daphne_socket.recv())) != {"type": "pong", "nonce": nonce}:
            assert_documented(frame)
