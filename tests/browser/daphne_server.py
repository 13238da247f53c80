"""A real Daphne in a subprocess serving the test database, and Chromium (Playwright)
browser contexts signed in as members.

The subprocess gets the test database's name in DATABASE_URL (on SQLite the test database
is a file: see `django_db_modify_db_settings` in tests/conftest.py), its own origin in
COUNTERPART_ORIGIN and, with Redis, the test's channel-layer prefix. Tests that use it need
`transactional_db` (rows must be committed to be seen by the server). A test module imports
the `*_fixture` functions; they register as `daphne_server`, `chromium` and `browser_for`.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from importlib import import_module
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection, connections

from network.accounts.sessions import mark_two_factor_verified

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 30.0
APP_NAME = "cp-browser-daphne"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_database_url() -> str:
    """The URL of the database this test process uses (the test database, once set up)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if "mode=memory" in name or name == ":memory:":
            raise RuntimeError("an in-memory SQLite database cannot be shared with a server")
        return f"sqlite:///{Path(name).resolve()}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}?application_name={APP_NAME}"


class DaphneServer:
    """Daphne on a free loopback port; `restart()` drops every socket, as a deploy would."""

    def __init__(self, log_path: Path):
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "network.settings",
            "DATABASE_URL": served_database_url(),
            "COUNTERPART_ORIGIN": self.origin,
            "COUNTERPART_SERVE_STATIC": "1",
            "PYTHONUNBUFFERED": "1",
        }
        if settings.REDIS_URL:
            self.env["COUNTERPART_CHANNEL_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"][
                "prefix"
            ]

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "network.asgi:application",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Daphne exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.origin}/healthz", timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)  # polling a port that is not open yet
        raise RuntimeError(f"Daphne did not answer within {START_TIMEOUT} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        self._wait_for_database_sessions_to_end()

    @staticmethod
    def _wait_for_database_sessions_to_end() -> None:
        """PostgreSQL ends a dead client's session a moment after the process exits; the
        test database can be flushed or dropped only once it has."""
        if connection.vendor != "postgresql":
            return
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = %s",
                    [APP_NAME],
                )
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture(name="daphne_server")
def daphne_server_fixture(transactional_db, tmp_path):
    server = DaphneServer(tmp_path / "daphne.log")
    server.start()
    yield server
    server.stop()


def session_key_for(user) -> str:
    """A signed-in session that passed the second factor, as the sign-in flow leaves it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    mark_two_factor_verified(store, method="totp")
    store.save()
    return store.session_key


@pytest.fixture(name="chromium")
def chromium_fixture(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test
    # itself stay synchronous and in order. While that loop is set, Django keeps database
    # connections per context: they are closed here, or the test database cannot be dropped.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture(name="browser_for")
def browser_for_fixture(chromium, daphne_server):
    """`browser_for(user)` → a page in its own browser context, signed in as `user`."""
    contexts = []

    def open_page(user):
        context = chromium.new_context(base_url=daphne_server.origin)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_key_for(user),
                    "url": daphne_server.origin,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        # Script errors, policy violations and failed requests (the favicon aside).
        page.console_errors = []
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                page.console_errors.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                page.console_errors.append(f"{response.status} {response.url}")
                if response.status >= 400 and not response.url.endswith("/favicon.ico")
                else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
