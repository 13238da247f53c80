"""A database dump and a capture of Redis traffic hold no message plaintext, nor the names of
files (invariant 4, security goal C1)."""

import json
import os
import secrets
import subprocess
import threading
import uuid

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from messaging import actions, posting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(member, make_user, make_membership, tipp):
    counterpart = make_user()
    make_membership(counterpart, tipp)
    room = actions.create_room(
        kind="case", creator=member, title="Case", network=tipp, participants=[counterpart]
    )
    thread = actions.create_thread(room=room, creator=member, title="Thread")
    return room, thread, counterpart


async def open_socket(client_for, user, sockets: list):
    from channels.testing import WebsocketCommunicator

    from network.asgi import application

    client = await database_sync_to_async(client_for)(user)
    socket = WebsocketCommunicator(
        application,
        "/ws/v1/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
        ],
    )
    sockets.append(socket)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


def canary() -> str:
    return f"canary-{secrets.token_hex(12)}"


def store_everything(room, thread, sender, secret: str) -> None:
    posted = posting.post_message(
        room=room, sender=sender, thread=thread, client_id=uuid.uuid4(), body=f"body {secret}"
    ).message
    actions.edit_message(message=posted, editor=sender, body=f"edited {secret}")
    actions.add_attachment(
        message=posted,
        uploader=sender,
        filename=f"notes {secret}.txt",
        content=f"attachment {secret}".encode(),
    )
    reply = posting.post_message(
        room=room, sender=sender, thread=thread, client_id=uuid.uuid4(), body=f"reply {secret}"
    ).message
    actions.delete_message(message=reply, actor=sender)


@pytest.mark.postgres
def test_a_database_dump_holds_no_message_plaintext(room, member):
    secret = canary()
    case_room, thread, _ = room
    store_everything(case_room, thread, member, secret)
    db = settings.DATABASES["default"]
    dump = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "pg_dump",
            "--no-owner",
            "-h",
            db["HOST"],
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        capture_output=True,
        check=True,
        env={**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""},
    ).stdout
    assert b"messaging_message" in dump  # the dump does hold the messages table
    assert secret.encode() not in dump
    assert secret.encode().hex().encode() not in dump


@pytest.mark.redis
async def test_redis_traffic_holds_no_message_plaintext(room, member, client_for):
    secret = canary()
    case_room, thread, counterpart = room
    sockets: list = []
    monitor = subprocess.Popen(  # noqa: S603
        ["redis-cli", "-u", settings.REDIS_URL, "MONITOR"],  # noqa: S607
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    captured: list[bytes] = []
    started = threading.Event()

    def read():
        for line in monitor.stdout:
            captured.append(line)
            started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert await database_sync_to_async(started.wait)(10), "MONITOR did not start"
        sender = await open_socket(client_for, member, sockets)
        reader_socket = await open_socket(client_for, counterpart, sockets)
        for socket in (sender, reader_socket):
            await socket.send_json_to({"type": "subscribe", "room": str(case_room.pk)})
            while (await socket.receive_json_from())["type"] != "caught_up":
                pass
        await sender.send_json_to(
            {
                "type": "send",
                "room": str(case_room.pk),
                "thread": str(thread.pk),
                "client_id": str(uuid.uuid4()),
                "body": f"live {secret}",
            }
        )
        while True:
            frame = await reader_socket.receive_json_from(timeout=3)
            if frame["type"] == "event":
                break
        assert secret in frame["data"]["body"]  # delivered, in clear, to the reader only
        await database_sync_to_async(store_everything)(case_room, thread, member, secret)
        prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
        events_prefix = settings.CHANNEL_LAYERS["room-events"]["CONFIG"]["prefix"]
        await sender.send_json_to({"type": "ping", "nonce": "flush"})
        await sender.receive_json_from()
    finally:
        monitor.terminate()
        monitor.wait()
        reader.join(5)
        monitor.stdout.close()
        for socket in sockets:
            await socket.disconnect()
    traffic = b"".join(captured)
    assert prefix.encode() in traffic  # the capture saw this test's channel-layer traffic
    assert b"PUBLISH" in traffic and events_prefix.encode() in traffic  # and the room events
    assert secret.encode() not in traffic
    assert json.dumps(secret).encode()[1:-1] not in traffic
