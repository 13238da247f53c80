"""What one message costs the domain code, without any WebSocket: the floor under the server.

In one process, on the benchmark's PostgreSQL database, it posts messages one after another
with `messaging.posting.post_message` (validation, one transaction: lock the room, encrypt
the body, append the Merkle leaf, after commit the channel-layer notice), then in batches
with `messaging.posting.post_messages` (the group commit of the WebSocket server), and then
builds the
`event` frame of each (`messaging.events`: load, decrypt, render Markdown, JSON) — the work
the server does once per message and once per message per process. It prints wall time and
CPU per message of this process and of PostgreSQL, and with `--profile` the functions that
take the time.

    .venv/bin/python bench/domain_cost.py --messages 500 [--profile]

The channel layer is the in-memory one (no REDIS_URL), so the notice costs no Redis round trip.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import procstat  # noqa: E402
import realserver  # noqa: E402

ONLY = ""


def measure(label: str, count: int, work) -> dict | None:
    if ONLY not in label:
        return None
    pg0 = procstat.service_cpu(("postgres",))
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    work()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    pg = procstat.service_cpu(("postgres",)) - pg0
    row = {
        "what": label,
        "count": count,
        "wall_ms": 1e3 * wall / count,
        "cpu_ms": 1e3 * cpu / count,
        "pg_cpu_ms": 1e3 * pg / count,
        "per_s": count / wall,
    }
    print(
        f"{label:<44} {row['wall_ms']:7.2f} ms wall {row['cpu_ms']:7.2f} ms CPU "
        f"{row['pg_cpu_ms']:6.2f} ms PostgreSQL CPU  ({row['per_s']:.0f}/s)",
        flush=True,
    )
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument(
        "--rooms",
        type=int,
        default=10,
        help="rooms of the multi-room batches (one send per room, as in rooms100x10)",
    )
    parser.add_argument("--profile", action="store_true", help="print the top functions")
    parser.add_argument("--only", default="", help="measure only what this names, e.g. 'hub load'")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or realserver.DEFAULT_DATABASE_URL,
    )
    args = parser.parse_args(argv)
    global ONLY
    ONLY = args.only
    if not 1 <= args.messages <= 100_000:
        parser.error("--messages must be 1 to 100000")
    if not 1 <= args.rooms <= 1000:
        parser.error("--rooms must be 1 to 1000")
    os.environ.pop("REDIS_URL", None)
    realserver.prepare_django(database_url=args.database_url, redis_url="", channel_prefix="cpb")

    from django.contrib.sessions.backends.db import SessionStore
    from django.db import close_old_connections

    from messaging import events, posting
    from messaging.models import Room, RoomEvent
    from messaging.realtime import broadcast, hub
    from network.accounts.models import User

    fixture = realserver.make_fixture(n_rooms=1, members_per_room=args.members)
    room = Room.objects.get(pk=fixture["rooms"][0]["id"])
    thread = fixture["rooms"][0]["thread"]

    def members(keys):
        return [User.objects.get(pk=SessionStore(key)["_auth_user_id"]) for key in keys]

    senders = members(fixture["members"][0])
    many = realserver.make_fixture(n_rooms=args.rooms, members_per_room=2)
    spread = [
        (Room.objects.get(pk=r["id"]), r["thread"], members(keys)[0])
        for r, keys in zip(many["rooms"], many["members"], strict=True)
    ]
    first_seq = room.head_seq + 1

    def post():
        for i in range(args.messages):
            posting.post_message(
                room=room,
                sender=senders[i % len(senders)],
                thread=thread,
                client_id=uuid.uuid4(),
                body=f"bench:{time.monotonic_ns()}:0:{i} a message of some length",
            )

    def post_batched(size):
        def work():
            for start in range(0, args.messages, size):
                posting.post_messages(
                    room=room,
                    requests=[
                        posting.SendRequest(
                            sender=senders[i % len(senders)],
                            thread=thread,
                            client_id=uuid.uuid4(),
                            body=f"bench:{time.monotonic_ns()}:0:{i} a message of some length",
                        )
                        for i in range(start, min(start + size, args.messages))
                    ],
                )

        return work

    def post_spread():
        # One send in each of --rooms rooms per batch: the shape of rooms100x10's batches.
        # The notices are collected, as the server's event loop sends them
        # (messaging/realtime/db.py).
        for start in range(0, args.messages, len(spread)):
            batches = [
                (
                    spread_room,
                    [
                        posting.SendRequest(
                            sender=sender,
                            thread=spread_thread,
                            client_id=uuid.uuid4(),
                            body=f"bench:{time.monotonic_ns()}:0:{i} a message of some length",
                        )
                    ],
                )
                for i, (spread_room, spread_thread, sender) in enumerate(spread)
                if start + i < args.messages
            ]
            with broadcast.collect_notices():
                posting.post_to_rooms(batches)

    def hub_spread():
        # As a process hub loads one new event in each of --rooms rooms.
        rooms = Room.objects.filter(pk__in=[r.pk for r, _, _ in spread])
        heads = dict(rooms.values_list("pk", "head_seq"))
        for _ in range(0, args.messages, len(spread)):
            hub._load_batches(
                [
                    (
                        {"id": str(r.pk), "kind": r.kind, "network_id": r.network_id},
                        heads[r.pk] - 1,
                        heads[r.pk],
                        {sender.pk},
                    )
                    for r, _, sender in spread
                ]
            )

    def frames():
        for seq in range(first_seq, first_seq + args.messages):
            # As a process hub would: one query for the event, then one frame for everyone.
            (event,) = events.events_after(room.pk, seq - 1, 1)
            events.event_frame(event)

    def frames_batched():
        for start in range(first_seq, first_seq + args.messages, 50):
            for event in events.events_after(room.pk, start - 1, 50):
                events.event_frame(event)

    def reconnecting():
        # CONN_MAX_AGE = 0 under ASGI: each database_sync_to_async call may open a connection.
        for _ in range(min(args.messages, 200)):
            close_old_connections()
            from django.db import connection

            connection.close()
            RoomEvent.objects.filter(room_id=room.pk, seq=first_seq).exists()

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    measure("post_message (persist, encrypt, log, notice)", args.messages, post)
    for size in (5, 20):
        label = f"post_messages, batches of {size} (group commit)"
        measure(label, args.messages, post_batched(size))
    measure(f"post_to_rooms, one send in each of {len(spread)} rooms", args.messages, post_spread)
    measure("event frame, one query per event", args.messages, frames)
    measure("event frame, 50 events per query", args.messages, frames_batched)
    measure(f"hub load, one event in each of {len(spread)} rooms", args.messages, hub_spread)
    if profiler:
        profiler.disable()
    measure("new database connection + one query", min(args.messages, 200), reconnecting)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumtime").print_stats(40)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
