"""The directory in a real browser: search with accents, the direct answer, the card."""

import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import expect

from directory import actions
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _session_cookie(user) -> str:
    """Sign in from a plain thread: Playwright's sync API keeps an event loop running in this
    one, where Django refuses (or would open a separate) database connection."""

    def sign_in_and_close():
        try:
            return sign_in(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(sign_in_and_close).result()


@pytest.fixture
def page_for(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )

        def open_as(user):
            context = browser.new_context(base_url=live_server.url)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": _session_cookie(user),
                        "url": live_server.url,
                    }
                ]
            )
            return context.new_page()

        yield open_as
        browser.close()


@pytest.fixture
def directory_entries(tipp):
    authority = actions.create_authority(
        name="Fiscalía General de la Nación", kind="prosecution_service", state="CO"
    )
    ministry = actions.create_authority(
        name="Ministerio de Justicia", kind="mla_central_authority", state="CO"
    )
    actions.create_contact_point(
        authority=authority,
        kind="person",
        name="Lucía Castañeda",
        competences=["tip.specialized_prosecution"],
        networks=[tipp],
        languages=[("es", "native"), ("en", "working")],
        phone="+573001234567",
    )
    actions.create_contact_point(
        authority=ministry,
        kind="desk",
        name="Mesa de Cooperación Internacional",
        competences=["mla.central_authority"],
        networks=[tipp],
        email="mla@justicia.example",
    )


def test_a_member_finds_a_counterpart_and_the_direct_answer(directory_entries, member, page_for):
    page = page_for(member)
    page.goto("/directory/")
    page.fill("#q", "fiscalia")
    page.click("form.directory-search button[type=submit]")
    page.wait_for_url(re.compile(r"/directory/\?"))
    card = page.locator("article.entry").first
    assert "Lucía Castañeda" in card.inner_text()
    assert "+573001234567" in card.inner_text()

    page.goto("/directory/")
    page.select_option("#state", "CO")
    page.select_option("#competence", "jit.authorize")
    page.click("form.directory-search button[type=submit]")
    answer = page.locator("section.direct-answer")
    assert "No contact point in" in answer.inner_text()
    assert "Mesa de Cooperación Internacional" in answer.inner_text()

    page.click("section.direct-answer article.entry h3 a")
    page.wait_for_url(re.compile(r"/directory/contact-points/\d+/$"))
    expect(page.locator("a", has_text="vCard")).to_have_count(1)


def test_a_member_of_another_network_sees_the_authority_only(
    directory_entries, other_network_member, page_for
):
    page = page_for(other_network_member)
    page.goto("/directory/?q=fiscalia")
    text = page.locator("section.results").inner_text()
    assert "Fiscalía General de la Nación" in text
    assert "Lucía" not in text and "+573001234567" not in text


def test_an_outsider_is_told_the_directory_is_for_active_members(
    directory_entries, outsider, page_for
):
    page = page_for(outsider)
    response = page.goto("/directory/?q=fiscalia")
    assert response.status == 403
    assert "active members of a network only" in page.locator("[role=alert]").inner_text()
    assert "Fiscalía General de la Nación" not in page.content()
