"""Servers of a fault test's own, and clients that ride out what is done to them.

`OwnPostgres` and `OwnRedis` start PostgreSQL (initdb into a temporary directory, as the
`postgres` OS user when the tests run as root) and Redis on free loopback ports, never the
shared services, so that a test may stop, kill or restart them. `prepare_database()` migrates
a database there and creates members, rooms and signed-in sessions (bench/realserver.py, in a
subprocess: the test process's Django stays on the test database). `Daphne` runs
`python -m messaging.realtime.server` as production does.

`ScriptedClient` is a member's page reduced to the protocol: it subscribes to its room from
the start, sends `count` messages one after the other, each with its own client_id, and
resends the same client_id after an `error` with `retry_after`, after a lost answer or after
the socket closed (reconnecting to the next server and subscribing again after the last seq it
has). `Report` gathers what every client saw: acks, closes, error codes, answer times.
"""

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("COUNTERPART_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


class OwnPostgres:
    """A PostgreSQL cluster of the test's own, stopped and started at will."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="cp-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(  # noqa: S603
            _as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
            ),
            check=True,
            capture_output=True,
        )

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(  # noqa: S603
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", *args]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c max_connections=200"
        )
        self._ctl("-o", options, "-l", str(self.directory / "log"), "start")

    def stop(self) -> None:
        self._ctl("-m", "immediate", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class OwnRedis:
    """A Redis of the test's own (no persistence): `stop()` loses everything, as a restart
    without persistence does."""

    def __init__(self, port: int | None = None, *extra: str):
        self.port = port or free_port()
        self.extra = extra
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]  # noqa: S607
            + ["--save", "", "--appendonly", "no", *self.extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_until(lambda: _answers(client), 10, f"Redis on port {self.port}")
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def _answers(client) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def migrate_template(postgres: "OwnPostgres", redis_url: str) -> str:
    """A migrated database to copy (CREATE DATABASE ... TEMPLATE): migrating once per module
    instead of once per test."""
    url = postgres.url("faults_template")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from bench import realserver; "
        "realserver.prepare_django(database_url=sys.argv[2], redis_url=sys.argv[3], "
        "channel_prefix='cp')"
    )
    _run_setup(script, str(ROOT), url, redis_url, env=server_env(url, redis_url))
    return "faults_template"


def copy_database(postgres: "OwnPostgres", template: str) -> str:
    name = f"faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return postgres.url(name)


def _run_setup(script: str, *args: str, env: dict) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError("preparing the database failed:\n" + result.stderr[-3000:])
    return result.stdout


def prepare_database(database_url: str, redis_url: str, *, rooms: int, members: int) -> dict:
    """Migrate the database and create `rooms` case rooms of `members` signed-in members
    each (bench/realserver.py's fixture): {"rooms": [{"id", "thread"}], "members": [[session
    key, ...] per room], "cookie_name"}."""
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from bench import realserver; "
        "realserver.prepare_django(database_url=sys.argv[2], redis_url=sys.argv[3], "
        "channel_prefix='cp'); "
        "print(json.dumps(realserver.make_fixture(n_rooms=int(sys.argv[4]), "
        "members_per_room=int(sys.argv[5]))))"
    )
    out = _run_setup(
        script,
        str(ROOT),
        database_url,
        redis_url,
        str(rooms),
        str(members),
        env=server_env(database_url, redis_url),
    )
    return json.loads(out.strip().splitlines()[-1])


def server_env(database_url: str, redis_url: str, **extra: str) -> dict:
    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": settings.SECRET_KEY,
        "COUNTERPART_MASTER_KEYS": settings.COUNTERPART_MASTER_KEYS,
        "COUNTERPART_CHANNEL_PREFIX": "cp",
        "COUNTERPART_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    for name in ("COUNTERPART_REDIS_SENTINELS", "COUNTERPART_REDIS_SENTINEL_MASTER"):
        if name not in extra:
            env.pop(name, None)
    return env


class Daphne:
    """`python -m messaging.realtime.server` on a free loopback port (the listening socket
    handed over by file descriptor, as tests/messaging/servers.py does)."""

    def __init__(self, env: dict):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(512)
        self.origin = f"http://127.0.0.1:{listener.getsockname()[1]}"
        self.log: list[str] = []
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "messaging.realtime.server", "--fd", str(listener.fileno())]
            + ["-v", "1", "network.asgi:application"],
            cwd=ROOT,
            env={**env, "COUNTERPART_ORIGIN": self.origin},
            pass_fds=[listener.fileno()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        listener.close()
        self._reader = threading.Thread(target=lambda: self.log.extend(self.process.stderr))
        self._reader.daemon = True
        self._reader.start()

    @property
    def url(self) -> str:
        return self.origin.replace("http://", "ws://") + "/ws/v1/"

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._reader.join(5)
        self.process.stderr.close()

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


@dataclass
class Report:
    started: float = field(default_factory=time.monotonic)
    acks: dict = field(default_factory=dict)  # client_id -> (room, seq, time of the ack)
    closes: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    restored: int = 0  # service_restored frames
    answer_times: list = field(default_factory=list)  # (time sent, seconds to the answer)
    marks: dict = field(default_factory=dict)  # fault name -> time

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic()

    def ack_times(self) -> list[float]:
        return sorted(at for _, _, at in self.acks.values())

    def longest_without_acks(self) -> float:
        times = self.ack_times()
        return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)

    def first_ack_after(self, mark: str) -> float | None:
        after = [at for at in self.ack_times() if at >= self.marks[mark]]
        return after[0] - self.marks[mark] if after else None

    def summary(self, title: str, recovered_from: str) -> str:
        recovery = self.first_ack_after(recovered_from)
        slowest = max((seconds for _, seconds in self.answer_times), default=0.0)
        return (
            f"\n[{title}] acknowledged {len(self.acks)}; longest time without acks "
            f"{self.longest_without_acks():.2f} s; closes seen by clients "
            f"{dict(self.closes) or 0}; errors {dict(self.errors) or 0}; slowest answer to "
            f"a send {slowest:.2f} s; first ack {recovery:.2f} s after {recovered_from}"
            if recovery is not None
            else f"\n[{title}] no ack after {recovered_from}"
        )


class ScriptedClient:
    def __init__(self, *, servers: list, cookie: str, room: dict, report: Report, index: int):
        self.servers, self.cookie, self.room, self.report = servers, cookie, room, report
        self.index = index
        self.seqs: list[int] = []
        self.answer: asyncio.Future | None = None
        self.sent = 0
        self.client_id: str | None = None
        self.out_of_order: list = []
        self.closing = False

    def _server(self, attempt: int) -> "Daphne":
        live = [s for s in self.servers if s.process.poll() is None] or self.servers
        return live[(self.index + attempt) % len(live)]

    async def run(self, *, count: int, interval: float) -> None:
        attempt = 0
        while self.sent < count:
            server = self._server(attempt)
            attempt += 1
            try:
                ws = await connect(
                    server.url,
                    origin=server.origin,
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=5,
                    max_queue=None,
                )
            except (OSError, InvalidHandshake, TimeoutError):
                await asyncio.sleep(0.2)
                continue
            reader = asyncio.ensure_future(self._read(ws))
            try:
                await self._send_all(ws, count, interval)
            except ConnectionClosed:
                pass
            finally:
                await self._close(ws, reader)

    async def _close(self, ws, reader) -> None:
        if not reader.done():
            self.closing = True
            await ws.close()
            await reader
            self.closing = False

    async def settle(self) -> None:
        """Everything of the room up to its head, on a fresh socket after the last seq (as
        a page that reconnects)."""
        server = self._server(0)
        ws = await connect(
            server.url, origin=server.origin, additional_headers={"Cookie": self.cookie}
        )
        reader = asyncio.ensure_future(self._read(ws))
        await self._subscribe(ws)
        await asyncio.wait_for(self.caught_up, 10)
        await self._close(ws, reader)

    async def _subscribe(self, ws) -> None:
        self.caught_up = asyncio.get_running_loop().create_future()
        after = self.seqs[-1] if self.seqs else 0
        await ws.send(json.dumps({"type": "subscribe", "room": self.room["id"], "after": after}))

    async def _send_all(self, ws, count: int, interval: float) -> None:
        await self._subscribe(ws)
        while self.sent < count:
            client_id = self.client_id = self.client_id or str(uuid.uuid4())
            self.answer = asyncio.get_running_loop().create_future()
            frame = {
                "type": "send",
                "room": self.room["id"],
                "thread": self.room["thread"],
                "client_id": client_id,
                "body": f"message {self.sent} of client {self.index}",
            }
            sent_at = time.monotonic()
            await ws.send(json.dumps(frame))
            try:
                answer = await asyncio.wait_for(asyncio.shield(self.answer), 5)
            except TimeoutError:
                continue  # no answer: send the same client_id again
            self.report.answer_times.append((sent_at, time.monotonic() - sent_at))
            if answer["type"] == "ack":
                self.report.acks[client_id] = (self.room["id"], answer["seq"], time.monotonic())
                self.sent, self.client_id = self.sent + 1, None
                await asyncio.sleep(interval)
            else:
                await asyncio.sleep(answer.get("retry_after") or 0.2)

    async def _read(self, ws) -> None:
        try:
            async for text in ws:
                frame = json.loads(text)
                kind = frame["type"]
                if kind == "event" and frame["room"] == self.room["id"]:
                    expected = (self.seqs[-1] if self.seqs else 0) + 1
                    if frame["seq"] != expected:
                        self.out_of_order.append((frame["seq"], expected))
                    self.seqs.append(frame["seq"])
                elif kind == "caught_up":
                    if frame["more"]:
                        await ws.send(
                            json.dumps(
                                {"type": "catch_up", "room": frame["room"], "after": self.seqs[-1]}
                            )
                        )
                    elif not self.caught_up.done():
                        self.caught_up.set_result(frame["head"])
                elif kind in ("ack", "error") and frame.get("ref", frame.get("client_id")) == (
                    self.client_id
                ):
                    if kind == "error":
                        self.report.errors[frame["code"]] += 1
                    if self.answer is not None and not self.answer.done():
                        self.answer.set_result(frame)
                elif kind == "error":
                    self.report.errors[frame["code"]] += 1
                elif kind == "service_restored":
                    self.report.restored += 1
        except ConnectionClosed:
            pass
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionClosed(None, None))
        if not self.closing:
            received = ws.protocol.close_rcvd
            self.report.closes[received.code if received else 1006] += 1


def stored_client_ids(database_url: str) -> Counter:
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        rows = conn.execute("SELECT client_id::text FROM messaging_message").fetchall()
    return Counter(row[0] for row in rows)


def room_heads(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        rows = conn.execute("SELECT id::text, head_seq FROM messaging_room").fetchall()
    return dict(rows)


def check_nothing_lost(database_url: str, report: Report, clients: list) -> None:
    """Every acknowledged message stored exactly once, nothing stored that was not
    acknowledged, and every client has every event of its room, in order."""
    stored = stored_client_ids(database_url)
    assert set(report.acks) - set(stored) == set(), "acknowledged but not stored"
    assert set(stored) - set(report.acks) == set(), "stored but never acknowledged"
    assert all(n == 1 for n in stored.values()), "a message was stored twice"
    heads = room_heads(database_url)
    for client in clients:
        assert not client.out_of_order
        assert client.seqs == list(range(1, heads[client.room["id"]] + 1))
