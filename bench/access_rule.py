"""The access rule's hot query with room guests, beside the members-only query it replaced.

Every send batch and every delivery batch asks `messaging.access.users_with_access_in` who
reads the rooms: for case rooms, one compiled query (`_participant_readers`). Room guests
(messaging/guests) added a second branch to it, `UNION ALL` the rooms' current guests. This
benchmark runs, on the benchmark's PostgreSQL database, the query as it is now and the
members-only query it replaced (rebuilt here from the same ORM code, as the baseline), in the
two shapes the server uses: every reader of a batch of rooms (a process hub loading events of
`--rooms` rooms) and some users of one room (the send path), alternating the two in each run,
with rooms without guests and rooms with one guest each. It prints the median and the worst
per call over `--runs` runs.

    .venv/bin/python bench/access_rule.py --rooms 100 --members 10 --calls 500 --runs 5
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import realserver  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or realserver.DEFAULT_DATABASE_URL,
    )
    args = parser.parse_args(argv)
    if not (1 <= args.rooms <= 1000 and 2 <= args.members <= 100 and args.calls >= 1):
        parser.error("--rooms 1..1000, --members 2..100, --calls at least 1")
    os.environ.pop("REDIS_URL", None)
    realserver.prepare_django(database_url=args.database_url, redis_url="", channel_prefix="cpa")

    from django.db.models import Exists, OuterRef, Q
    from django.db.models.lookups import IsNull
    from django.utils import timezone

    from messaging import access
    from messaging.models import Room, RoomParticipant, current_participation
    from messaging.realtime.prepared import PreparedQuery
    from network.accounts.models import User

    def members_only(rooms, users=None):
        """The query before room guests: participants with an active membership."""
        participation = current_participation("participants")
        if users is not None:
            participation &= Q(participants__user_id__in=users)
        network = OuterRef("network_id")
        return (
            Room.objects.filter(
                participation,
                Exists(
                    access._active_member(OuterRef("participants__user_id")).filter(
                        IsNull(network, True) | Q(network_id=network)
                    )
                ),
                pk__in=rooms,
            )
            .values_list("id", "participants__user_id", "participants__capacity")
            .order_by()
        )

    baseline = PreparedQuery(members_only)
    plain = realserver.make_fixture(n_rooms=args.rooms, members_per_room=args.members)
    guested = realserver.make_fixture(n_rooms=args.rooms, members_per_room=args.members)
    # One guest per room of the second set: a participant of no network, until next month.
    guests = [
        User.objects.create_user(
            f"guest-{n}-{room['id'][:8]}@bench.example", password=None, display_name=f"Guest {n}"
        )
        for n, room in enumerate(guested["rooms"])
    ]
    for room, guest in zip(guested["rooms"], guests, strict=True):
        owner = RoomParticipant.objects.filter(room_id=room["id"]).earliest("pk").user
        RoomParticipant.objects.create(
            room_id=room["id"],
            user=guest,
            capacity="support",
            added_by=owner,
            guest_until=timezone.localdate() + timedelta(days=30),
        )
    realserver._analyze()

    today = timezone.localdate()
    shapes = {}
    for label, fixture in (("no guests", plain), ("a guest per room", guested)):
        rooms = [uuid.UUID(room["id"]) for room in fixture["rooms"]]
        one = rooms[:1]
        users = list(
            RoomParticipant.objects.filter(room_id=one[0]).values_list("user_id", flat=True)
        )
        shapes[f"all readers of {len(rooms)} rooms, {label}"] = {"rooms": rooms}
        shapes[f"{len(users)} users of 1 room, {label}"] = {"rooms": one, "users": users}

    # The two queries agree on the members (the rule adds the guests).
    for values in shapes.values():
        now = set(access._participant_readers.rows(today, **values))
        before = set(baseline.rows(today, **values))
        assert before <= now and {row for row in now - before if row[2] != "support"} == set()

    results: dict = {}
    for _ in range(args.runs):
        for name, values in shapes.items():
            for which, query in (
                ("before (members only)", baseline),
                ("now (with guests)", access._participant_readers),
            ):
                query.rows(today, **values)  # compiled and prepared
                start = time.perf_counter()
                for _ in range(args.calls):
                    query.rows(today, **values)
                per_call = 1e3 * (time.perf_counter() - start) / args.calls
                results.setdefault((name, which), []).append(per_call)

    print(f"{args.calls} calls per run, {args.runs} runs; ms per call: median (worst)")
    for (name, which), times in results.items():
        print(f"{name:<44} {which:<22} {statistics.median(times):7.3f} ({max(times):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
