"""A real Daphne on loopback for the tests, serving the test database.

The listening socket is bound and listening here (port 0) before Daphne starts, and handed to
it by file descriptor: there is no race for a free port, and clients that connect before
Daphne has loaded the application wait in the socket's backlog instead of being refused.
"""

import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def daphne(*, redis: bool = False, env: dict | None = None):
    """Run Daphne as production does (messaging/realtime/server.py) on a free loopback
    port, with `env` added to its environment; yields (origin, process)."""
    extra = env or {}
    assert connection.vendor == "postgresql", "Daphne shares the test database on PostgreSQL"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    origin = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "COUNTERPART_ORIGIN": origin,
        "SECRET_KEY": settings.SECRET_KEY,
        "COUNTERPART_MASTER_KEYS": settings.COUNTERPART_MASTER_KEYS,
        "COUNTERPART_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    if redis:
        env["REDIS_URL"] = settings.REDIS_URL
        env["COUNTERPART_CHANNEL_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    else:
        env.pop("REDIS_URL", None)
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [
            sys.executable,
            "-m",
            "messaging.realtime.server",
            "--fd",
            str(listener.fileno()),
            "-v",
            "1",
            "network.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        pass_fds=[listener.fileno()],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    listener.close()
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(process.stderr), daemon=True)
    reader.start()
    try:
        if process.poll() is not None:
            raise RuntimeError("Daphne did not start:\n" + "".join(log))
        process.log = log
        yield origin, process
    finally:
        process.kill()  # nothing to keep: the test database is flushed after each test
        process.wait()
        reader.join(5)
        process.stderr.close()
