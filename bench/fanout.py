"""Real-time fan-out benchmark: the Counterpart stack beside a bare relay (the ceiling).

For each server (the ceiling relay of bench/ceiling_relay.py, then the real stack: Daphne
processes, Channels, Redis, PostgreSQL), each scenario (one 50-member room; 100 rooms of 10
members) and each send rate, a separate load-client process (bench/loadclient.py, uvloop)
sends messages with their send time in the body and measures send-to-delivery latency,
deliveries per second, lost and duplicate deliveries, and the CPU time of the server and of
the client. See bench/README.md for what each number means.

    .venv/bin/python bench/fanout.py                       # everything, a few minutes
    .venv/bin/python bench/fanout.py --servers ceiling --rates 50,max --duration 5
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from array import array
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import procstat  # noqa: E402
import realserver  # noqa: E402

SCENARIOS = {
    # name: (rooms, members per room, default offered rate of the "max" step in messages/s)
    "room50": (1, 50, 3000),
    "rooms100x10": (100, 10, 15000),
}
WARMUP_RATE = 50.0


# --- child processes ---------------------------------------------------------------------


class Child:
    """A child process that reports JSON lines on stdout."""

    def __init__(self, args: list[str], *, name: str, stdin=False, env=None, log: Path):
        self.name = name
        self._log = open(log, "wb")  # noqa: SIM115 - kept for the life of the process
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            bufsize=0,
            cwd=ROOT,
            env=env,
        )
        self._buf = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def read_line(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"{self.name}: no answer within {timeout:.0f} s")
            if self._selector.select(left):
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise SystemExit(
                        f"{self.name} exited (code {self.proc.wait()}); see {self._log.name}"
                    )
                self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line.decode()

    def read_event(self, timeout: float) -> dict:
        return json.loads(self.read_line(timeout))

    def send(self, message: dict):
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def stop(self, timeout: float = 5.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- servers -----------------------------------------------------------------------------


class Ceiling:
    name = "ceiling"

    def __init__(self, args, workdir: Path):
        self.port = free_port()
        self.child = Child(
            [sys.executable, str(HERE / "ceiling_relay.py"), "--port", str(self.port)],
            name="ceiling relay",
            log=workdir / "ceiling.log",
        )
        line = self.child.read_line(30)
        if not line.startswith("listening"):
            raise SystemExit(f"ceiling relay: unexpected output {line!r}")
        self.pids = [self.child.pid]
        print(f"  ceiling: relay pid {self.child.pid} on port {self.port}", flush=True)

    def fixture(self, n_rooms: int, members: int) -> tuple[list[dict], list[dict]]:
        rooms = [{"id": r + 1, "thread": 1} for r in range(n_rooms)]
        origin = f"http://127.0.0.1:{self.port}"
        conns = [
            {"room": r, "port": self.port, "origin": origin, "cookie": ""}
            for r in range(n_rooms)
            for _ in range(members)
        ]
        return rooms, conns

    def stop(self):
        self.child.stop()


class DaphneRelay(Ceiling):
    """The bare relay again, served by Daphne and a Channels consumer (bench/daphne_relay.py):
    what the server framework alone costs per frame."""

    name = "daphne"

    def __init__(self, args, workdir: Path):
        self.port = free_port()
        log = open(workdir / "daphne-relay.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
            + ["daphne_relay:application"],
            cwd=HERE,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.log = log
        realserver.wait_http(self.port, self.proc)
        self.pids = [self.proc.pid]
        print(f"  daphne: relay pid {self.proc.pid} on port {self.port}", flush=True)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


SERVERS = {"ceiling": Ceiling, "daphne": DaphneRelay}


class RealServer:
    name = "counterpart"

    def __init__(self, args, workdir: Path):
        self.prefix = f"cpbench{uuid.uuid4().hex[:8]}"
        self.redis_url = args.redis_url
        self.database_url = args.database_url
        realserver.prepare_django(
            database_url=args.database_url, redis_url=args.redis_url, channel_prefix=self.prefix
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "network.settings",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "COUNTERPART_CHANNEL_PREFIX": self.prefix,
            "COUNTERPART_LOG_LEVEL": os.environ.get("COUNTERPART_LOG_LEVEL", "WARNING"),
        }
        if args.settings != "network.settings":
            # A variant in bench/ (see bench/README.md), importable by the Daphne processes.
            env["DJANGO_SETTINGS_MODULE"] = args.settings
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
        self.ports = [free_port() for _ in range(args.daphne_procs)]
        self.procs = [
            realserver.start_daphne(port=port, env=env, log_path=workdir / f"daphne-{port}.log")
            for port in self.ports
        ]
        for port, proc in zip(self.ports, self.procs, strict=True):
            realserver.wait_http(port, proc)
        self.pids = [p.pid for p in self.procs]
        print(
            f"  counterpart: daphne pids {' '.join(map(str, self.pids))} "
            f"on ports {' '.join(map(str, self.ports))}",
            flush=True,
        )

    def fixture(self, n_rooms: int, members: int) -> tuple[list[dict], list[dict]]:
        fixture = realserver.make_fixture(n_rooms=n_rooms, members_per_room=members)
        conns = []
        for r, keys in enumerate(fixture["members"]):
            for j, key in enumerate(keys):
                # Members of a room alternate between the processes: deliveries cross them.
                port = self.ports[j % len(self.ports)]
                conns.append(
                    {
                        "room": r,
                        "port": port,
                        "origin": f"http://127.0.0.1:{port}",
                        "cookie": f"{fixture['cookie_name']}={key}",
                    }
                )
        return fixture["rooms"], conns

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        realserver.cleanup_redis(self.redis_url, self.prefix)


# --- one scenario against one server -----------------------------------------------------


def percentile(sorted_values, q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k] / 1e6


def cpu_snapshot(server_pids, client_pids) -> dict:
    splits = [procstat.thread_split(p) for p in server_pids]
    return {
        "server": sum(procstat.process_cpu(p) for p in server_pids),
        "server_main": sum(main for main, _ in splits),
        "server_threads": sum(others for _, others in splits),
        "client": sum(procstat.process_cpu(p) for p in client_pids),
        "postgres": procstat.service_cpu(("postgres",)),
        "redis": procstat.service_cpu(("redis-server",)),
        "machine": procstat.machine_jiffies(),
    }


def run_scenario(server, scenario: str, args, workdir: Path, run_hex: str) -> list[dict]:
    n_rooms, members, default_max = SCENARIOS[scenario]
    started = time.monotonic()
    rooms, conns = server.fixture(n_rooms, members)
    fixture_s = time.monotonic() - started
    config = {
        "impl": args.client,
        "path": "/ws/v1/",
        "rooms": rooms,
        "conns": conns,
        "procs": args.client_procs,
        "run_hex": run_hex,
        "connect_concurrency": args.connect_concurrency,
    }
    clients = []
    for p in range(args.client_procs):
        path = workdir / f"client-{server.name}-{scenario}-{p}.json"
        path.write_text(json.dumps({**config, "proc_index": p}))
        clients.append(
            Child(
                [sys.executable, str(HERE / "loadclient.py"), str(path)],
                name=f"load client {p}",
                stdin=True,
                log=workdir / f"client-{server.name}-{scenario}-{p}.log",
            )
        )
    ready = [c.read_event(300) for c in clients]
    connect_s = max(r["connect_s"] for r in ready)
    failures = Counter()
    for r in ready:
        failures.update(r["connect_failures"])
    print(
        f"  {server.name} {scenario}: {len(conns)} clients in {n_rooms} room(s) "
        f"(fixture {fixture_s:.1f} s, connect {connect_s:.1f} s"
        + (f", retried: {dict(failures)}" if failures else "")
        + ")",
        flush=True,
    )
    if args.warmup > 0:
        # Step 0, not reported: the server's first seconds (query shapes compiled, pools
        # filled) are not its steady state.
        for p, client in enumerate(clients):
            client.send(
                {
                    "cmd": "run",
                    "step": 0,
                    "rate": WARMUP_RATE,
                    "count": int(WARMUP_RATE * args.warmup),
                    "duration": args.warmup,
                    "t0": time.monotonic_ns() + 300_000_000,
                    "drain_idle": args.drain_idle,
                    "drain_max": args.drain_max,
                    "max_outstanding": args.max_outstanding,
                    "out": str(workdir / f"{server.name}-{scenario}-warmup-{p}"),
                }
            )
        for client in clients:
            assert client.read_event(args.warmup + args.drain_max + 60)["event"] == "done"
        time.sleep(args.pause)
    results = []
    for number, rate_name in enumerate(args.rates, start=1):
        rate = float(args.max_rate or default_max) if rate_name == "max" else float(rate_name)
        count = min(int(rate * args.duration), args.max_messages)
        t0 = time.monotonic_ns() + 300_000_000
        spies = start_py_spy(args, server, scenario, rate_name)
        database_url = getattr(server, "database_url", None)
        db_before = procstat.database_stats(database_url) if database_url else None
        before = cpu_snapshot(server.pids, [c.pid for c in clients])
        for p, client in enumerate(clients):
            client.send(
                {
                    "cmd": "run",
                    "step": number,
                    "rate": rate,
                    "count": count,
                    "duration": args.duration,
                    "t0": t0,
                    "drain_idle": args.drain_idle,
                    "drain_max": args.drain_max,
                    "max_outstanding": args.max_outstanding,
                    "out": str(workdir / f"{server.name}-{scenario}-{number}-{p}"),
                }
            )
        timeout = args.duration + args.drain_max + 60
        for client in clients:
            event = client.read_event(timeout)
            assert event["event"] == "done", event
        after = cpu_snapshot(server.pids, [c.pid for c in clients])
        db = {}
        if database_url:
            time.sleep(0.6)  # backends report their counters at most every 500 ms
            db_after = procstat.database_stats(database_url)
            db = {key: db_after[key] - db_before[key] for key in db_after}
        for spy in spies:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(args.duration + 30)
        result = merge_step(
            workdir, server.name, scenario, number, len(clients), count, members, before, after
        )
        result.update(
            {
                "db_sessions": db.get("sessions", 0),
                "db_active_s": db["active_ms"] / 1e3 if db else float("nan"),
                "db_commits": db.get("commits", 0),
                "scenario": scenario,
                "server": server.name,
                "rate": rate_name,
                "offered_msgs_per_s": rate,
                "clients": len(conns),
                "rooms": n_rooms,
                "members_per_room": members,
            }
        )
        results.append(result)
        print("    " + format_row(result), flush=True)
        time.sleep(args.pause)
    for client in clients:
        client.send({"cmd": "quit"})
    for client in clients:
        with contextlib.suppress(subprocess.TimeoutExpired):
            client.proc.wait(30)
        client.stop()
    return results


def start_py_spy(args, server, scenario: str, rate_name: str) -> list[subprocess.Popen]:
    """`py-spy record` on every server process for the sending part of the step."""
    if not args.py_spy:
        return []
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    spies = []
    for pid in server.pids:
        path = out / f"pyspy-{server.name}-{scenario}-{rate_name}-{pid}.txt"
        command = [
            spy,
            "record",
            "-p",
            str(pid),
            "-d",
            str(max(1, int(args.duration))),
            "-r",
            "200",
            "-f",
            "raw",
            "--threads",
            "--nonblocking",
            "-o",
            str(path),
        ]
        if args.py_spy == "idle":
            command.append("--idle")
        spies.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        print(f"    py-spy on {pid} -> {path.relative_to(ROOT)}", flush=True)
    return spies


def merge_step(workdir, server, scenario, number, procs, count, members, before, after) -> dict:
    summaries = []
    latencies = array("q")
    ack_latencies = array("q")
    recv = array("H", bytes(2 * count))
    acked = bytearray(count)
    for p in range(procs):
        prefix = workdir / f"{server}-{scenario}-{number}-{p}"
        summaries.append(json.loads(Path(f"{prefix}.json").read_text()))
        latencies.frombytes(Path(f"{prefix}.lat").read_bytes())
        ack_latencies.frombytes(Path(f"{prefix}.acklat").read_bytes())
        part = array("H")
        part.frombytes(Path(f"{prefix}.recv").read_bytes())
        for i, value in enumerate(part):
            if value:
                recv[i] += value
        for i, value in enumerate(Path(f"{prefix}.acked").read_bytes()):
            if value:
                acked[i] = value
    t0 = summaries[0]["t0"]
    deliveries = sum(s["deliveries"] for s in summaries)
    sent = sum(s["sent"] for s in summaries)
    last_delivery = max(s["last_delivery_ns"] for s in summaries)
    send_end = max(s["send_end_ns"] for s in summaries)
    n_acked = sum(1 for a in acked if a in (1, 2))
    lost = sum(max(0, members - recv[i]) for i in range(count) if acked[i] in (1, 2))
    unacked_delivered = sum(1 for i in range(count) if acked[i] not in (1, 2) and recv[i])
    errors = Counter()
    closes = Counter()
    for s in summaries:
        errors.update(s["errors"])
        closes.update(s["closes"])
    latencies = sorted(latencies)
    ack_latencies = sorted(ack_latencies)
    span = max(last_delivery, send_end) - t0
    busy = after["machine"][0] - before["machine"][0]
    total = after["machine"][1] - before["machine"][1]
    server_cpu = after["server"] - before["server"]
    return {
        "sent": sent,
        "acked": n_acked,
        "refused": sum(1 for a in acked if a == 3),
        "sent_msgs_per_s": sent / ((send_end - t0) / 1e9) if send_end > t0 else 0.0,
        "deliveries": deliveries,
        "deliveries_per_s": deliveries / (span / 1e9) if span > 0 else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": latencies[-1] / 1e6 if latencies else float("nan"),
        "ack_p50_ms": percentile(ack_latencies, 50),
        "ack_p99_ms": percentile(ack_latencies, 99),
        "lost": lost,
        "duplicates": sum(s["duplicates"] for s in summaries),
        "unacked_delivered": unacked_delivered,
        "stale": sum(s["stale"] for s in summaries),
        "misrouted": sum(s["misrouted"] for s in summaries),
        "errors": dict(errors),
        "closes": dict(closes),
        "max_send_lag_ms": max(s["max_send_lag_ns"] for s in summaries) / 1e6,
        "throttled_s": max(s["throttled_ns"] for s in summaries) / 1e9,
        "server_cpu_s": server_cpu,
        "server_main_thread_cpu_s": after["server_main"] - before["server_main"],
        "server_other_threads_cpu_s": after["server_threads"] - before["server_threads"],
        "client_cpu_s": after["client"] - before["client"],
        "postgres_cpu_s": after["postgres"] - before["postgres"],
        "redis_cpu_s": after["redis"] - before["redis"],
        "machine_busy_pct": 100.0 * busy / total if total else 0.0,
        # CPU of everything else on the machine in the same window (other users' load).
        "other_cpu_s": busy / procstat.TICK
        - server_cpu
        - (after["client"] - before["client"])
        - (after["postgres"] - before["postgres"])
        - (after["redis"] - before["redis"]),
        "server_us_per_delivery": 1e6 * server_cpu / deliveries if deliveries else float("nan"),
        "client_us_per_delivery": 1e6 * (after["client"] - before["client"]) / deliveries
        if deliveries
        else float("nan"),
        "window_s": span / 1e9,
    }


# --- output ------------------------------------------------------------------------------

COLUMNS = [
    ("scenario", 12, "{scenario}"),
    ("server", 11, "{server}"),
    ("rate", 6, "{rate}"),
    ("sent/s", 7, "{sent_msgs_per_s:.0f}"),
    ("deliv/s", 8, "{deliveries_per_s:.0f}"),
    ("p50 ms", 7, "{p50_ms:.1f}"),
    ("p95 ms", 7, "{p95_ms:.1f}"),
    ("p99 ms", 8, "{p99_ms:.1f}"),
    ("lost", 6, "{lost}"),
    ("dup", 4, "{duplicates}"),
    ("srv CPU s", 9, "{server_cpu_s:.2f}"),
    ("loop/thr s", 10, "{server_main_thread_cpu_s:.1f}/{server_other_threads_cpu_s:.1f}"),
    ("cli CPU s", 9, "{client_cpu_s:.2f}"),
    ("pg s", 5, "{postgres_cpu_s:.1f}"),
    ("db act s", 8, "{db_active_s:.1f}"),
    ("conns", 5, "{db_sessions}"),
    ("redis s", 7, "{redis_cpu_s:.1f}"),
    ("other s", 7, "{other_cpu_s:.1f}"),
    ("srv µs/d", 8, "{server_us_per_delivery:.0f}"),
    ("cli µs/d", 8, "{client_us_per_delivery:.0f}"),
]


def format_row(result: dict) -> str:
    cells = [fmt.format(**result).rjust(width) for _, width, fmt in COLUMNS]
    extra = []
    if result["errors"]:
        extra.append(f"errors {result['errors']}")
    if result["closes"]:
        extra.append(f"closed {result['closes']}")
    if result["refused"] or result["acked"] < result["sent"]:
        extra.append(f"acked {result['acked']}/{result['sent']}")
    if result["stale"]:
        extra.append(f"{result['stale']} late deliveries of earlier steps")
    return " ".join(cells) + ("  " + "; ".join(extra) if extra else "")


def print_table(results: list[dict]):
    if not results:
        return
    header = " ".join(name.rjust(width) for name, width, _ in COLUMNS)
    print()
    print(header)
    print("-" * len(header))
    for result in results:
        print(format_row(result))
    ceiling = {(r["scenario"], r["rate"]): r for r in results if r["server"] == "ceiling"}
    real = [r for r in results if r["server"] != "ceiling"]
    if ceiling and real:
        print()
        print("ratio to the ceiling (same scenario and rate):")
        print(
            f"{'scenario':>12} {'rate':>6} {'deliv/s':>8} {'p99 ms':>8} "
            f"{'CPU/deliv':>10} {'client/server CPU':>18}"
        )
        for r in real:
            c = ceiling.get((r["scenario"], r["rate"]))
            if c is None:
                continue
            print(
                f"{r['scenario']:>12} {r['rate']:>6} "
                f"{r['deliveries_per_s'] / c['deliveries_per_s']:>7.2f}x "
                f"{r['p99_ms'] / c['p99_ms']:>7.1f}x "
                f"{r['server_us_per_delivery'] / c['server_us_per_delivery']:>9.1f}x "
                f"{r['client_cpu_s'] / r['server_cpu_s'] if r['server_cpu_s'] else 0:>17.2f}"
            )


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Real-time fan-out benchmark (see bench/README.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--servers",
        default="ceiling,counterpart",
        help="ceiling (websockets relay), daphne (the same relay on Daphne and Channels) "
        "and/or counterpart",
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=", ".join(SCENARIOS))
    parser.add_argument(
        "--rates", default="10,50,200,max", help="messages/s per step, or max (open loop)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of sending a step")
    parser.add_argument(
        "--max-rate",
        type=float,
        default=None,
        help="offered messages/s of the max step (default per scenario: "
        + ", ".join(f"{k} {v[2]}" for k, v in SCENARIOS.items())
        + ")",
    )
    parser.add_argument(
        "--max-messages", type=int, default=60000, help="at most this many messages in a step"
    )
    parser.add_argument(
        "--max-outstanding",
        type=int,
        default=200,
        help="a client process pauses sending while this many messages await their ack",
    )
    parser.add_argument(
        "--drain-idle",
        type=float,
        default=5.0,
        help="end a step after this many seconds without a delivery once sending ended",
    )
    parser.add_argument(
        "--drain-max",
        type=float,
        default=20.0,
        help="seconds to wait for late deliveries after sending ended",
    )
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between steps")
    parser.add_argument(
        "--warmup",
        type=float,
        default=3.0,
        help=f"seconds of sending at {WARMUP_RATE} messages/s before the first step, not reported",
    )
    parser.add_argument(
        "--settings",
        default="network.settings",
        help="Django settings module of the Daphne processes (a variant may live in bench/)",
    )
    parser.add_argument("--daphne-procs", type=int, default=2, choices=[1, 2, 3, 4])
    parser.add_argument("--client-procs", type=int, default=1)
    parser.add_argument(
        "--client",
        choices=["raw", "websockets"],
        default="raw",
        help="the load client's WebSocket implementation",
    )
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or realserver.DEFAULT_DATABASE_URL,
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL") or realserver.DEFAULT_REDIS_URL
    )
    parser.add_argument(
        "--json",
        default=None,
        help="write results here (default: bench/results/fanout-<UTC time>.json)",
    )
    parser.add_argument("--no-json", action="store_true", help="do not write results")
    parser.add_argument(
        "--py-spy",
        choices=["cpu", "idle"],
        default=None,
        help="record each server process with py-spy during each step into bench/results/ "
        "(cpu: on-CPU samples; idle: also threads that wait, e.g. on PostgreSQL)",
    )
    parser.add_argument(
        "--keep-workdir", action="store_true", help="keep the client data and server logs"
    )
    args = parser.parse_args(argv)
    args.servers = [s for s in args.servers.split(",") if s]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.rates = [r for r in args.rates.split(",") if r]
    for s in args.servers:
        if s not in ("ceiling", "daphne", "counterpart"):
            parser.error(f"unknown server {s!r}: ceiling, daphne or counterpart")
    for s in args.scenarios:
        if s not in SCENARIOS:
            parser.error(f"unknown scenario {s!r}: {', '.join(SCENARIOS)}")
    for r in args.rates:
        if r != "max":
            try:
                if float(r) <= 0:
                    raise ValueError
            except ValueError:
                parser.error(f"a rate is a positive number of messages/s or max, not {r!r}")
    if args.duration <= 0 or args.duration > 120:
        parser.error("--duration must be in (0, 120] seconds")
    if args.client_procs < 1 or args.client_procs > 8:
        parser.error("--client-procs must be 1 to 8")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="fanout-"))
    run_hex = uuid.uuid4().hex[:8]
    print(
        f"fan-out benchmark, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"client {args.client} x{args.client_procs}, steps of {args.duration:g} s, "
        f"{args.daphne_procs} Daphne process(es) with {args.settings}",
        flush=True,
    )
    busy0, total0 = procstat.machine_jiffies()
    time.sleep(1.0)
    busy1, total1 = procstat.machine_jiffies()
    idle_load = 100.0 * (busy1 - busy0) / max(1, total1 - total0)
    print(f"machine load before the run: {idle_load:.0f}% of all cores", flush=True)
    if idle_load > 15:
        print(
            "  warning: something else is using the CPU; the figures will be lower than on an "
            "idle machine (see the 'other s' column)",
            flush=True,
        )
    results = []
    try:
        for name in args.servers:
            server_cls = SERVERS.get(name, RealServer)
            server = server_cls(args, workdir)
            try:
                for scenario in args.scenarios:
                    results.extend(run_scenario(server, scenario, args, workdir, run_hex))
            finally:
                server.stop()
    finally:
        print_table(results)
        if results and not args.no_json:
            path = (
                Path(args.json)
                if args.json
                else (HERE / "results" / f"fanout-{started:%Y%m%dT%H%M%S}Z.json")
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(
                    {
                        "started": started.isoformat(),
                        "command": " ".join(["bench/fanout.py", *(argv or sys.argv[1:])]),
                        "commit": git_commit(),
                        "cores": os.cpu_count(),
                        "machine": platform.machine(),
                        "python": platform.python_version(),
                        "client": args.client,
                        "client_procs": args.client_procs,
                        "daphne_procs": args.daphne_procs,
                        "settings": args.settings,
                        "duration_s": args.duration,
                        "load_before_pct": idle_load,
                        "results": results,
                    },
                    indent=1,
                )
            )
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            print(f"\nresults written to {shown}")
        if args.keep_workdir:
            print(f"client data and server logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
