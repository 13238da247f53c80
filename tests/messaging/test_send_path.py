"""The send path of the WebSocket server: the per-process bound on sends in progress, notices
sent from the event loop, and the database connection pool setting."""

import os
import subprocess
import sys
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from messaging import actions
from messaging.db import run_in_db
from messaging.models import Message, room_group_name

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


async def test_a_committed_write_is_announced_even_when_the_call_fails_afterwards(member, thread):
    """Notices of a database call are sent from the event loop after the call; a commit made
    before the call raised is still announced, with `{room, seq}` only."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(room_group_name(thread.room_id), channel)

    def post_then_fail():
        actions.post_message(
            room=thread.room, sender=member, thread=thread, client_id=uuid.uuid4(), body="hi"
        )
        raise LookupError("after the commit")

    with pytest.raises(LookupError):
        await run_in_db(post_then_fail)()
    notice = await layer.receive(channel)
    stored = await database_sync_to_async(Message.objects.get)()
    assert notice == {"type": "room.event", "room": str(thread.room_id), "seq": stored.seq}


def _database_options(**env) -> str:
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'network.settings'; "
        "from django.conf import settings; "
        "print(repr(settings.DATABASES['default']['OPTIONS'].get('pool')))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COUNTERPART_DB_")}
    environ.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "{'min_size': 1, 'max_size': 8, 'timeout': 10}"),
        ({"COUNTERPART_DB_POOL_SIZE": "20"}, "{'min_size': 1, 'max_size': 20, 'timeout': 10}"),
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
