"""The case room as a chat pane, in Chromium against Daphne: the message list scrolls in a
pane of its own with the newest at the bottom and the composer below; the "New messages"
divider at the first unread message; "Jump to latest"; earlier messages loaded in place as
the reader scrolls up; Enter sends and Shift+Enter breaks the line; on a phone, the thread
list and participants are drawers."""

import uuid

import pytest
from django.conf import settings
from playwright.sync_api import expect

from messaging import actions, crypto, posting
from messaging.pages import THREAD_PAGE_MESSAGES
from tests.browser.daphne_server import (  # noqa: F401 - fixtures
    browser_for_fixture,
    chromium_fixture,
    daphne_server_fixture,
    session_key_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PANE_STATE = """() => {
  const pane = document.getElementById("message-pane");
  return {
    scrollable: pane.scrollHeight > pane.clientHeight,
    fromBottom: pane.scrollHeight - pane.scrollTop - pane.clientHeight,
    top: pane.scrollTop,
    overflowY: getComputedStyle(pane).overflowY,
    seqs: [...pane.querySelectorAll("article.message")].map((m) => Number(m.dataset.seq)),
  };
}"""


@pytest.fixture
def thread(case_room, member):
    return actions.create_thread(room=case_room, creator=member, title="Recruitment agency")


def post(room, sender, thread, body):
    return posting.post_message(
        room=room,
        sender=sender,
        thread=thread,
        client_id=uuid.uuid4(),
        body=body,
        handling_code="H1",
    ).message


def open_room(page, room, thread):
    page.goto(f"/rooms/{room.pk}/?thread={thread.pk}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return page


def test_the_pane_opens_at_the_newest_and_loads_earlier_messages_in_place(
    browser_for, member, counterpart, case_room, thread
):
    """With more messages than a page holds and none unread, the room opens scrolled to the
    newest inside its pane; scrolling to the top brings the earlier ones in without a page
    load."""
    total = THREAD_PAGE_MESSAGES + 12
    for number in range(1, total + 1):
        last = post(case_room, member, thread, f"Message number {number}")
    actions.mark_read(room=case_room, user=counterpart, seq=last.seq)
    reader = open_room(browser_for(counterpart), case_room, thread)
    reader.evaluate("window.loadedOnce = true")

    opened = reader.evaluate(PANE_STATE)
    reader.locator("#message-pane").evaluate("(pane) => { pane.scrollTop = 0; }")
    expect(reader.locator("#message-pane article.message")).to_have_count(total)
    expect(reader.locator("#earlier-link")).to_have_count(0)
    loaded = reader.evaluate(PANE_STATE)

    assert opened["overflowY"] == "auto" and opened["scrollable"]
    assert opened["fromBottom"] < 2
    assert len(opened["seqs"]) == THREAD_PAGE_MESSAGES
    expect(reader.locator("#composer")).to_be_in_viewport()
    assert loaded["seqs"] == sorted(loaded["seqs"]) and len(set(loaded["seqs"])) == total
    assert loaded["top"] > 0  # the reader stays where they were, above the old first one
    assert reader.evaluate("window.loadedOnce") is True  # no page load
    assert reader.console_errors == []


# A message posted by the test reaches the Daphne process of the page: PostgreSQL and the
# Redis channel layer, as in production (the in-memory layer does not cross processes).
@pytest.mark.postgres
@pytest.mark.redis
def test_the_divider_marks_the_first_unread_and_jump_to_latest_follows_new_ones(
    browser_for, member, counterpart, case_room, thread
):
    read = [post(case_room, member, thread, f"Read before {n}") for n in range(1, 4)]
    actions.mark_read(room=case_room, user=counterpart, seq=read[-1].seq)
    unread = [post(case_room, member, thread, f"Unread {n}") for n in range(1, 30)]

    reader = open_room(browser_for(counterpart), case_room, thread)
    divider = reader.locator("#unread-divider")
    expect(divider).to_have_text("New messages")
    following = divider.evaluate("(node) => node.nextElementSibling.dataset.seq")
    expect(divider).to_be_in_viewport()

    reader.locator("#message-pane").evaluate("(pane) => { pane.scrollTop = 0; }")
    post(case_room, member, thread, "Arrived while scrolled up")
    expect(reader.locator("#messages .message", has_text="Arrived while scrolled")).to_have_count(1)
    expect(reader.get_by_role("button", name="Jump to latest")).to_be_visible()
    reader.get_by_role("button", name="Jump to latest").click()
    expect(
        reader.locator("#messages .message", has_text="Arrived while scrolled")
    ).to_be_in_viewport()
    expect(reader.get_by_role("button", name="Jump to latest")).to_be_hidden()

    assert following == str(unread[0].seq)
    assert reader.console_errors == []


def test_enter_sends_and_shift_enter_breaks_the_line(browser_for, member, case_room, thread):
    sender = open_room(browser_for(member), case_room, thread)
    box = sender.locator("#id_body")
    box.click()
    box.type("First line")
    box.press("Shift+Enter")
    box.type("second line")

    assert box.input_value() == "First line\nsecond line"
    box.press("Enter")
    sent = sender.locator("#messages .message:not(.pending)", has_text="second line")
    expect(sent).to_have_count(1)
    expect(box).to_have_value("")

    stored = case_room.messages.get()
    assert crypto.open_body(stored) == "First line\nsecond line"


def test_on_a_phone_threads_and_participants_are_drawers(
    chromium, daphne_server, member, case_room, thread
):
    post(case_room, member, thread, "Seen on a phone")
    context = chromium.new_context(
        base_url=daphne_server.origin,
        viewport={"width": 360, "height": 740},
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
    phone = open_room(context.new_page(), case_room, thread)

    expect(phone.locator(".threads details.drawer")).not_to_have_attribute("open", "")
    expect(phone.locator("#thread-list")).to_be_hidden()
    expect(phone.locator("#participant-list")).to_be_hidden()
    expect(phone.locator("#messages .message", has_text="Seen on a phone")).to_be_in_viewport()
    phone.locator(".participants summary").click()
    expect(phone.locator("#participant-list")).to_be_visible()
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    context.close()

    assert width <= 360


def test_threads_switch_in_place_with_back_and_forward_on_one_socket(
    browser_for, member, counterpart, case_room, thread
):
    """A thread of the list opens without a page load: the address changes, back and forward
    show the threads again, the one WebSocket stays open, and the thread opened in place is
    live (a message posted to it shows; its composer posts to it)."""
    other = actions.create_thread(room=case_room, creator=member, title="Money flows")
    post(case_room, member, thread, "About the agency")
    post(case_room, member, other, "About the transfers")
    page = browser_for(counterpart)
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    open_room(page, case_room, thread)
    page.evaluate("window.loadedOnce = true")
    messages = page.locator("#message-pane article.message")
    expect(messages).to_have_count(1)
    expect(messages.first).to_contain_text("About the agency")

    page.locator("#thread-list").get_by_role("link", name="Money flows").click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?thread={other.pk}")
    expect(messages).to_have_count(1)
    expect(messages.first).to_contain_text("About the transfers")
    expect(page.locator("#thread-heading")).to_have_text("Money flows")
    expect(page.locator("#thread-list li.current")).to_have_attribute("data-thread", str(other.pk))

    post(case_room, member, other, "A second transfer")
    expect(messages).to_have_count(2)
    page.locator("#id_body").fill("Seen, thank you")
    page.locator("#id_body").press("Enter")
    expect(page.locator("#message-pane article.message.own")).to_contain_text("Seen, thank you")
    expect(page.locator("#message-pane article.message[data-seq]")).to_have_count(3)

    page.go_back()
    expect(page.locator("#thread-heading")).to_have_text("Recruitment agency")
    expect(messages).to_have_count(1)
    page.go_forward()
    expect(page.locator("#thread-heading")).to_have_text("Money flows")
    expect(messages).to_have_count(3)

    assert page.evaluate("window.loadedOnce") is True
    assert len(sockets) == 1
    assert page.evaluate("document.getElementById('room').roomPage.socket.readyState") == 1
    stored = list(other.messages.order_by("seq").values_list("thread_id", flat=True))
    assert stored == [other.pk] * 3
