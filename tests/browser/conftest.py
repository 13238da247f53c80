"""Chromium through Playwright against pytest-django's live server.

One browser for the session; a fresh context (cookies, storage) and page per test. The live
server's origin is added to ALLOWED_ORIGINS and CSRF_TRUSTED_ORIGINS for each test.
"""

import os
import shutil

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
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM (used by the
    # test itself and by the live server's teardown) refuses to run next to one unless told.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server, settings):
    settings.ALLOWED_ORIGINS = [*settings.ALLOWED_ORIGINS, live_server.url]
    settings.CSRF_TRUSTED_ORIGINS = [*settings.CSRF_TRUSTED_ORIGINS, live_server.url]
    return live_server


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
