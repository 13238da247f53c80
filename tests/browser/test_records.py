"""A case record in real Chromium against a real Daphne: the owner requests an export, the
other participant approves it, the worker builds it while the owner's page follows its
progress, and the owner downloads the bundle once."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from messaging import actions, posting
from messaging.records import workflow
from messaging.records.models import ExportRequest
from messaging.verify import verify_bundle
from tests.browser.daphne_server import (  # noqa: F401 - fixtures
    browser_for_fixture,
    chromium_fixture,
    daphne_server_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room_with_a_message(case_room, member):
    thread = actions.create_thread(room=case_room, creator=member, title="Recruitment agency")
    posting.post_message(
        room=case_room,
        sender=member,
        thread=thread,
        body="The agency recruits in Lagos.",
        client_id=uuid.uuid4(),
    )
    return case_room


def fits(page) -> bool:
    """Nothing of the page's content reaches past the window (the site's header is the
    layout's, not this page's)."""
    return page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".every((e) => e.getBoundingClientRect().right <= window.innerWidth + 1)"
    )


def test_request_approve_build_download(browser_for, member, counterpart, room_with_a_message):
    room = room_with_a_message
    owner = browser_for(member)
    owner.set_viewport_size({"width": 360, "height": 740})
    owner.goto(f"/rooms/{room.pk}/")
    owner.get_by_role("link", name="Case record").click()
    expect(owner).to_have_url(re.compile(rf"/records/rooms/{room.pk}/$"))
    assert fits(owner)
    owner.fill("#id_legal_basis", "Order 4/2026")
    owner.fill("#id_case_reference", "DP 123/2025")
    owner.get_by_role("button", name="Request the export").click()
    expect(owner).to_have_url(re.compile(r"/records/exports/[0-9a-f-]+/$"))
    expect(owner.locator("#export-status")).to_have_text("awaiting approval")
    assert fits(owner)
    export_url = owner.url

    other = browser_for(counterpart)
    other.goto(export_url)
    other.get_by_role("button", name="Approve the export").click()
    expect(other.locator("#export-status")).to_have_text("pending")

    owner.reload()
    expect(owner.locator("#export-status")).to_have_text("pending")
    expect(owner.locator("#export-progress")).to_have_attribute("value", "0")
    assert workflow.run_pending() == 1
    # The page's script follows the export through the API and shows the finished one.
    expect(owner.locator("#export-status")).to_have_text("ready to download")
    expect(owner.locator("#export-progress")).to_have_attribute("value", "100")
    with owner.expect_download() as download:
        owner.locator("#download").click()
    bundle = download.value
    with open(bundle.path(), "rb") as file:
        assert verify_bundle(file.read()).ok
    assert bundle.suggested_filename.startswith("case-record-")
    assert ExportRequest.objects.get().status == "downloaded"
    owner.reload()
    expect(owner.locator("#export-status")).to_have_text("downloaded")
    expect(owner.locator("#download")).to_have_count(0)
    assert owner.console_errors == [] and other.console_errors == []
