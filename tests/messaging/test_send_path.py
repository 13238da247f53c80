"""The send path of the WebSocket server: group commit per room, the per-process bound on
sends in progress, notices sent from the event loop, and the database connection pool
setting."""

import asyncio
import os
import subprocess
import sys
import threading
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import connection, transaction

from messaging import actions, events, posting
from messaging.models import Message, Room
from messaging.realtime import broadcast
from messaging.realtime.db import run_in_db
from messaging.realtime.send_queue import get_send_queue

pytestmark = pytest.mark.django_db(transaction=True)


def send_frame(room, thread, client_id, body="hello"):
    return {
        "type": "send",
        "room": str(room.pk),
        "thread": str(thread.pk),
        "client_id": str(client_id),
        "body": body,
    }


async def test_a_send_past_the_process_bound_is_rate_limited_and_stores_nothing(
    open_socket, member, thread, settings
):
    """At its bound of sends in progress a process refuses a send at once with
    `rate_limited` and a retry delay; nothing is stored and the same send passes later."""
    socket = await open_socket(member)
    client_id = uuid.uuid4()
    settings.COUNTERPART_MAX_PENDING_SENDS = 0
    await socket.send_json_to(send_frame(thread.room, thread, client_id))
    refused = await socket.receive_json_from()
    assert refused["type"] == "error"
    assert refused["code"] == "rate_limited"
    assert refused["ref"] == str(client_id)
    assert refused["retry_after"] > 0
    assert await database_sync_to_async(Message.objects.count)() == 0

    settings.COUNTERPART_MAX_PENDING_SENDS = 1
    await socket.send_json_to(send_frame(thread.room, thread, client_id))
    ack = await socket.receive_json_from()
    assert ack["type"] == "ack"
    assert ack["duplicate"] is False
    assert await database_sync_to_async(Message.objects.count)() == 1


@pytest.mark.postgres
async def test_sends_that_queue_behind_a_write_are_stored_together(
    open_socket, member, counterpart, thread, settings
):
    """Group commit: while the process's write waits on the room row, the sends that arrive
    queue in the process and are then stored by one transaction with one notice; every
    sender gets its own ack and the room's numbering has no gap. (A socket handles its frames
    one after another, so each queued send comes from a socket of its own.)"""
    settings.COUNTERPART_MAX_PENDING_SENDS = 64
    room_id = str(thread.room_id)
    layer = broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP)
    notices = await layer.new_channel()
    await layer.group_add(broadcast.ROOM_EVENTS_GROUP, notices)
    sockets = [await open_socket([member, counterpart][n % 2]) for n in range(11)]
    release, held = threading.Event(), threading.Event()

    def hold_the_room():
        try:
            with transaction.atomic():
                Room.objects.select_for_update().get(pk=room_id)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_room)
    holder.start()
    assert await asyncio.to_thread(held.wait, 10)
    client_ids = [uuid.uuid4() for _ in sockets]
    await sockets[0].send_json_to(send_frame(thread.room, thread, client_ids[0], "first"))
    await _until(lambda: _lock_waiters() >= 1)  # the room's writer, with a batch of one
    for n in range(1, 11):
        await sockets[n].send_json_to(send_frame(thread.room, thread, client_ids[n], f"n{n}"))
    await _until(lambda: len(get_send_queue().waiting) == 10, sync=True)
    release.set()
    await asyncio.to_thread(holder.join)

    acks = {}
    for socket in sockets:
        frame = await socket.receive_json_from(timeout=10)
        assert frame["type"] == "ack", frame
        acks[frame["client_id"]] = frame["seq"]
    seqs = [acks[str(client_id)] for client_id in client_ids]
    assert seqs == list(range(seqs[0], seqs[0] + 11))
    announced = [(await layer.receive(notices))["rooms"] for _ in range(2)]
    assert announced == [{room_id: seqs[0]}, {room_id: seqs[-1]}]
    assert await database_sync_to_async(Message.objects.count)() == 11


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


async def _until(condition, *, sync=False, timeout=10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        done = condition() if sync else await database_sync_to_async(condition)()
        if done:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


async def test_a_committed_write_is_announced_even_when_the_call_fails_afterwards(
    member, counterpart, thread
):
    """Notices of a database call are sent from the event loop after the call; a commit made
    before the call raised is still announced, with the room's seq, the message's frame (the
    very text a hub would render from the database) and the room's readers."""
    layer = broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP)
    channel = await layer.new_channel()
    await layer.group_add(broadcast.ROOM_EVENTS_GROUP, channel)

    def post_then_fail():
        posting.post_message(
            room=thread.room, sender=member, thread=thread, client_id=uuid.uuid4(), body="hi"
        )
        raise LookupError("after the commit")

    with pytest.raises(LookupError):
        await run_in_db(post_then_fail)()
    notice = await layer.receive(channel)
    stored = await database_sync_to_async(Message.objects.get)()
    room = str(thread.room_id)
    (loaded,) = await database_sync_to_async(events.events_after)(room, stored.seq - 1, 1)
    assert notice == {
        "type": "room.events",
        "rooms": {room: stored.seq},
        "frames": {room: [[stored.seq, events.event_frame(loaded)]]},
        "readers": {room: sorted([member.pk, counterpart.pk])},
    }


async def test_a_batch_in_several_rooms_is_announced_by_one_notice(member, counterpart, thread):
    """One notice per database call, whatever the number of rooms: each room with its last
    seq."""
    other = await database_sync_to_async(actions.create_room)(
        kind="case", creator=member, title="Other", participants=[counterpart]
    )
    other_thread = await database_sync_to_async(actions.create_thread)(
        room=other, creator=member, title="Other thread"
    )
    layer = broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP)
    channel = await layer.new_channel()
    await layer.group_add(broadcast.ROOM_EVENTS_GROUP, channel)

    def request(in_thread, body):
        return posting.SendRequest(
            sender=member, thread=in_thread, client_id=uuid.uuid4(), body=body
        )

    results = await run_in_db(posting.post_to_rooms)(
        [
            (thread.room, [request(thread, "one")]),
            (other, [request(other_thread, "two"), request(other_thread, "three")]),
        ]
    )
    (first,), (_, last) = results
    notice = await layer.receive(channel)
    assert notice["rooms"] == {
        str(thread.room_id): first.message.seq,
        str(other.pk): last.message.seq,
    }
    carried = {room: [seq for seq, _ in frames] for room, frames in notice["frames"].items()}
    assert carried == {
        str(thread.room_id): [first.message.seq],
        str(other.pk): [last.message.seq - 1, last.message.seq],
    }
    # Every notice of the call was sent before it returned: the next on the channel is ours.
    await layer.send(channel, {"type": "test.marker"})
    assert (await layer.receive(channel))["type"] == "test.marker"


@pytest.mark.postgres
async def test_a_notice_that_comes_while_a_room_is_being_joined_is_kept(
    member, thread, settings, monkeypatch
):
    """A hub reads the room's head when its first local socket subscribes; an event committed
    and announced while that read is under way is delivered once the room is joined. (On
    SQLite the database calls of a process run one after another: no write can come between.)"""
    from messaging.realtime import hub

    settings.COUNTERPART_DELIVERY_LINGER_MS = 0
    room_hub = hub.RoomHub(broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP))
    read, go_on = threading.Event(), threading.Event()
    head_of = hub._room_head

    def slow_head(room):
        head = head_of(room)
        read.set()
        go_on.wait(10)
        return head

    monkeypatch.setattr(hub, "_room_head", slow_head)
    delivered = []

    class Socket:
        async def deliver(self, room, seq, text):
            delivered.append(seq)

        async def room_lost(self, room):
            delivered.append("lost")

    socket, room = Socket(), str(thread.room_id)
    meta = {"id": room, "kind": thread.room.kind, "network_id": thread.room.network_id}
    joining = asyncio.ensure_future(room_hub.subscribe(socket, meta, member.pk))
    assert await asyncio.to_thread(read.wait, 10)
    stored = await run_in_db(posting.post_message)(
        room=thread.room, sender=member, thread=thread, client_id=uuid.uuid4(), body="early"
    )
    await _until(lambda: room in room_hub._pending, sync=True)
    await room_hub._drainer  # a drain runs meanwhile (no linger) and keeps the notice
    assert room in room_hub._pending
    go_on.set()
    await joining
    await _until(lambda: delivered, sync=True, timeout=3)
    assert delivered == [stored.message.seq]
    await room_hub.unsubscribe(socket, room)
    assert room_hub.rooms == {} and room_hub._receiver is None


async def test_a_hub_that_cannot_join_its_only_room_stops_listening(member, thread, monkeypatch):
    from messaging.realtime import hub

    room_hub = hub.RoomHub(broadcast.layer_for(broadcast.ROOM_EVENTS_GROUP))

    def unavailable(room):
        raise RuntimeError("the database is unavailable")

    monkeypatch.setattr(hub, "_room_head", unavailable)
    meta = {"id": str(thread.room_id), "kind": thread.room.kind, "network_id": None}
    with pytest.raises(RuntimeError):
        await room_hub.subscribe(object(), meta, member.pk)
    assert room_hub._receiver is None and not room_hub._joining and not room_hub.rooms


def _database_options(option="pool", **env) -> str:
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'network.settings'; "
        "from django.conf import settings; "
        f"print(repr(settings.DATABASES['default']['OPTIONS'].get({option!r})))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COUNTERPART_DB_")}
    environ.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "{'min_size': 1, 'max_size': 8, 'timeout': 2}"),
        ({"COUNTERPART_DB_POOL_SIZE": "20"}, "{'min_size': 1, 'max_size': 20, 'timeout': 2}"),
        ({"COUNTERPART_DB_POOL_SIZE": "0"}, "None"),
    ],
)
def test_postgresql_connections_are_pooled_per_process(env, expected):
    """On PostgreSQL each process keeps a pool of COUNTERPART_DB_POOL_SIZE connections
    (8 by default; 0 turns pooling off)."""
    url = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/counterpart"}
    assert _database_options(**url, **env) == expected


def test_sqlite_has_no_pool():
    assert _database_options(DATABASE_URL="sqlite:///:memory:") == "None"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "5"),
        ({"COUNTERPART_DB_PREPARE_THRESHOLD": "2"}, "2"),
        ({"COUNTERPART_DB_PREPARE_THRESHOLD": "0"}, "None"),
    ],
)
def test_hot_statements_are_prepared_after_a_few_runs_unless_turned_off(env, expected):
    url = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/counterpart"}
    assert _database_options("prepare_threshold", **url, **env) == expected


@pytest.mark.postgres
def test_a_batch_runs_as_prepared_statements_once_its_connection_has_seen_them(member, thread):
    """After a few batches on one connection the inserts, the seq statement and the
    look-ups are prepared statements of that connection: PostgreSQL no longer parses them.
    The inserts are one statement each whatever the number of rows."""
    for size in (1, 3, 2, 5, 1, 4):
        posting.post_messages(
            room=thread.room,
            requests=[
                posting.SendRequest(
                    sender=member, thread=thread, client_id=uuid.uuid4(), body=f"{size}.{i}"
                )
                for i in range(size)
            ],
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    inserts = [sql for sql in prepared if sql.startswith("INSERT")]
    assert sorted(sql.split()[2] for sql in inserts) == [
        '"messaging_message"',
        '"messaging_roomevent"',
    ]
    assert all("jsonb_to_recordset(" in sql for sql in inserts)
    assert any(sql.startswith('UPDATE "messaging_room" SET head_seq') for sql in prepared)
    assert Message.objects.filter(room=thread.room).count() == 16


REDIS = "redis://127.0.0.1:6379/0"  # read by the settings, never connected to


def _room_events_layer(**env) -> subprocess.CompletedProcess:
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'network.settings'; "
        "from django.conf import settings; "
        "layer = settings.CHANNEL_LAYERS.get('room-events'); "
        "print(layer and (layer['BACKEND'], layer['CONFIG']['prefix'], "
        "layer['CONFIG']['symmetric_encryption_keys'] "
        "== settings.CHANNEL_LAYERS['default']['CONFIG']['symmetric_encryption_keys']))"
    )
    environ = {k: v for k, v in os.environ.items() if k != "COUNTERPART_ROOM_EVENTS_LAYER"}
    environ.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"REDIS_URL": REDIS},
            "('channels_redis.pubsub.RedisPubSubChannelLayer', 'cp-events', True)",
        ),
        ({"REDIS_URL": REDIS, "COUNTERPART_ROOM_EVENTS_LAYER": "list"}, "None"),
        ({"REDIS_URL": ""}, "None"),
    ],
)
def test_room_events_travel_by_redis_pub_sub_unless_configured_otherwise(env, expected):
    """With Redis, room events have a layer of their own, encrypted with the same keys; with
    "list", or without Redis, they go through the default layer
    (messaging/realtime/broadcast.py)."""
    env = {"COUNTERPART_CHANNEL_PREFIX": "cp", **env}
    result = _room_events_layer(**env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_an_unknown_room_events_layer_stops_the_start():
    result = _room_events_layer(
        REDIS_URL="redis://127.0.0.1:6379/0", COUNTERPART_ROOM_EVENTS_LAYER="kafka"
    )
    assert result.returncode != 0
    assert "COUNTERPART_ROOM_EVENTS_LAYER must be pubsub or list" in result.stderr
