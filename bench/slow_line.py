#!/usr/bin/env python
"""A case room on a phone over a slow line: Chromium's network emulation at 256 kbit/s with
300 ms round trips and at 64 kbit/s with 600 ms, against Daphne serving static files as
production does (hashed names, gzip copies, immutable caching).

    .venv/bin/python bench/slow_line.py [--runs 5] [--messages 30]

Each run opens a fresh phone (390x844, empty cache): first visit (latest messages shown with
the composer ready; live), a message sent (acknowledged), then a later visit with the cached
static shell. Prints the median and worst of each figure and the bytes transferred. Uses the
benchmark database and Redis of bench/realserver.py (DATABASE_URL/REDIS_URL override them).
"""

import argparse
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import realserver  # noqa: E402

FIGURES = ("first shown", "first live", "ack", "later shown", "later live")


def busy_room(messages: int) -> tuple[str, str, str]:
    """A case room of two members with `messages` messages; (path, latest text, session)."""
    from messaging import posting

    fixture = realserver.make_fixture(n_rooms=1, members_per_room=2)
    room = fixture["rooms"][0]
    from messaging.models import Room, Thread
    from network.accounts.models import User

    room_row = Room.objects.get(pk=room["id"])
    thread = Thread.objects.get(pk=room["thread"])
    members = list(User.objects.filter(room_participations__room=room_row).order_by("pk"))
    for number in range(1, messages + 1):
        posting.post_message(
            room=room_row,
            sender=members[number % 2],
            thread=thread,
            client_id=uuid.uuid4(),
            body=f"Finding {number}: the agency's second address is on **Calle {number}**.",
            handling_code="H1",
        )
    path = f"/rooms/{room['id']}/?thread={room['thread']}"
    return path, f"Finding {messages}:", fixture["members"][0][0]


def run_once(chromium, origin: str, session_key: str, path: str, latest: str, line: str):
    from django.conf import settings

    from tests.browser import phone_line

    context = chromium.new_context(
        base_url=origin, viewport=phone_line.PHONE, is_mobile=True, has_touch=True
    )
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": origin}]
    )
    page = context.new_page()
    session, transfer = phone_line.watch(page)
    phone_line.emulate(session, line)
    first = phone_line.open_room(page, path, latest)
    first_bytes = transfer.total
    body = f"Sent on {line} {uuid.uuid4().hex[:6]}"
    ack = phone_line.send_and_ack(page, body)
    transfer.sizes.clear()
    later = phone_line.open_room(page, path, body)
    context.close()
    return {
        "first shown": first["shown"],
        "first live": first["live"],
        "ack": ack,
        "later shown": later["shown"],
        "later live": later["live"],
        "first bytes": first_bytes,
        "later bytes": transfer.total,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=30)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or realserver.DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or realserver.DEFAULT_REDIS_URL
    prefix = f"bench-slow-{uuid.uuid4().hex[:6]}:"
    realserver.prepare_django(database_url=database_url, redis_url=redis_url, channel_prefix=prefix)
    from playwright.sync_api import sync_playwright

    from tests.browser import phone_line
    from tests.browser.daphne_server import CHROMIUM, CHROMIUM_ARGS, DaphneServer

    path, latest, session_key = busy_room(args.messages)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the ORM beside Playwright's loop
    with tempfile.TemporaryDirectory() as folder:
        daphne = DaphneServer(Path(folder) / "daphne.log")
        phone_line.collect_static(ROOT, Path(folder) / "static", daphne.env)
        daphne.env.update(phone_line.production_static_env(Path(folder) / "static"))
        daphne.start()
        try:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                results = {
                    line: [
                        run_once(chromium, daphne.origin, session_key, path, latest, line)
                        for _ in range(args.runs)
                    ]
                    for line in phone_line.LINES
                }
                chromium.close()
        finally:
            daphne.stop()
    print(f"room page with {args.messages} messages, phone 390x844, {args.runs} runs per line")
    print(f"{'line':14} " + " ".join(f"{name:>18}" for name in FIGURES) + "   bytes first/later")
    for line, runs in results.items():
        cells = []
        for name in FIGURES:
            values = [run[name] for run in runs]
            cells.append(f"{statistics.median(values):7.2f} / {max(values):6.2f} s")
        weights = f"{runs[0]['first bytes']:,} / {runs[0]['later bytes']:,}"
        print(f"{line:14} " + " ".join(f"{cell:>18}" for cell in cells) + f"   {weights}")
    print("(median / worst; first = empty cache, later = cached static shell)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
