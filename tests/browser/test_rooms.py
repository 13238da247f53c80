"""The live room page in real Chromium against a real Daphne: delivery between two members,
reconnect with catch-up after the server drops the socket, and the loss of access."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from messaging import actions, posting
from tests.browser.daphne_server import (  # noqa: F401 - fixtures
    browser_for_fixture,
    chromium_fixture,
    daphne_server_fixture,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thread(case_room, member):
    return actions.create_thread(
        room=case_room,
        creator=member,
        title="Recruitment agency",
        tags=[{"kind": "case_number", "state": "ES", "value": "DP 123/2025"}],
    )


def open_room(page, room, thread):
    page.goto(f"/rooms/{room.pk}/?thread={thread.pk}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return page


def test_a_message_sent_in_one_browser_appears_live_in_the_other(
    browser_for, member, counterpart, case_room, thread
):
    sender = open_room(browser_for(member), case_room, thread)
    reader = open_room(browser_for(counterpart), case_room, thread)

    sender.fill("#id_body", "The agency uses **two** addresses.")
    sender.select_option("#id_handling", "H2")
    sender.check("#id_confirm_handling")
    sender.click("#composer button[type=submit]")

    message = reader.locator("#messages .message", has_text="The agency uses two addresses.")
    expect(message).to_be_visible()
    expect(message.locator(".handling")).to_have_text("H2")
    expect(message.locator(".body strong")).to_have_text("two")
    expect(message.locator(".sender")).to_have_text("Mateo Member")
    # The sender's own copy is acknowledged and replaced by the stored message.
    expect(sender.locator("#messages .message.pending")).to_have_count(0)
    expect(sender.locator("#messages .message", has_text="two addresses")).to_have_count(1)
    assert sender.locator("#id_body").input_value() == ""

    first_seq = case_room.messages.get().seq
    message.get_by_role("link", name="Reply").click()
    assert reader.locator("#id_reply_to").input_value() == str(first_seq)
    reader.fill("#id_body", "Confirmed by our registry.")
    reader.click("#composer button[type=submit]")
    reply = sender.locator("#messages .message", has_text="Confirmed by our registry.")
    expect(reply.locator(".reply-to")).to_contain_text(f"#{first_seq}")
    assert sender.console_errors == [] and reader.console_errors == []


def test_the_page_reconnects_and_catches_up_after_the_server_drops_the_socket(
    browser_for, daphne_server, member, counterpart, case_room, thread
):
    reader = open_room(browser_for(counterpart), case_room, thread)

    daphne_server.stop()
    expect(reader.locator("#live-status")).to_have_attribute("data-state", "reconnecting")
    expect(reader.locator("#live-status")).to_contain_text("Reconnecting")
    posting.post_message(
        room=case_room,
        sender=member,
        thread=thread,
        client_id=uuid.uuid4(),
        body="Sent while you were away",
        handling_code="H1",
    )
    daphne_server.start()

    message = reader.locator("#messages .message", has_text="Sent while you were away")
    expect(message).to_be_visible(timeout=30000)
    expect(message.locator(".handling")).to_have_text("H1")
    expect(reader.locator("#live-status")).to_have_text(
        re.compile(r"caught up 1 messages"), timeout=30000
    )


def test_a_message_written_while_disconnected_is_sent_once_after_reconnect(
    browser_for, daphne_server, member, counterpart, case_room, thread
):
    """The client keeps its client_id until acknowledged and resends it after reconnect."""
    sender = open_room(browser_for(member), case_room, thread)
    daphne_server.stop()
    expect(sender.locator("#live-status")).to_have_attribute("data-state", "reconnecting")
    sender.fill("#id_body", "Written offline")
    sender.click("#composer button[type=submit]")
    expect(sender.locator("#messages .message.pending")).to_contain_text("sending")
    daphne_server.start()

    expect(sender.locator("#messages .message.pending")).to_have_count(0, timeout=30000)
    expect(sender.locator("#messages .message", has_text="Written offline")).to_have_count(1)
    assert case_room.messages.filter(sender=member).count() == 1


def test_a_removed_participant_sees_that_access_was_lost(
    browser_for, member, counterpart, case_room, thread
):
    owner = open_room(browser_for(member), case_room, thread)
    removed = open_room(browser_for(counterpart), case_room, thread)

    owner.get_by_role("button", name="Remove Chidi Counterpart").click()
    expect(owner.locator("#participant-list")).not_to_contain_text("Chidi Counterpart")

    expect(removed.locator("#access-lost")).to_be_visible()
    expect(removed.locator("#live-status")).to_have_attribute("data-state", "ended")
    expect(removed.locator("#id_body")).to_be_disabled()


def test_typing_is_shown_to_others_and_errors_next_to_the_composer(
    browser_for, member, counterpart, case_room, thread
):
    sender = open_room(browser_for(member), case_room, thread)
    reader = open_room(browser_for(counterpart), case_room, thread)

    sender.locator("#id_body").press_sequentially("Ans")
    expect(reader.locator("#typing")).to_have_text("Mateo Member is typing…")

    sender.fill("#id_body", "Answer to nothing")
    sender.fill("#id_reply_to", "999")
    sender.click("#composer button[type=submit]")
    expect(sender.locator("#composer-error")).to_contain_text(
        "reply_to is the seq of a message in this room"
    )
    expect(sender.locator("#messages .message.pending.failed")).to_contain_text("not sent")
    assert case_room.messages.count() == 0


def test_the_backoff_grows_exponentially_with_jitter_and_a_cap(
    browser_for, member, case_room, thread
):
    page = open_room(browser_for(member), case_room, thread)
    delays = page.evaluate(
        """async () => {
            const { backoffDelay } = await import("/static/messaging/room.js");
            const least = () => 0, most = () => 1;
            return [1, 2, 3, 4, 10].flatMap((n) => [
                backoffDelay(n, least), backoffDelay(n, most),
            ]);
        }"""
    )
    assert delays == [250, 500, 500, 1000, 1000, 2000, 2000, 4000, 15000, 30000]
