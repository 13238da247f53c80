"""Faults injected under load: each test runs two Daphne processes on a PostgreSQL and a Redis
of its own (tests/messaging/faults.py), twelve scripted clients in three rooms that resend
with the same client_id, and then does something to one of the parts. At the end: every
acknowledged message is stored exactly once, nothing unacknowledged is stored, and every
client has every event of its room in order. Each test prints its figures (time without
acks, closes seen by the clients, recovery time) for docs/operations.md."""

import asyncio
import json
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import redis
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.messaging.faults import (
    Daphne,
    OwnPostgres,
    OwnRedis,
    Report,
    ScriptedClient,
    check_nothing_lost,
    copy_database,
    free_port,
    migrate_template,
    prepare_database,
    server_env,
)

pytestmark = [pytest.mark.faults]

ROOMS, MEMBERS = 3, 4
SENDS, INTERVAL = 40, 0.05
SHUTDOWN_SECONDS = 5


def http_status(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Stack:
    def __init__(self, postgres: OwnPostgres, template: str, *, redis=None, **env: str):
        """`redis`: a started Redis (else one of the stack's own); `env`: more settings of
        the servers (REDIS_URL among them to override the Redis's)."""
        self.postgres = postgres
        self.redis = redis or OwnRedis()
        if redis is None:
            self.redis.start()
        self.database_url = copy_database(postgres, template)
        self.fixture = prepare_database(
            self.database_url, self.redis.url, rooms=ROOMS, members=MEMBERS
        )
        env = server_env(
            self.database_url,
            env.pop("REDIS_URL", self.redis.url),
            COUNTERPART_SHUTDOWN_SECONDS=str(SHUTDOWN_SECONDS),
            **env,
        )
        self.servers = [Daphne(env), Daphne(env)]
        self.report = Report()
        name = self.fixture["cookie_name"]
        self.clients = [
            ScriptedClient(
                servers=self.servers,
                cookie=f"{name}={key}",
                room=room,
                report=self.report,
                index=index,
            )
            for room, keys in zip(self.fixture["rooms"], self.fixture["members"], strict=True)
            for index, key in enumerate(keys)
        ]

    async def run(self, fault, *, sends: int = SENDS) -> Report:
        load = asyncio.gather(*(c.run(count=sends, interval=INTERVAL) for c in self.clients))
        await fault(self)
        await asyncio.wait_for(load, 120)
        await asyncio.gather(*(client.settle() for client in self.clients))
        check_nothing_lost(self.database_url, self.report, self.clients)
        return self.report

    async def acks(self, count: int, timeout: float = 60) -> None:
        """Wait until `count` more sends were acknowledged."""
        target = len(self.report.acks) + count
        async with asyncio.timeout(timeout):
            while len(self.report.acks) < target:
                await asyncio.sleep(0.02)

    async def errors(self, code: str, count: int, timeout: float = 30) -> None:
        target = self.report.errors[code] + count
        async with asyncio.timeout(timeout):
            while self.report.errors[code] < target:
                await asyncio.sleep(0.02)

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        self.redis.stop()


@pytest.fixture(scope="module")
def own_postgres():
    postgres = OwnPostgres()
    postgres.start()
    yield postgres
    postgres.destroy()


@pytest.fixture(scope="module")
def template(own_postgres):
    redis = OwnRedis()
    redis.start()
    try:
        yield migrate_template(own_postgres, redis.url)
    finally:
        redis.stop()


@pytest.fixture
def stack(own_postgres, template):
    stack = Stack(own_postgres, template)
    yield stack
    stack.close()


async def test_a_redis_restart_closes_no_socket_and_loses_nothing(stack):
    """Redis killed and started again, empty, while twelve clients send: no socket closes,
    every client is told `service_degraded`, sends are still acknowledged while Redis is away
    (the database is the source of truth), and delivery resumes by itself."""

    async def restart_redis(stack):
        await stack.acks(40)
        stack.redis.stop()
        stack.report.mark("redis stopped")
        await stack.errors("service_degraded", len(stack.clients))
        await stack.acks(100)  # acknowledged while Redis is away
        stack.redis.start()
        stack.report.mark("redis started")

    report = await stack.run(restart_redis)
    print(report.summary("Redis restart", "redis started"))
    assert report.closes == {}
    assert report.errors["service_degraded"] >= len(stack.clients)
    assert report.restored >= len(stack.clients)


async def test_postgresql_away_answers_unavailable_and_503_then_recovers(stack):
    """PostgreSQL stopped and started again: sends are answered `unavailable` (with
    retry_after, nothing stored) instead of hanging, a new handshake gets HTTP 503, no socket
    closes, an API request answers 503, and the clients' resends are stored once when it is back."""
    refused = []

    async def stop_postgres(stack):
        await stack.acks(40)
        await asyncio.to_thread(stack.postgres.stop)
        stack.report.mark("postgres stopped")
        await stack.errors("unavailable", 10)
        server = stack.servers[0]
        cookie = stack.clients[0].cookie
        with pytest.raises(InvalidStatus) as handshake:
            await connect(server.url, origin=server.origin, additional_headers={"Cookie": cookie})
        refused.append(handshake.value.response.status_code)
        page = await asyncio.to_thread(http_status, server.origin + "/api/v1/networks/", cookie)
        refused.append(page)
        await asyncio.to_thread(stack.postgres.start)
        stack.report.mark("postgres started")

    report = await stack.run(stop_postgres)
    print(report.summary("PostgreSQL stop/start", "postgres started"))
    assert refused == [503, 503]  # the handshake, then an API request
    assert report.closes == {}
    slowest = max(seconds for _, seconds in report.answer_times)
    assert slowest < 4.0


async def test_kill_9_of_one_process_loses_nothing_acknowledged(stack):
    """One of the two processes is killed (SIGKILL) under load: its clients see their
    sockets drop, reconnect to the other process, resend what was not acknowledged with the
    same client_id, and catch up."""

    async def kill_one(stack):
        await stack.acks(60)
        stack.servers[0].signal(signal.SIGKILL)
        stack.report.mark("killed")

    report = await stack.run(kill_one)
    print(report.summary("kill -9 of one of two processes", "killed"))
    assert set(report.closes) == {1006}


async def test_sigterm_closes_with_1012_after_acknowledging_the_sends_in_progress(stack):
    """SIGTERM to one of the two processes under load: it stops accepting, acknowledges the
    sends in progress, closes every socket with 1012 and exits within its shutdown time; its
    clients reconnect to the other at once."""
    exited = []

    async def terminate_one(stack):
        await stack.acks(60)
        server = stack.servers[0]
        server.signal(signal.SIGTERM)
        stack.report.mark("terminated")
        started = time.monotonic()
        code = await asyncio.to_thread(server.process.wait, SHUTDOWN_SECONDS + 10)
        exited.append((code, time.monotonic() - started))

    report = await stack.run(terminate_one)
    print(report.summary("SIGTERM to one of two processes", "terminated"))
    print(f"[SIGTERM] the process exited with {exited[0][0]} after {exited[0][1]:.2f} s")
    assert set(report.closes) == {1012}
    assert exited[0][0] == 0
    assert exited[0][1] < SHUTDOWN_SECONDS + 2


class Sentinels:
    """A primary, a replica and three sentinels (quorum 2) on free loopback ports."""

    MASTER = "cpprimary"

    def __init__(self, directory):
        self.primary = OwnRedis()
        self.primary.start()
        self.replica = OwnRedis(None, "--replicaof", "127.0.0.1", str(self.primary.port))
        self.replica.start()
        self.sentinels = []
        for n in range(3):
            port = free_port()
            conf = directory / f"sentinel-{n}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\n"
                f"sentinel monitor {self.MASTER} 127.0.0.1 {self.primary.port} 2\n"
                f"sentinel down-after-milliseconds {self.MASTER} 1000\n"
                f"sentinel failover-timeout {self.MASTER} 10000\n"
            )
            process = subprocess.Popen(  # noqa: S603
                ["redis-server", str(conf), "--sentinel"],  # noqa: S607
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.sentinels.append((port, process))
        self.url = self.primary.url  # for preparing the database

    @property
    def addresses(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port, _ in self.sentinels)

    def master_port(self) -> int | None:
        client = redis.Redis(port=self.sentinels[0][0], socket_timeout=1)
        try:
            address = client.sentinel_get_master_addr_by_name(self.MASTER)
        except redis.RedisError:
            return None
        finally:
            client.close()
        return int(address[1]) if address else None

    def stop(self) -> None:
        for _, process in self.sentinels:
            process.kill()
            process.wait()
        self.primary.stop()
        self.replica.stop()


@pytest.fixture
def sentinels(tmp_path):
    found = Sentinels(tmp_path)
    async_wait = time.monotonic() + 20
    while found.master_port() != found.primary.port:
        assert time.monotonic() < async_wait, "the sentinels did not find the primary"
        time.sleep(0.1)
    yield found
    found.stop()


async def test_a_sentinel_failover_under_load_loses_nothing_acknowledged(
    own_postgres, template, sentinels
):
    """The servers find Redis through three sentinels (COUNTERPART_REDIS_SENTINELS); the
    primary is killed under load, the sentinels promote the replica, and the servers follow
    by themselves: no socket closes, delivery resumes, nothing acknowledged is lost."""
    stack = Stack(
        own_postgres,
        template,
        redis=sentinels,
        REDIS_URL="redis://sentinel-managed/0",
        COUNTERPART_REDIS_SENTINELS=sentinels.addresses,
        COUNTERPART_REDIS_SENTINEL_MASTER=Sentinels.MASTER,
    )
    stack.redis = OwnRedis(sentinels.primary.port)  # Stack.close() stops nothing else

    async def kill_the_primary(stack):
        await stack.acks(60)
        sentinels.primary.stop()
        stack.report.mark("primary killed")
        async with asyncio.timeout(30):
            while sentinels.master_port() != sentinels.replica.port:
                await asyncio.sleep(0.1)
        stack.report.mark("replica promoted")
        async with asyncio.timeout(30):  # live delivery is back for every socket
            while stack.report.restored < len(stack.clients):
                await asyncio.sleep(0.05)
        stack.report.mark("service restored")

    try:
        report = await stack.run(kill_the_primary, sends=3 * SENDS)
    finally:
        stack.close()
    killed = report.marks["primary killed"]
    promoted = report.marks["replica promoted"] - killed
    restored = report.marks["service restored"] - killed
    print(report.summary("Sentinel failover", "replica promoted"))
    print(
        f"[Sentinel failover] replica promoted {promoted:.2f} s after the kill; "
        f"service_restored on every socket {restored:.2f} s after it"
    )
    assert report.closes == {}
    assert report.restored >= len(stack.clients)


def group_entries(redis_url: str) -> int:
    """Channels in the member and session groups of the default layer (prefix `cp`)."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match="cp:group:*", count=1000))
        return sum(client.zcard(key) for key in keys)
    finally:
        client.close()


async def test_500_sockets_closing_at_once_leave_no_stale_group_entries(own_postgres, template):
    """500 sockets of one process, with a channel-layer pool of only 5 Redis connections,
    opened together and then dropped at the same moment: no call of the layer fails (a call
    waits for a free connection instead of failing with "Too many connections"), and no
    socket is left in a group."""
    sockets = 500
    redis_server = OwnRedis()
    redis_server.start()
    database_url = copy_database(own_postgres, template)
    fixture = prepare_database(database_url, redis_server.url, rooms=1, members=sockets)
    server = Daphne(server_env(database_url, redis_server.url, COUNTERPART_REDIS_POOL_SIZE="5"))
    name = fixture["cookie_name"]
    opened = []
    try:

        async def open_one(key):
            ws = await connect(
                server.url,
                origin=server.origin,
                additional_headers={"Cookie": f"{name}={key}"},
                open_timeout=60,
            )
            assert json.loads(await ws.recv())["type"] == "hello"
            opened.append(ws)

        started = time.monotonic()
        await asyncio.gather(*(open_one(key) for key in fixture["members"][0]))
        opening = time.monotonic() - started
        assert group_entries(redis_server.url) == 2 * sockets  # a member and a session group
        started = time.monotonic()
        for ws in opened:
            ws.transport.abort()  # all at once, without a close handshake
        async with asyncio.timeout(60):
            while (left := group_entries(redis_server.url)) > 0:
                await asyncio.sleep(0.1)
        print(
            f"\n[mass disconnect] {sockets} sockets opened in {opening:.1f} s; after they were "
            f"dropped at once, their {2 * sockets} group entries were gone in "
            f"{time.monotonic() - started:.1f} s ({left} left); pool of 5 connections"
        )
        # Not one call of the layer failed: no leave was left to a retry, no false outage.
        assert not [line for line in server.log if "channel layer unreachable" in line]
        assert not [line for line in server.log if "leaving a group failed" in line]
    finally:
        server.stop()
        redis_server.stop()
