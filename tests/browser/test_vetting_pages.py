"""Vetting in a real browser: a member endorses, a coordinator approves from the queue."""

import pytest
from django.db import connections

from network.models import Endorsement, Membership, MembershipDecision

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


@pytest.fixture
def chromium(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls made here by
    # the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        # While Playwright's loop is set, Django keeps this thread's database connections
        # in a separate, context-local store; close them before it goes, or they leak past
        # the test (and PostgreSQL refuses to drop the test database).
        connections.close_all()


@pytest.fixture
def page_for(chromium, live_server, client_for):
    """A browser page signed in as `user` (both factors), via the test client's session."""
    contexts = []

    def make(user):
        session_key = client_for(user).cookies["sessionid"].value
        context = chromium.new_context(base_url=live_server.url)
        context.add_cookies([{"name": "sessionid", "value": session_key, "url": live_server.url}])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def test_a_member_endorses_and_a_coordinator_approves_in_the_browser(
    page_for, applicant, member, coordinator, tipp
):
    application = Membership.objects.get(user=applicant, network=tipp)
    Endorsement.objects.create(membership=application, endorser=coordinator, statement="Known.")

    member_page = page_for(member)
    member_page.goto("/networks/tipp/applications/")
    member_page.get_by_label("Your endorsement: how you know this person").fill(
        "We worked together on a joint investigation."
    )
    member_page.get_by_role("button", name="Endorse").click()
    member_page.get_by_text("You endorsed Ana Applicant.").wait_for()
    assert Membership.objects.get(pk=application.pk).status == "endorsed"

    coordinator_page = page_for(coordinator)
    coordinator_page.goto("/networks/tipp/queue/")
    card = coordinator_page.locator(".application", has_text="Ana Applicant")
    assert "We worked together on a joint investigation." in card.inner_text()
    card.get_by_label("Decision").select_option("approve")
    card.get_by_label("Reason (required, on record)").fill("Two endorsements; post confirmed.")
    card.get_by_role("button", name="Decide").click()
    coordinator_page.get_by_text("Approve: Ana Applicant — on record.").wait_for()

    assert Membership.objects.get(pk=application.pk).status == "active"
    decision = MembershipDecision.objects.get(membership=application, kind="approved")
    assert (decision.actor, decision.reason) == (coordinator, "Two endorsements; post confirmed.")
    assert coordinator_page.get_by_text("No pending applications.").is_visible()


def test_the_browser_shows_a_refused_decision_with_its_message(page_for, coordinator, member, tipp):
    page = page_for(coordinator)
    page.goto("/networks/tipp/members/")
    row = page.locator("tr", has_text="Mateo Member")
    row.get_by_label("Decision").select_option("suspend")
    # The reason box is required in the form; a whitespace reason reaches the server.
    row.get_by_label("Reason (required, on record)").fill("   ")
    row.get_by_role("button", name="Decide").click()

    page.get_by_role("alert").wait_for()
    assert "A reason is required." in page.get_by_role("alert").inner_text()
    assert Membership.objects.get(user=member, network=tipp).status == "active"
