"""The load client of the fan-out benchmark: one process, on uvloop, many WebSocket clients.

Started by bench/fanout.py as `python bench/loadclient.py CONFIG.json`, it talks to the
coordinator over stdin/stdout in JSON lines:

    → {"event": "ready", ...}            all connections open and subscribed
    ← {"cmd": "run", "step": k, ...}     one rate step (open-loop schedule from t0)
    → {"event": "done", "step": k}       results written to <out>.json and <out>.*
    ← {"cmd": "quit"}

Several processes can share a configuration (`proc_index`/`procs`): connection c belongs to
process c % procs, every process knows the whole schedule and sends the messages whose
sender it holds. Time is CLOCK_MONOTONIC, shared by every process of the machine, so a
timestamp put in a body by one process is comparable with a receive time in another.

Message i of step k goes to room i % rooms, from member (i // rooms) % size of that room, at
t0 + i / rate, with the body `bench:<send time ns>:<k>:<i>`. Every text frame that carries
such a marker counts as a delivery of message i to that connection; a second one for the same
(connection, i) is a duplicate.
"""

import asyncio
import json
import re
import sys
import time
from array import array
from collections import Counter

MARK = re.compile(rb"bench:(\d+):(\d+):(\d+)")
clock = time.monotonic_ns


class Step:
    """Counters of one rate step, for this process's connections."""

    def __init__(self, number: int, total: int, n_rooms: int):
        self.number = number
        self.total = total
        self.n_rooms = n_rooms
        self.recv_count = array("H", bytes(2 * total))
        self.send_ns = array("q", bytes(8 * total))
        self.acked = bytearray(total)  # 1 acked, 2 acked as a duplicate, 3 refused
        self.latencies = array("q")
        self.ack_latencies = array("q")
        self.deliveries = 0
        self.duplicates = 0
        self.stale = 0
        self.misrouted = 0
        self.sent = 0
        self.answered = 0  # acks and refusals of this process's sends
        self.throttled_ns = 0  # time spent waiting because max_outstanding was reached
        self.errors: Counter = Counter()
        self.closes: Counter = Counter()
        self.first_delivery_ns = 0
        self.last_delivery_ns = 0
        self.last_progress_ns = 0


class Conn:
    """One WebSocket client: a member subscribed to one room."""

    __slots__ = ("client", "index", "room", "spec", "ws", "seen", "subscribed", "closed")

    def __init__(self, client, index: int, spec: dict):
        self.client = client
        self.index = index
        self.room = spec["room"]
        self.spec = spec
        self.ws = None
        self.seen = bytearray()
        self.subscribed = None
        self.closed = None

    def on_text(self, payload: bytes, now: int):
        step = self.client.step
        match = MARK.search(payload)
        if match is not None:
            if step is None or int(match[2]) != step.number:
                # A delivery of an earlier step, late (counted with the next step).
                if step is not None:
                    step.stale += 1
                else:
                    self.client.late_between_steps += 1
                return
            i = int(match[3])
            if i % step.n_rooms != self.room:
                step.misrouted += 1
                return
            k = i // step.n_rooms
            if self.seen[k]:
                step.duplicates += 1
                return
            self.seen[k] = 1
            step.recv_count[i] += 1
            step.deliveries += 1
            step.latencies.append(now - int(match[1]))
            if not step.first_delivery_ns:
                step.first_delivery_ns = now
            step.last_delivery_ns = now
            step.last_progress_ns = now
            return
        self.client.on_frame(self, json.loads(payload), now)

    def on_close(self, code: int):
        self.closed = code
        if self.client.step is not None:
            self.client.step.closes[str(code)] += 1
        if self.subscribed is not None and not self.subscribed.done():
            self.subscribed.set_exception(ConnectionError(f"closed with code {code}"))


class LoadClient:
    def __init__(self, config: dict):
        self.config = config
        self.proc_index = config.get("proc_index", 0)
        self.procs = config.get("procs", 1)
        self.rooms = config["rooms"]
        self.n_rooms = len(self.rooms)
        self.run_hex = config.get("run_hex", "0badcafe")
        self.conns = [Conn(self, c, spec) for c, spec in enumerate(config["conns"])]
        self.local = [c for c in self.conns if c.index % self.procs == self.proc_index]
        self.members: list[list[Conn]] = [[] for _ in self.rooms]
        for conn in self.conns:
            self.members[conn.room].append(conn)
        self.local_members = [
            sum(1 for c in members if c.index % self.procs == self.proc_index)
            for members in self.members
        ]
        # The start of every send frame, per room, so a send costs one string join.
        self.send_prefix = [
            '{"type":"send","room":'
            + json.dumps(room["id"])
            + ',"thread":'
            + json.dumps(room["thread"])
            + ',"client_id":"'
            for room in self.rooms
        ]
        self.step: Step | None = None
        self.late_between_steps = 0
        self.connect_failures: Counter = Counter()
        self.other_frames: Counter = Counter()

    # --- connecting ---------------------------------------------------------------------

    async def open_all(self):
        semaphore = asyncio.Semaphore(self.config.get("connect_concurrency", 50))
        started = time.monotonic()
        await asyncio.gather(*(self._open(conn, semaphore) for conn in self.local))
        return time.monotonic() - started

    async def _open(self, conn: Conn, semaphore):
        for attempt in range(4):
            async with semaphore:
                try:
                    conn.subscribed = asyncio.get_running_loop().create_future()
                    conn.closed = None
                    await asyncio.wait_for(self._connect(conn), 30)
                    self._send(
                        conn, json.dumps({"type": "subscribe", "room": self.rooms[conn.room]["id"]})
                    )
                    await asyncio.wait_for(conn.subscribed, 30)
                    return
                except Exception as exc:
                    self.connect_failures[type(exc).__name__ + ": " + str(exc)[:80]] += 1
                    if conn.ws is not None:
                        self._close(conn)
                        conn.ws = None
            await asyncio.sleep(0.5 * (attempt + 1))
        raise SystemExit(f"connection {conn.index} could not open: {dict(self.connect_failures)}")

    async def _connect(self, conn: Conn):
        spec = conn.spec
        host = f"127.0.0.1:{spec['port']}"
        if self.config.get("impl", "raw") == "raw":
            from wsclient import WebSocketClientProtocol

            loop = asyncio.get_running_loop()
            _, protocol = await loop.create_connection(
                lambda: WebSocketClientProtocol(
                    host=host,
                    path=self.config.get("path", "/ws/v1/"),
                    origin=spec["origin"],
                    cookie=spec.get("cookie", ""),
                    clock=clock,
                    on_text=conn.on_text,
                    on_close=conn.on_close,
                ),
                "127.0.0.1",
                spec["port"],
            )
            await protocol.opened
            conn.ws = protocol
        else:
            from websockets.asyncio.client import connect

            headers = [("Cookie", spec["cookie"])] if spec.get("cookie") else None
            ws = await connect(
                f"ws://{host}{self.config.get('path', '/ws/v1/')}",
                origin=spec["origin"],
                additional_headers=headers,
                compression=None,
                ping_interval=None,
                max_queue=None,
            )
            conn.ws = ws
            asyncio.get_running_loop().create_task(self._reader(conn, ws))

    async def _reader(self, conn: Conn, ws):
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                payload = await ws.recv(decode=False)
                conn.on_text(payload, clock())
        except ConnectionClosed as exc:
            conn.on_close(exc.rcvd.code if exc.rcvd else 1006)

    def _send(self, conn: Conn, text: str):
        if self.config.get("impl", "raw") == "raw":
            conn.ws.send_text(text.encode())
        else:
            from websockets.asyncio.connection import broadcast

            broadcast([conn.ws], text, text=True)

    def _close(self, conn: Conn):
        if self.config.get("impl", "raw") == "raw":
            conn.ws.close()
        else:
            asyncio.get_running_loop().create_task(conn.ws.close())

    # --- frames other than deliveries ---------------------------------------------------

    def on_frame(self, conn: Conn, frame: dict, now: int):
        kind = frame.get("type")
        step = self.step
        if kind == "ack":
            cid = frame.get("client_id", "")
            if step is None or int(cid[9:13], 16) != step.number:
                return
            i = int(cid[-12:], 16)
            if step.acked[i] == 0:
                step.acked[i] = 2 if frame.get("duplicate") else 1
                step.answered += 1
                step.last_progress_ns = now
                step.ack_latencies.append(now - step.send_ns[i])
        elif kind == "subscribed":
            if conn.subscribed is not None and not conn.subscribed.done():
                conn.subscribed.set_result(frame.get("head"))
        elif kind == "error":
            code = frame.get("code", "?")
            if step is not None:
                step.errors[code] += 1
                ref = frame.get("ref") or ""
                if len(ref) == 36 and ref.startswith(self.run_hex):
                    i = int(ref[-12:], 16)
                    if i < step.total and not step.acked[i]:
                        step.acked[i] = 3
                        step.answered += 1
            elif conn.subscribed is not None and not conn.subscribed.done():
                conn.subscribed.set_exception(ConnectionError(f"error frame: {frame}"))
        else:
            self.other_frames[str(kind)] += 1

    # --- a rate step ----------------------------------------------------------------------

    async def run_step(self, cmd: dict) -> dict:
        number, rate, total = cmd["step"], float(cmd["rate"]), int(cmd["count"])
        t0 = int(cmd["t0"])
        step = Step(number, total, self.n_rooms)
        step.stale, self.late_between_steps = self.late_between_steps, 0
        per_room = total // self.n_rooms + 1
        for conn in self.local:
            conn.seen = bytearray(per_room)
        self.step = step
        interval = 1e9 / rate
        n_rooms = self.n_rooms
        members = self.members
        prefix = self.send_prefix
        run_hex = self.run_hex
        proc_index, procs = self.proc_index, self.procs
        send_ns = step.send_ns
        raw = self.config.get("impl", "raw") == "raw"
        max_outstanding = int(cmd.get("max_outstanding", 2000))
        # Sending stops at the end of the step even if the schedule is behind (a slow server).
        deadline = t0 + int(float(cmd["duration"]) * 1e9)
        lag_max = 0
        i = 0
        while i < total and clock() < deadline:
            if step.sent - step.answered >= max_outstanding:
                # Bounded open loop: a server that cannot keep up is not buried.
                paused = clock()
                await asyncio.sleep(0.002)
                step.throttled_ns += clock() - paused
                continue
            now = clock()
            due = t0 + int(i * interval)
            if due > now:
                await asyncio.sleep((due - now) / 1e9)
                continue
            lag_max = max(lag_max, now - due)
            # Send everything that is due (open loop: a late client sends a burst).
            while (
                i < total
                and t0 + int(i * interval) <= now
                and step.sent - step.answered < max_outstanding
            ):
                # Message i goes to room i % n_rooms, from the room's members in turn,
                # shifted by the room: consecutive sends come from alternating member
                # positions, and so from alternating server processes (members alternate
                # between them by position), as independent users' sends would.
                room, turn = i % n_rooms, i // n_rooms
                room_members = members[room]
                sender = room_members[(turn + room) % len(room_members)]
                if sender.index % procs == proc_index and sender.closed is None:
                    t = clock()
                    text = (
                        f"{prefix[i % n_rooms]}{run_hex}-{number & 0xFFFF:04x}-4000-8000-"
                        f'{i:012x}","body":"bench:{t}:{number}:{i}"}}'
                    )
                    send_ns[i] = t
                    if raw:
                        sender.ws.send_text(text.encode())
                    else:
                        self._send(sender, text)
                    step.sent += 1
                i += 1
            # Let the receive side run between bursts.
            await asyncio.sleep(0)
        send_end = clock()
        # Deliveries this process expects: every message of the schedule that was reached
        # (by this process; other processes reach about the same point), once per local member.
        expected = sum(
            ((i - r + self.n_rooms - 1) // self.n_rooms) * self.local_members[r]
            for r in range(self.n_rooms)
        )
        step.last_progress_ns = max(step.last_progress_ns, send_end)
        drain_idle = int(float(cmd.get("drain_idle", 2.0)) * 1e9)
        drain_max = int(float(cmd.get("drain_max", 20.0)) * 1e9)
        # Wait for every delivery; or, once every send was answered, for a quiet spell; and
        # never longer than drain_max (a server still busy then carries over to the next step).
        while step.deliveries < expected or step.answered < step.sent:
            now = clock()
            quiet = now - step.last_progress_ns > drain_idle
            if (quiet and step.answered >= step.sent) or now - send_end > drain_max:
                break
            await asyncio.sleep(0.02)
        drained = clock()
        self.step = None
        out = cmd["out"]
        summary = {
            "step": number,
            "proc_index": proc_index,
            "t0": t0,
            "sent": step.sent,
            "send_end_ns": send_end,
            "drained_ns": drained,
            "expected_local": expected,
            "deliveries": step.deliveries,
            "duplicates": step.duplicates,
            "stale": step.stale,
            "misrouted": step.misrouted,
            "errors": dict(step.errors),
            "closes": dict(step.closes),
            "first_delivery_ns": step.first_delivery_ns,
            "last_delivery_ns": step.last_delivery_ns,
            "max_send_lag_ns": lag_max,
            "throttled_ns": step.throttled_ns,
            "open_connections": sum(1 for c in self.local if c.closed is None),
        }
        with open(out + ".lat", "wb") as f:
            step.latencies.tofile(f)
        with open(out + ".acklat", "wb") as f:
            step.ack_latencies.tofile(f)
        with open(out + ".recv", "wb") as f:
            step.recv_count.tofile(f)
        with open(out + ".acked", "wb") as f:
            f.write(step.acked)
        with open(out + ".json", "w") as f:
            json.dump(summary, f)
        return summary


def emit(event: dict):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


async def main(path: str):
    with open(path) as f:
        config = json.load(f)
    client = LoadClient(config)
    connect_s = await client.open_all()
    emit(
        {
            "event": "ready",
            "connections": len(client.local),
            "connect_s": round(connect_s, 3),
            "connect_failures": dict(client.connect_failures),
        }
    )
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = json.loads(line)
        if cmd["cmd"] == "run":
            await client.run_step(cmd)
            emit({"event": "done", "step": cmd["step"]})
        elif cmd["cmd"] == "quit":
            break
    for conn in client.local:
        if conn.ws is not None and conn.closed is None:
            client._close(conn)
    await asyncio.sleep(0.2)


if __name__ == "__main__":
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.run(main(sys.argv[1]))
    except ImportError:
        asyncio.run(main(sys.argv[1]))
