"""Services a test starts for itself on free loopback ports, never the shared ones: a TCP
relay in front of PostgreSQL that can cut the connection, and a Daphne that uses them (a
Redis of the test's own is `tests.messaging.faults.OwnRedis`)."""

import os
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings

from tests.messaging.faults import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, *, timeout: float, every: float = 0.05):
    """Poll `condition` until it returns something true; its value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(every)


class Relay:
    """A TCP relay on a free port to `target`; `cut()` drops every connection and refuses
    new ones (the port closed), `restore()` listens again on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.running = True
        self.selector = selectors.DefaultSelector()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self.restore()
        self.thread.start()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.setblocking(False)
        with self.lock:
            self.listener = listener
            self.selector.register(listener, selectors.EVENT_READ, None)

    def cut(self) -> None:
        with self.lock:
            if self.listener is not None:
                self.selector.unregister(self.listener)
                self.listener.close()
                self.listener = None
            for pair in self.pairs:
                for end in pair:
                    with suppress(KeyError, ValueError):
                        self.selector.unregister(end)
                    end.close()
            self.pairs = []

    def close(self) -> None:
        self.running = False
        self.cut()
        self.thread.join(5)

    def _loop(self) -> None:
        while self.running:
            with self.lock:
                ready = self.selector.select(timeout=0.05) if self.selector.get_map() else []
                for key, _ in ready:
                    if key.data is None:
                        self._accept(key.fileobj)
                    else:
                        self._pump(key.fileobj, key.data)
            if not ready:
                time.sleep(0.01)

    def _accept(self, listener) -> None:
        try:
            client, _ = listener.accept()
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            return
        self.pairs.append((client, upstream))
        self.selector.register(client, selectors.EVENT_READ, upstream)
        self.selector.register(upstream, selectors.EVENT_READ, client)

    def _pump(self, source, destination) -> None:
        try:
            data = source.recv(65536)
            if data:
                destination.sendall(data)
                return
        except OSError:
            pass
        for end in (source, destination):
            with suppress(KeyError, ValueError):
                self.selector.unregister(end)
            end.close()
        self.pairs = [p for p in self.pairs if source not in p]


def database_url(host: str, port: int) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@contextmanager
def daphne(env: dict[str, str]):
    """Daphne as deployed (messaging/realtime/server.py) on a free loopback port with `env`
    over the test's settings; yields (origin, the lines it logged so far)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    origin = f"http://127.0.0.1:{listener.getsockname()[1]}"
    environ = {
        **os.environ,
        "COUNTERPART_ORIGIN": origin,
        "SECRET_KEY": settings.SECRET_KEY,
        "COUNTERPART_MASTER_KEYS": settings.COUNTERPART_MASTER_KEYS,
        "COUNTERPART_VAR_DIR": tempfile.mkdtemp(prefix="counterpart-"),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "messaging.realtime.server",
            "--fd",
            str(listener.fileno()),
            "network.asgi:application",
        ],
        cwd=ROOT,
        env=environ,
        pass_fds=[listener.fileno()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    listener.close()
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(process.stderr), daemon=True)
    reader.start()
    try:
        wait_until(lambda: get(origin + "/healthz")[0] == 200, timeout=60, every=0.1)
        yield origin, log
    finally:
        process.kill()
        process.wait()
        reader.join(5)
        process.stderr.close()


def get(url: str, *, host: str | None = None) -> tuple[int, bytes]:
    """(status, body) of a plain GET; (0, b"") when nothing answers."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""
