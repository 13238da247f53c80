"""The per-socket frame budget of docs/protocol.md: bursts of 40 frames, 20 per second
sustained, `rate_limited` past it, and 4429 after more than 50 refused frames in a row. The
budget's clock is moved by hand: nothing here depends on how fast the machine is."""

import json

import pytest

from messaging.realtime import flood
from messaging.realtime.flood import FrameBudget
from tests.messaging.conftest import ManualClock

pytestmark = pytest.mark.django_db(transaction=True)


def admitted(budget: FrameBudget, frames: int) -> int:
    return sum(1 for _ in range(frames) if budget.admit() == 0)


def test_a_fresh_budget_lets_exactly_a_burst_through():
    budget = FrameBudget(clock=ManualClock())
    assert admitted(budget, 100) == flood.CAPACITY == 40


def test_the_budget_refills_at_its_rate():
    clock = ManualClock()
    budget = FrameBudget(clock=clock)
    admitted(budget, 40)
    assert budget.admit() == pytest.approx(1 / 20)  # the wait for the next token
    clock.advance(0.5)
    assert admitted(budget, 100) == 10


def test_the_refill_stops_at_the_capacity():
    """A socket quiet for an hour may still send only one burst at once."""
    clock = ManualClock()
    budget = FrameBudget(clock=clock)
    admitted(budget, 40)
    clock.advance(3600)
    assert admitted(budget, 1000) == 40


def test_an_admitted_frame_clears_the_strikes():
    clock = ManualClock()
    budget = FrameBudget(clock=clock)
    admitted(budget, 40 + 50)
    assert budget.strikes == 50 and not budget.exhausted
    clock.advance(1 / 20)
    assert budget.admit() == 0
    assert budget.strikes == 0
    admitted(budget, 50)
    assert not budget.exhausted
    budget.admit()
    assert budget.exhausted


async def pings(socket, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        await socket.send_to(text_data=json.dumps({"type": "ping", "nonce": n}))


async def answers(socket, count: int) -> list[dict]:
    return [await socket.receive_json_from() for _ in range(count)]


def kinds(frames: list[dict]) -> list[str]:
    return [frame.get("code", frame["type"]) for frame in frames]


async def test_a_socket_gets_exactly_its_burst_then_rate_limited(open_socket, member, frame_clock):
    socket = await open_socket(member)
    await pings(socket, 60)
    frames = await answers(socket, 60)
    assert kinds(frames) == ["pong"] * 40 + ["rate_limited"] * 20
    assert [frame["nonce"] for frame in frames[:40]] == list(range(40))
    assert all(frame["retry_after"] == 0.05 for frame in frames[40:])
    assert all(frame["ref"] is None for frame in frames[40:])


async def test_a_flood_past_the_strike_limit_closes_the_socket_with_4429(
    open_socket, member, frame_clock
):
    socket = await open_socket(member)
    await pings(socket, 40 + 50)
    assert kinds(await answers(socket, 90)) == ["pong"] * 40 + ["rate_limited"] * 50
    await pings(socket, 1)
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4429}


async def test_a_rate_limited_socket_recovers_when_its_budget_refills(
    open_socket, member, frame_clock
):
    """After `retry_after` one frame passes, and the strikes start again from zero: 50 more
    refused frames do not close the socket, the 51st does."""
    socket = await open_socket(member)
    await pings(socket, 40 + 50)
    frames = await answers(socket, 90)
    frame_clock.advance(frames[-1]["retry_after"])
    await socket.send_json_to({"type": "ping", "nonce": "after"})
    assert await socket.receive_json_from() == {"type": "pong", "nonce": "after"}
    await pings(socket, 50)
    assert kinds(await answers(socket, 50)) == ["rate_limited"] * 50
    await pings(socket, 1)
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4429}


async def test_refused_frames_count_against_the_budget_too(open_socket, member, frame_clock):
    socket = await open_socket(member)
    for _ in range(40):
        await socket.send_to(text_data="{not json")
    assert kinds(await answers(socket, 40)) == ["bad_json"] * 40
    await pings(socket, 1)
    assert kinds(await answers(socket, 1)) == ["rate_limited"]
