#!/usr/bin/env python
"""Case-record export benchmark: a case room of 10,000 messages with 200 attachments (20 MB)
exported as a bundle and verified offline, several times; prints the median and the worst.

    .venv/bin/python bench/export.py [--messages 10000] [--attachments 200] [--runs 5]

The database is the benchmark's own: BENCH_DATABASE_URL, else DATABASE_URL's server with the
database name `<name>_bench_export`, else postgres://postgres@127.0.0.1:5432/
counterpart_bench_export. It is created and migrated when missing; the room is built once
(through the project's actions) and reused by later runs with the same sizes. Each run builds
the bundle as `messaging.records.actions.export_room` does (in this process) and verifies it
with `messaging.verify.verify_bundle`; one more verification runs the command line
`python -m messaging.verify` in a fresh process.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/counterpart_bench_export"


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parts = urlsplit(os.environ["DATABASE_URL"])
        name = parts.path.lstrip("/") or "counterpart"
        return urlunsplit(parts._replace(path=f"/{name}_bench_export"))
    return DEFAULT_URL


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("COUNTERPART_DB_STATEMENT_TIMEOUT_MS", "600000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_room(messages: int, attachments: int):
    """The benchmark's room (reused when one of these sizes exists)."""
    from messaging import actions, posting
    from messaging.models import Room
    from network.accounts.models import User
    from network.models import Membership, Network

    title = f"Bench export {messages}/{attachments}"
    room = Room.objects.filter(title=title).first()
    if room is not None:
        return room, room.created_by, User.objects.get(email="bench.counterpart@example.org")
    network, _ = Network.objects.get_or_create(
        slug="bench-export", defaults={"name": "Bench export", "member_states": ["ES", "NG"]}
    )
    people = []
    for email, name, state in (
        ("bench.owner@example.org", "Olga Owner", "ES"),
        ("bench.counterpart@example.org", "Chidi Counterpart", "NG"),
    ):
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, "bench-password-not-used", display_name=name, state=state, institution="Unit"
        )
        Membership.objects.get_or_create(
            user=user, network=network, defaults={"status": "active", "role": "member"}
        )
        people.append(user)
    owner, counterpart = people
    room = actions.create_room(
        kind="case", creator=owner, title=title, network=network, participants=[counterpart]
    )
    threads = [
        actions.create_thread(room=room, creator=owner, title=f"Line {n}") for n in range(1, 5)
    ]
    started = time.perf_counter()
    posted = []
    batch = 200
    for start in range(0, messages, batch):
        requests = []
        for n in range(start, min(start + batch, messages)):
            sender = people[n % 2]
            requests.append(
                posting.SendRequest(
                    sender=sender,
                    thread=threads[n % len(threads)],
                    client_id=uuid.uuid4(),
                    body=f"Message {n}: seen at the port of Lagos, container {n * 7919 % 100000}.",
                    handling_code="H1" if n % 20 == 19 else "H0",
                    evaluation="B2" if n % 3 == 0 else None,
                )
            )
        for result in posting.post_messages(room=room, requests=requests):
            if isinstance(result, Exception):
                raise result
            posted.append(result.message)
    own = [message for message in posted if message.sender_id == owner.pk]
    size = 100 * 1024
    for n in range(attachments):
        message = own[(n * 37) % len(own)]
        content = b"%PDF-1.4\n" + os.urandom(size - 9)
        actions.add_attachment(
            message=message, uploader=message.sender, filename=f"scan-{n}.pdf", content=content
        )
    print(f"built the room in {time.perf_counter() - started:.1f} s", flush=True)
    return room, owner, counterpart


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--attachments", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = bench_database_url()
    ensure_database(url)
    setup_django(url)
    import datetime

    from messaging.records import actions
    from messaging.verify import verify_bundle

    room, owner, counterpart = build_room(args.messages, args.attachments)
    exports, verifies = [], []
    built = None
    for run in range(1, args.runs + 1):
        now = datetime.datetime.now(datetime.UTC)
        started = time.perf_counter()
        built = actions.export_room(
            room=room,
            exporter=owner,
            legal_basis="Benchmark",
            approved_by=counterpart,
            requested_at=now - datetime.timedelta(minutes=2),
            approved_at=now - datetime.timedelta(minutes=1),
        )
        exported = time.perf_counter() - started
        started = time.perf_counter()
        verdict = verify_bundle(built.data)
        verified = time.perf_counter() - started
        if not verdict.ok:
            print(verdict.text())
            return 1
        exports.append(exported)
        verifies.append(verified)
        print(
            f"run {run}: export {exported:.2f} s, verify {verified:.2f} s "
            f"({built.size} events, {built.exported} exported, {built.withheld} withheld, "
            f"{built.attachments} files, {len(built.data) / 1e6:.1f} MB)",
            flush=True,
        )
    with tempfile.NamedTemporaryFile(suffix=".zip") as handle:
        handle.write(built.data)
        handle.flush()
        started = time.perf_counter()
        command = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "messaging.verify", handle.name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        cli = time.perf_counter() - started
    print(command.stdout.strip())
    print()
    print("| step | median | worst | runs |")
    print("| --- | --- | --- | --- |")
    print(
        f"| export | {statistics.median(exports):.2f} s | {max(exports):.2f} s | {len(exports)} |"
    )
    print(
        f"| verify (in process) | {statistics.median(verifies):.2f} s | {max(verifies):.2f} s "
        f"| {len(verifies)} |"
    )
    print(f"| verify (`python -m messaging.verify`, fresh process) | {cli:.2f} s | | 1 |")
    return 0 if command.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
