"""Back-pressure on a real Daphne: a client that never reads is closed with 4408 once the
frames waiting for it pass COUNTERPART_WS_OUTBOUND_BYTES (messaging/realtime/server.py), the
process's memory stays flat, and the room's other sockets get every message."""

import asyncio
import base64
import json
import os
import socket
import time
import uuid
from pathlib import Path

import pytest
from channels.db import database_sync_to_async as sync_to_async
from websockets.asyncio.client import connect

from bench.wsclient import OP_TEXT, encode_frame
from tests.messaging.servers import daphne

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BOUND = 256 * 1024
MESSAGES, BODY_CHARS = 200, 19_000


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def never_reading_socket(origin: str, cookie: str, room) -> socket.socket:
    """A WebSocket opened by hand with a tiny receive buffer, subscribed to `room`, that
    reads nothing after the handshake's answer."""
    host, port = origin.removeprefix("http://").split(":")
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        (
            f"GET /ws/v1/ HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {origin}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += raw.recv(1)
    assert answer.startswith(b"HTTP/1.1 101")
    subscribe = {"type": "subscribe", "room": str(room.pk)}
    raw.sendall(encode_frame(OP_TEXT, json.dumps(subscribe).encode()))
    return raw


class Sender:
    """The flooding member's socket: answers to its sends in a queue, its events counted."""

    def __init__(self, ws):
        self.ws, self.events, self.answers = ws, 0, asyncio.Queue()
        self.event_bytes = 0  # what each reader of the room is sent
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        async for text in self.ws:
            frame = json.loads(text)
            if frame["type"] == "event" and frame["kind"] == "message.posted":
                self.events += 1
                self.event_bytes += len(text.encode())
            elif frame["type"] in ("ack", "error"):
                self.answers.put_nowait(frame)

    async def send(self, frame) -> None:
        """Send until acknowledged, waiting out `rate_limited`."""
        while True:
            await self.ws.send(json.dumps(frame))
            answer = await asyncio.wait_for(self.answers.get(), 15)
            if answer["type"] == "ack":
                return
            assert answer["code"] == "rate_limited", answer
            await asyncio.sleep(answer["retry_after"])


async def test_a_client_that_never_reads_is_closed_with_4408_and_memory_stays_flat(
    session_cookie, case_room, thread, member, counterpart
):
    """200 messages of 19,000 characters (about 8 MB of frames for each reader) in a room
    where one socket never reads: the server stops writing to it at the bound, logs the 4408
    close and drops it; its resident memory grows by far less than what that socket was
    sent; the reading member gets every message."""
    with daphne(env={"COUNTERPART_WS_OUTBOUND_BYTES": str(BOUND)}) as (origin, process):
        sender_cookie = await sync_to_async(session_cookie)(member)
        stalled_cookie = await sync_to_async(session_cookie)(counterpart)
        ws_url = origin.replace("http://", "ws://") + "/ws/v1/"
        async with connect(
            ws_url, origin=origin, additional_headers={"Cookie": sender_cookie}, max_queue=None
        ) as sender:
            await sender.send(json.dumps({"type": "subscribe", "room": str(case_room.pk)}))
            stalled = await asyncio.to_thread(
                never_reading_socket, origin, stalled_cookie, case_room
            )
            before = rss_kib(process.pid)
            flood = Sender(sender)
            for n in range(MESSAGES):
                frame = {
                    "type": "send",
                    "room": str(case_room.pk),
                    "thread": str(thread.pk),
                    "client_id": str(uuid.uuid4()),
                    "body": f"{n} " + "x" * BODY_CHARS,
                }
                await flood.send(frame)
            async with asyncio.timeout(20):
                while flood.events < MESSAGES:
                    await asyncio.sleep(0.05)
            grown = rss_kib(process.pid) - before
        deadline = time.monotonic() + 10
        while not any("closed with 4408" in line for line in process.log):
            assert time.monotonic() < deadline, "".join(process.log)
            await asyncio.sleep(0.05)
        stalled.settimeout(10)
        received = b""
        try:
            while chunk := await asyncio.to_thread(stalled.recv, 65536):
                received += chunk
        except ConnectionResetError:
            pass  # dropped after the close's grace: what it had not read is gone
        stalled.close()
    sent_to_stalled = flood.event_bytes
    print(
        f"\n[back-pressure] RSS grew {grown} KiB while ~{sent_to_stalled // 1024} KiB of "
        f"frames were due to the stalled socket; it received {len(received)} bytes"
    )
    assert flood.events == MESSAGES
    assert len(received) < sent_to_stalled / 4
    assert grown * 1024 < sent_to_stalled / 4
