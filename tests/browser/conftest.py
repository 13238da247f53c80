"""Chromium through Playwright against pytest-django's live server.

One Chromium process serves the whole session (`chromium`, reached over the DevTools
protocol); each test gets its own Playwright driver, browser context and page (`page`).
The live server's origin is added to ALLOWED_ORIGINS and CSRF_TRUSTED_ORIGINS per test, and
its host is the WebAuthn RP id.

Playwright's sync API keeps an event loop running in the test's thread while a page is
open, and Django's ORM refuses to run beside one: a test prepares its data in fixtures
requested before `page`, and the driver stops before pytest-django flushes the database.
"""

import shutil
import subprocess
import threading
from urllib.parse import urlsplit

import pytest

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


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A Chromium for the session; yields its DevTools endpoint."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(  # noqa: S603
        [
            CHROMIUM,
            *CHROMIUM_ARGS,
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    endpoint = None
    for line in process.stderr:
        if line.startswith("DevTools listening on "):
            endpoint = line.split()[-1]
            break
    if endpoint is None:
        process.kill()
        pytest.fail("Chromium did not start its DevTools endpoint")
    # Keep reading Chromium's log so that a full pipe never blocks it.
    drain = threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True)
    drain.start()
    yield endpoint
    process.terminate()
    process.wait(timeout=20)
    drain.join(timeout=20)
    process.stderr.close()


@pytest.fixture
def site(live_server, settings):
    settings.ALLOWED_ORIGINS = [*settings.ALLOWED_ORIGINS, live_server.url]
    settings.CSRF_TRUSTED_ORIGINS = [*settings.CSRF_TRUSTED_ORIGINS, live_server.url]
    settings.WEBAUTHN_RP_ID = urlsplit(live_server.url).hostname
    return live_server


@pytest.fixture
def page(chromium, site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(chromium)
        context = browser.new_context(base_url=site.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
