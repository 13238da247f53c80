"""The access matrix: every route, API operation and WebSocket frame type, tried by every
kind of actor, with the exact outcome the rules give (tests/security/matrix_rows.py for the
HTTP rows and the rules they come from, FRAME_ROWS below for the frames).

The world (tests/security/matrix_world.py) is written once per module and committed, so that
the WebSocket consumer, whose database calls run in threads of their own, sees it too. Each
HTTP row runs inside a transaction that is rolled back, so that an approved membership, a
revoked token or an ended session never changes the next row. The module empties the
database when it ends, as a transactional test does.

A route, an operation of the OpenAPI schema or a frame type without a row fails
`test_every_*` below: a new way in must come with its row.
"""

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.management import call_command
from django.shortcuts import resolve_url

from tests.security.matrix_routes import (
    api_operations,
    inbound_frame_types,
    row_path,
    schema_path,
    url_patterns,
)
from tests.security.matrix_rows import INACTIVE, NOT_READERS, READERS, ROWS, Row
from tests.security.matrix_world import ACTORS, World, build_world

ORIGIN = "http://127.0.0.1:8000"
# How long a closed socket's application may take to stop before it is cancelled; with
# channels_redis, its pending receive from the layer can hold it for a second.
STOP_WAIT = 0.2


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        if not Path(str(connection.settings_dict["NAME"])).name.startswith("test"):
            pytest.fail(
                "The matrix writes and then empties the database, so it runs on a test "
                "database only; pytest sets one up when a selected test uses `db` (select at "
                "least one HTTP row of the matrix)."
            )
        built = build_world()
    yield built
    with django_db_blocker.unblock():
        call_command("flush", verbosity=0, interactive=False)


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings):
    """Each row starts with an empty cache: rate limits spent by one row (a burst of the
    same actor's requests) never decide another's outcome."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    from django.core.cache import cache

    cache.clear()


# --- HTTP ------------------------------------------------------------------------------------


def _request(row: Row, world: World, actor: str):
    client = world.client(actor)
    path = row_path(row, world.ids)
    data = row.data(world.ids) if callable(row.data) else row.data
    send = getattr(client, row.method.lower())
    if row.method == "GET":
        return path, client.get(path)
    if data is None:
        return path, send(path)
    if row.encoding == "json":
        return path, send(path, json.dumps(data), content_type="application/json")
    return path, send(path, data) if row.method == "POST" else send(path, data)


def _seen(response) -> str:
    location = response.get("Location", "")
    return f"{response.status_code} {location}".strip()


def _matches(expected, response, path: str) -> bool:
    if isinstance(expected, int):
        return response.status_code == expected
    status, where = expected.split(" ", 1)
    if response.status_code != int(status):
        return False
    location = response["Location"]
    if where == "sign-in":
        return location == f"{resolve_url(settings.LOGIN_URL)}?next={quote(path, safe='/')}"
    if where == "verify":
        return location == "/accounts/sign-in/verify/"
    return location.startswith(where)


def _http_cases():
    for row in ROWS:
        for actor in ACTORS:
            marks = ()
            if actor in row.xfail:
                marks = (pytest.mark.xfail(strict=True, reason=row.xfail[actor]),)
            yield pytest.param(row, actor, id=f"{row.key} | {actor}", marks=marks)


@pytest.mark.parametrize(("row", "actor"), list(_http_cases()))
def test_access_matrix(world, db, row, actor):
    """Each route × method answers each kind of actor exactly as the rules say."""
    expected = row.expect[actor]
    path, response = _request(row, world, actor)

    assert _matches(expected, response, path), (
        f"{row.key} as {actor}: expected {expected}, got {_seen(response)}"
    )


# --- WebSocket frames ------------------------------------------------------------------------

# What a frame needs before it: a subscription to the room (for the readers it succeeds; for
# everyone else it is refused as unknown_room, and the frame itself is then tried anyway).
SUBSCRIBED = ("unsubscribe", "catch_up", "typing")
# Frames that answer nothing when accepted (docs/protocol.md): a ping follows them, so that
# "accepted" is seen as the pong coming first, and a refusal as the error before it.
SILENT = ("typing",)


def _frame(frame_type: str, ids: dict, head: int | None) -> dict:
    room = str(ids["room"])
    return {
        "subscribe": {"type": "subscribe", "room": room},
        "unsubscribe": {"type": "unsubscribe", "room": room},
        "catch_up": {"type": "catch_up", "room": room, "after": head or 0},
        "send": {
            "type": "send",
            "room": room,
            "thread": str(ids["thread"]),
            "client_id": "5b0c7cf5-8f4e-4b9e-9a55-0b3f8c1b9d2e",
            "body": "Seen at the port.",
        },
        "typing": {"type": "typing", "room": room, "thread": str(ids["thread"])},
        "read": {"type": "read", "room": room, "seq": ids["seq"]},
        "ping": {"type": "ping", "nonce": "n-1"},
    }[frame_type]


def _frame_outcomes(reader: str, other: str, support: str | None = None) -> dict:
    """Refused at the handshake without a verified session (4401) or without an active
    membership anywhere (4403); then `reader` for the room's readers, `other` for every
    other connected actor; the support participant reads the room but none of its threads
    (`support`, if that makes a difference)."""
    expect = {"anonymous": "close 4401", "half": "close 4401"}
    expect.update(dict.fromkeys(INACTIVE, "close 4403"))
    expect.update(dict.fromkeys(NOT_READERS, other))
    expect.update(dict.fromkeys(READERS, reader))
    expect["support"] = expect["observer"] = expect["guest"] = support or reader
    return expect


FRAME_ROWS = {
    "subscribe": _frame_outcomes("subscribed", "error unknown_room"),
    "unsubscribe": _frame_outcomes("unsubscribed", "error not_subscribed"),
    "catch_up": _frame_outcomes("caught_up", "error not_subscribed"),
    "send": _frame_outcomes("ack", "error unknown_room", "error invalid_field"),
    "typing": _frame_outcomes("pong", "error not_subscribed"),
    "read": _frame_outcomes("read_ok", "error unknown_room"),
    "ping": _frame_outcomes("pong", "pong"),
}


def _answer(message: dict) -> str:
    if message["type"] == "websocket.close":
        return f"close {message.get('code')}"
    frame = json.loads(message["text"])
    return f"error {frame['code']}" if frame["type"] == "error" else frame["type"]


async def _frame_outcome(world: World, actor: str, frame_type: str) -> str:
    from channels.testing import WebsocketCommunicator

    from network.asgi import application

    headers = [(b"origin", ORIGIN.encode())]
    if actor in world.sessions:
        cookie = f"{settings.SESSION_COOKIE_NAME}={world.sessions[actor]}"
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, "/ws/v1/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    greeting = _answer(await communicator.receive_output(timeout=5))
    if greeting != "hello":  # refused at the handshake
        await communicator.disconnect(timeout=STOP_WAIT)
        return greeting
    try:
        head = None
        if frame_type in SUBSCRIBED:
            await communicator.send_json_to(_frame("subscribe", world.ids, None))
            while True:
                frame = await communicator.receive_json_from(timeout=5)
                if frame["type"] == "subscribed":
                    head = frame["head"]
                if frame["type"] in ("caught_up", "error"):
                    break
        await communicator.send_json_to(_frame(frame_type, world.ids, head))
        if frame_type in SILENT:
            await communicator.send_json_to(_frame("ping", world.ids, None))
        while True:
            answer = _answer(await communicator.receive_output(timeout=5))
            if answer != "event":  # live events of the room may come first
                return answer
    finally:
        await communicator.disconnect(timeout=STOP_WAIT)


def _frame_cases():
    for frame_type, expect in FRAME_ROWS.items():
        for actor in ACTORS:
            yield pytest.param(frame_type, actor, expect[actor], id=f"{frame_type} | {actor}")


@pytest.mark.parametrize(("frame_type", "actor", "expected"), list(_frame_cases()))
def test_frame_matrix(world, django_db_blocker, frame_type, actor, expected):
    """Each inbound frame type, sent by each kind of actor, gets the answer the rules give:
    the handshake refused (4401, 4403), an error code, or the frame's answer."""
    # Outside a test transaction: the consumer closes its connections around each database
    # call, which would end one. What a frame writes (a message, a read marker) stays in the
    # world until the module empties the database, and changes no row's outcome.
    with django_db_blocker.unblock():
        outcome = async_to_sync(_frame_outcome)(world, actor, frame_type)

    assert outcome == expected, f"{frame_type} as {actor}: expected {expected}, got {outcome}"


# --- Nothing without a row -------------------------------------------------------------------


def test_every_url_pattern_has_rows():
    """Every URL pattern of the root URLconf has a row (pages: GET and POST each), and no
    row names a route that no longer exists."""
    patterns = set(url_patterns())
    rows = {(row.route, row.method) for row in ROWS}
    routes = {route for route, _ in rows}

    assert patterns - routes == set(), "routes without a row"
    assert routes - patterns == set(), "rows for routes that do not exist"
    pages = {route for route in patterns if not route.startswith("/api/")}
    missing = {(route, m) for route in pages for m in ("GET", "POST")} - rows
    assert missing == set(), "pages without a GET and a POST row"


def test_every_api_operation_has_a_row():
    """Every operation of the OpenAPI schema (method × path) has a row, and every API row
    is an operation of the schema (or the schema and its documentation page)."""
    rows = {(row.method, schema_path(row.route)) for row in ROWS if row.route.startswith("/api/")}
    operations = api_operations()

    assert operations - rows == set(), "operations without a row"
    outside_the_schema = {
        ("GET", "/api/v1/schema/"),
        ("GET", "/api/v1/docs/"),
        ("GET", "/api/"),  # every unknown path under /api/
        ("POST", "/api/"),
    }
    undocumented = rows - operations - outside_the_schema
    assert undocumented == set(), "rows for operations the schema does not list"


def test_every_frame_type_has_a_row():
    """Every inbound frame type of the protocol has a row."""
    assert set(FRAME_ROWS) == inbound_frame_types()


def test_every_row_names_every_actor():
    """No row leaves an actor out (or names one that does not exist)."""
    for row in ROWS:
        assert set(row.expect) == set(ACTORS), row.key
    for frame_type, expect in FRAME_ROWS.items():
        assert set(expect) == set(ACTORS), frame_type


def test_the_matrix_size():
    """The size stated in docs/security.md (update both together): URL patterns, HTTP rows
    (route × method, and variants of a body), frame types, actors."""
    size = (len(url_patterns()), len({row.key for row in ROWS}), len(FRAME_ROWS), len(ACTORS))

    assert size == (212, 344, 7, 15)
