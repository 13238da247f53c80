"""The server under test: the real Counterpart stack (Daphne, Channels, Redis, PostgreSQL).

`prepare_django()` points Django at the benchmark's own database and Redis database, creates
and migrates the database when needed; `make_fixture()` creates members with active
memberships, rooms with their participants and a thread each, and a signed-in session per
member that passed the second factor; `start_daphne()` starts one Daphne process.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cp_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database named in the URL if it does not exist."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or not name:
        raise SystemExit(f"the benchmark needs a PostgreSQL DATABASE_URL, not {database_url!r}")
    admin = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        where = f"{parts.hostname}:{parts.port}"
        raise SystemExit(f"cannot reach PostgreSQL at {where}: {exc}") from exc


def check_redis(redis_url: str) -> None:
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        raise SystemExit(f"cannot reach Redis at {redis_url}: {exc}") from exc


def prepare_django(*, database_url: str, redis_url: str, channel_prefix: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "network.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["COUNTERPART_CHANNEL_PREFIX"] = channel_prefix
    os.environ.setdefault("COUNTERPART_LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    ensure_database(database_url)
    if redis_url:
        check_redis(redis_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _sign_in_all(users) -> list[str]:
    """A database session per user that passed both factors; returns the session keys.

    The sessions carry what `django.contrib.auth.login` and the second-factor step put in
    them; they are written in one bulk insert.
    """
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from network.accounts.sessions import mark_two_factor_verified

    store = SessionStore()
    expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    rows = []
    for user in users:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        mark_two_factor_verified(data, method="totp")
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
    Session.objects.bulk_create(rows)
    return [row.session_key for row in rows]


def _make_members(network, count: int, tag: str) -> list:
    """`count` accounts with an active membership of `network` (validated like any user)."""
    from datetime import timedelta

    from django.utils import timezone

    from network.accounts.models import User
    from network.models import Membership

    users = []
    for n in range(count):
        user = User(
            email=f"bench-{tag}-{n}@example.org",
            display_name=f"Bench member {n}",
            state="ES",
            languages=["en", "es"],
        )
        user.set_unusable_password()
        users.append(user)
    # The fields are the same for every account but the email: validating one is enough.
    users[0].full_clean(exclude=["password"])
    users = User.objects.bulk_create(users)
    Membership.objects.bulk_create(
        [
            Membership(
                user=user,
                network=network,
                status=Membership.Status.ACTIVE,
                role=Membership.Role.MEMBER,
                institution="Fiscalía General",
                position="Prosecutor",
                statement="Benchmark member.",
                activated_at=timezone.now(),
                renew_by=timezone.localdate() + timedelta(days=365),
            )
            for user in users
        ]
    )
    return users


def create_rooms(network, rooms_members: list[list]) -> list[dict]:
    """Case rooms, one per list of members (the first is the owner), each with one thread.

    The only place that depends on the messaging domain: returns [{"id", "thread"}] with the
    ids the WebSocket protocol uses.
    """
    try:
        from messaging import actions
    except ImportError as exc:
        raise SystemExit(
            "the messaging app has no actions module yet: the real server cannot be "
            "benchmarked (run with --servers ceiling)"
        ) from exc
    rooms = []
    for n, members in enumerate(rooms_members):
        owner, *others = members
        room = actions.create_room(
            kind="case",
            creator=owner,
            title=f"Benchmark room {n}",
            network=network,
            participants=others,
        )
        thread = actions.create_thread(room=room, creator=owner, title="Benchmark thread")
        rooms.append({"id": str(room.pk), "thread": str(thread.pk)})
    return rooms


def make_fixture(*, n_rooms: int, members_per_room: int) -> dict:
    """A network, members, rooms and signed-in sessions for one scenario.

    Returns {"rooms": [{"id", "thread"}], "members": [[session_key, ...] per room],
    "cookie_name": ...}. Members are distinct per room.
    """
    from django.conf import settings
    from django.db import transaction

    from network.models import Network

    tag = uuid.uuid4().hex[:8]
    with transaction.atomic():
        network = Network.objects.create(
            slug=f"bench-{tag}",
            name=f"Benchmark {tag}",
            working_languages=["en", "es"],
            member_states=["ES", "PT", "AR"],
        )
        users = _make_members(network, n_rooms * members_per_room, tag)
        by_room = [users[r * members_per_room : (r + 1) * members_per_room] for r in range(n_rooms)]
        keys = iter(_sign_in_all(users))
        sessions = [[next(keys) for _ in members] for members in by_room]
    rooms = create_rooms(network, by_room)
    _analyze()
    return {"rooms": rooms, "members": sessions, "cookie_name": settings.SESSION_COOKIE_NAME}


def _analyze() -> None:
    """Refresh the planner's statistics, as autovacuum does once a table has grown by a tenth:
    without them, the first run on a new database plans the access check on the rows of a
    small table (an index scan over every member of the network, ten times slower)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def start_daphne(*, port: int, env: dict, log_path: Path) -> subprocess.Popen:
    env = {**env, "COUNTERPART_ORIGIN": f"http://127.0.0.1:{port}"}
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the life of the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "messaging.realtime.server",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "network.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_http(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Wait until something answers HTTP on the port, or fail if the process died."""
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with code {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/static/missing")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not answer within {timeout:.0f} s")


def cleanup_redis(redis_url: str, prefix: str) -> int:
    """Delete the benchmark's channel-layer and cache keys; returns how many."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deleted = 0
    keys = []
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        keys.append(key)
        if len(keys) >= 500:
            deleted += client.delete(*keys)
            keys = []
    if keys:
        deleted += client.delete(*keys)
    client.close()
    return deleted
