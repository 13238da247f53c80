"""Rooms for the messaging tests: a case room of TIPP with the member and a counterpart."""

import uuid

import pytest

from messaging import actions, posting


@pytest.fixture
def thread(case_room, member):
    return actions.create_thread(
        room=case_room,
        creator=member,
        title="Recruitment agency",
        tags=[
            {"kind": "case_number", "state": "ES", "value": "DP 123/2025"},
            {"kind": "operation", "value": "Lantern"},
        ],
    )


@pytest.fixture
def post(thread):
    def send(sender, body="hello", **fields):
        fields.setdefault("client_id", uuid.uuid4())
        return posting.post_message(
            room=thread.room, sender=sender, thread=thread, body=body, **fields
        )

    return send


ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture
def session_cookie(client_for):
    """`sessionid=…` of a session of `user` that passed both factors."""

    def make(user) -> str:
        client = client_for(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    return make


@pytest.fixture
async def open_socket(session_cookie):
    """An async factory: a connected WebsocketCommunicator for `user` (hello consumed).

    Every socket opened is disconnected at the end of the test.
    """
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from network.asgi import application

    opened = []

    async def make(user=None, *, cookie=None, origin=ORIGIN, expect_hello=True):
        if cookie is None and user is not None:
            cookie = await database_sync_to_async(session_cookie)(user)
        headers = [(b"origin", origin.encode())] if origin is not None else []
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, "/ws/v1/", headers=headers)
        communicator.accepted = False
        opened.append(communicator)
        connected, _ = await communicator.connect()
        communicator.accepted = connected
        if expect_hello:
            assert connected
            hello = await communicator.receive_json_from()
            assert hello["type"] == "hello"
        return communicator

    yield make

    for communicator in opened:
        if communicator.accepted:
            await communicator.disconnect()
        else:  # refused at the handshake: the application has already finished
            await communicator.wait()


class ManualClock:
    """A monotonic clock that moves only when told."""

    def __init__(self, start: float = 1000.0, *, step: float = 0.0):
        self.now, self.step = start, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def frame_clock(monkeypatch):
    """The clock of every socket's frame budget (messaging/realtime/flood.py), moved by hand:
    still unless the test moves it."""
    from messaging.realtime import flood

    clock = ManualClock()
    monkeypatch.setattr(flood, "monotonic", clock)
    return clock


class ManualTimers:
    """Wall-clock time and timers for the sockets' session watch
    (messaging/realtime/session_watch.py), moved by hand: `await advance(seconds)` runs the
    timers that fall due and waits for what they started."""

    class Handle:
        def __init__(self, due, callback):
            self.due, self.callback, self.cancelled = due, callback, False

        def cancel(self):
            self.cancelled = True

    def __init__(self, start: float):
        self.current, self.timers = start, []

    def now(self) -> float:
        return self.current

    def call_later(self, delay, callback):
        handle = self.Handle(self.current + delay, callback)
        self.timers.append(handle)
        return handle

    async def advance(self, seconds: float) -> None:
        import asyncio

        self.current += seconds
        due = [t for t in self.timers if t.due <= self.current and not t.cancelled]
        self.timers = [t for t in self.timers if t not in due and not t.cancelled]
        started = [t.callback() for t in sorted(due, key=lambda t: t.due)]
        await asyncio.gather(*[s for s in started if asyncio.isfuture(s)])


@pytest.fixture
def session_clock(monkeypatch):
    """The sockets' session clock, starting now and moved by hand."""
    import time

    from messaging.realtime import session_watch

    timers = ManualTimers(time.time())
    monkeypatch.setattr(session_watch, "clock", timers)
    return timers


@pytest.fixture
def redis_servers():
    """Two Daphne processes of the project on one PostgreSQL database and one Redis: what one
    sends through the first reaches the sockets of the second (tests/messaging/servers.py)."""
    from tests.messaging.servers import daphne

    with daphne(redis=True) as (first, _), daphne(redis=True) as (second, _):
        yield first, second
