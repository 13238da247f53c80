"""The ceiling of the fan-out benchmark: a bare `websockets` broadcast relay.

It speaks the frame shapes of docs/protocol.md (hello, subscribe → subscribed, send → ack,
then an `event` to every subscriber of the room, the sender included; ping → pong) and does
nothing else: no persistence, no authentication, no Origin check, no validation beyond what
it needs to route a frame. Each event is encoded once and written to every subscriber with
`websockets.broadcast`. What the real server does beyond this is the price of persistence,
encryption, the tamper-evident log, access checks and crossing processes.

    python bench/ceiling_relay.py --port 8765

prints `listening <port>` on stdout once it accepts connections.
"""

import argparse
import asyncio
import itertools
import json
import sys
from collections import defaultdict

import relay_frames
from websockets.asyncio.server import broadcast, serve
from websockets.exceptions import ConnectionClosed

subscribers: dict = defaultdict(set)
heads: dict = defaultdict(int)
message_ids = itertools.count(1)
user_ids = itertools.count(1)


def error(code: str, message: str, ref=None) -> str:
    return json.dumps({"type": "error", "code": code, "message": message, "ref": ref})


async def handler(ws):
    user = next(user_ids)
    rooms: set = set()
    await ws.send(json.dumps({"type": "hello", "protocol": 1, "user": user}))
    try:
        async for text in ws:
            try:
                frame = json.loads(text)
                kind = frame["type"]
            except (ValueError, KeyError, TypeError):
                await ws.send(error("bad_json", "not a JSON object with a type"))
                continue
            if kind == "send":
                room = frame.get("room")
                if room not in rooms:
                    await ws.send(
                        error("not_subscribed", "subscribe first", frame.get("client_id"))
                    )
                    continue
                heads[room] += 1
                seq = heads[room]
                message = next(message_ids)
                await ws.send(relay_frames.ack(frame, room, seq, message))
                broadcast(subscribers[room], relay_frames.event(frame, room, seq, message, user))
            elif kind == "subscribe":
                room = frame.get("room")
                rooms.add(room)
                subscribers[room].add(ws)
                await ws.send(json.dumps({"type": "subscribed", "room": room, "head": heads[room]}))
            elif kind == "unsubscribe":
                room = frame.get("room")
                rooms.discard(room)
                subscribers[room].discard(ws)
                await ws.send(json.dumps({"type": "unsubscribed", "room": room}))
            elif kind == "catch_up":
                room = frame.get("room")
                await ws.send(
                    json.dumps(
                        {"type": "caught_up", "room": room, "head": heads[room], "more": False}
                    )
                )
            elif kind == "ping":
                await ws.send(json.dumps({"type": "pong", "nonce": frame.get("nonce")}))
            else:
                await ws.send(error("unknown_type", f"unknown frame type {kind!r}", kind))
    except ConnectionClosed:
        pass
    finally:
        for room in rooms:
            subscribers[room].discard(ws)


async def main(port: int):
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        max_size=64 * 1024,
        max_queue=None,
        ping_interval=None,
        backlog=2048,
    ):
        sys.stdout.write(f"listening {port}\n")
        sys.stdout.flush()
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    import uvloop

    uvloop.run(main(args.port))
