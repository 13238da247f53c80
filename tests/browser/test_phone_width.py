"""Every page on a phone: at 360 px (the narrowest common Android width) and at 390 px (a
current iPhone), in English and in Arabic, no page scrolls sideways, and the navigation
collapses behind a "Menu" button that opens it.

The pages and actors are those of tests/browser/test_every_page.py (the access matrix's
pages, each for the first actor who sees the most of it), served by one Daphne.
"""

import json

import pytest
from django.conf import settings
from django.db import connections

from tests.browser.daphne_server import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_every_page import DRAWN, first_viewers, server, world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONES = {"360": {"width": 360, "height": 740}, "390": {"width": 390, "height": 844}}
LANGUAGES = ("en", "ar")
WIDEST = """() => {
  const width = document.scrollingElement.scrollWidth;
  const wider = [...document.querySelectorAll("body *")]
    .filter((node) => node.getBoundingClientRect().right > innerWidth + 1
                   || node.getBoundingClientRect().left < -1)
    .filter((node) => !node.closest(".skip-link, .visually-hidden"))
    .slice(0, 3).map((node) => `${node.tagName.toLowerCase()}.${node.className}`);
  return {width, wider};
}"""


@pytest.fixture(scope="module")
def widths(world, server):  # noqa: F811
    """phone -> language -> page key -> {width, wider}."""
    from playwright.sync_api import sync_playwright

    recorded: dict = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for phone, viewport in PHONES.items():
            for language in LANGUAGES:
                found = recorded.setdefault(phone, {}).setdefault(language, {})
                for actor, pages in first_viewers(world).items():
                    context = phone_context(chromium, server, world, actor, language, viewport)
                    page = context.new_page()
                    page.set_default_timeout(15_000)
                    for target in pages:
                        page.goto(target.path, wait_until="load")
                        if target.route in DRAWN:
                            page.wait_for_selector(DRAWN[target.route])
                        found[target.key] = page.evaluate(WIDEST)
                    context.close()
        chromium.close()
    connections.close_all()
    return recorded


def phone_context(chromium, server, world, actor, language, viewport):  # noqa: F811
    context = chromium.new_context(
        base_url=server.origin, viewport=viewport, is_mobile=True, has_touch=True
    )
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language}]
    if actor in world.sessions:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": world.sessions[actor]})
    context.add_cookies([{**cookie, "url": server.origin} for cookie in cookies])
    return context


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("phone", PHONES)
def test_no_page_scrolls_sideways_on_a_phone(widths, phone, language):
    """document.scrollingElement.scrollWidth stays within the phone's width on every page."""
    limit = PHONES[phone]["width"]
    recorded = widths[phone][language]
    wrong = {key: seen for key, seen in recorded.items() if seen["width"] > limit}

    assert recorded
    assert not wrong, json.dumps(wrong, indent=1)


# The signed-in session is read by the Daphne process that serves the page: PostgreSQL.
@pytest.mark.postgres
def test_the_navigation_collapses_behind_a_menu_button(world, server):  # noqa: F811
    """On a phone the links and "Sign out" are behind "Menu"; the button opens them, says
    so (aria-expanded), and on a wide screen there is no button and the links show."""
    from playwright.sync_api import sync_playwright

    member = next(actor for actor in first_viewers(world) if actor in world.sessions)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = phone_context(chromium, server, world, member, "en", PHONES["360"])
        page = context.new_page()
        page.goto("/", wait_until="load")
        toggle = page.get_by_role("button", name="Menu")
        closed = (
            toggle.get_attribute("aria-expanded"),
            page.locator("#site-nav a", has_text="Account").is_visible(),
            page.get_by_role("button", name="Sign out").is_visible(),
        )
        toggle.click()
        opened = (
            toggle.get_attribute("aria-expanded"),
            page.locator("#site-nav a", has_text="Account").is_visible(),
            page.get_by_role("button", name="Sign out").is_visible(),
            page.evaluate("document.scrollingElement.scrollWidth"),
        )
        page.set_viewport_size({"width": 1200, "height": 800})
        wide = (toggle.is_visible(), page.locator("#site-nav a", has_text="Account").is_visible())
        context.close()
        chromium.close()
    connections.close_all()

    assert closed == ("false", False, False)
    assert opened[:3] == ("true", True, True) and opened[3] <= 360
    assert wide == (False, True)
