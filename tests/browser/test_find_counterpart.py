"""A counterpart in three actions, in Chromium against Daphne, on a phone: from the home
page, choose the state, "Find", then "Message" on the directory's direct answer, which opens
the message box: the direct room with the contact point's member (opened now, or the one
they already share), the cursor in its composer. The test counts the actions and prints the
seconds (not asserted: the figure depends on the machine)."""

import time

import pytest
from django.conf import settings
from playwright.sync_api import expect

from directory import actions as directory
from messaging.models import Room, RoomParticipant
from tests.browser.daphne_server import (  # noqa: F401 - fixtures
    chromium_fixture,
    daphne_server_fixture,
    session_key_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jit_authority(counterpart, tipp):
    """Nigeria's verified JIT authority, linked to the counterpart's member account."""
    authority = directory.create_authority(
        name="Office of the Attorney General", kind="prosecution_service", state="NG"
    )
    return directory.create_contact_point(
        authority=authority,
        kind="person",
        name="Chidi Counterpart",
        competences=["jit.authorize"],
        networks=[tipp],
        email="jit@example.org",
        member=counterpart,
    )


def test_a_member_reaches_a_message_box_for_a_counterpart_in_three_actions(
    chromium, daphne_server, member, jit_authority, tmp_path
):
    context = chromium.new_context(
        base_url=daphne_server.origin,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_key_for(member),
                "url": daphne_server.origin,
            }
        ]
    )
    page = context.new_page()
    page.goto("/")
    started = time.monotonic()
    taken = []

    page.get_by_label("State").select_option(label="Nigeria")
    taken.append("choose the state")
    page.get_by_role("button", name="Find", exact=True).click()
    taken.append("find")
    answer = page.locator(".direct-answer")
    expect(answer).to_contain_text("Chidi Counterpart")
    # The answer the member came for is above the fold, before the form that refines it.
    expect(answer.get_by_role("button", name="Message")).to_be_in_viewport()
    search_form = page.locator("form.directory-search").bounding_box()
    assert answer.bounding_box()["y"] < search_form["y"]
    answer.get_by_role("button", name="Message").click()
    taken.append("message")
    expect(page.locator("#id_body")).to_be_focused()
    seconds = time.monotonic() - started
    page.keyboard.type("Good morning, about the JIT request")
    expect(page.locator("#id_body")).to_have_value("Good morning, about the JIT request")
    page.screenshot(path=tmp_path / "find-counterpart-en.png", full_page=True)
    room = Room.objects.get()
    assert page.url.startswith(f"{daphne_server.origin}/rooms/{room.pk}/?thread=")
    assert room.kind == Room.Kind.DIRECT
    current = RoomParticipant.objects.current().filter(room=room)
    assert set(current.values_list("user_id", flat=True)) == {member.pk, jit_authority.member_id}
    context.close()

    print(f"\nA counterpart in {len(taken)} actions, {seconds:.2f} s ({', '.join(taken)})")
    assert len(taken) <= 3
