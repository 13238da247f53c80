"""Page weight and slow lines, on a phone in Chromium against a Daphne that serves static
files as production does (hashed names, gzip copies, a year's immutable caching).

- A room page transfers at most 60 KB on a first visit and at most 15 KB on a later one
  (compressed bodies and headers, as the DevTools protocol counts them; the WebSocket aside).
- Under Chromium's network emulation at 256 kbit/s with 300 ms round trips, and at 64 kbit/s
  with 600 ms, the room page shows its latest messages, its composer is ready, it goes live
  and acknowledges a sent message. The seconds are printed, not asserted (they depend on the
  machine; bench/slow_line.py runs it several times: docs/benchmarks.md).
"""

import json
import uuid

import pytest
from django.conf import settings

from messaging import actions, posting
from tests.browser import phone_line
from tests.browser.daphne_server import (  # noqa: F401 - fixtures
    CHROMIUM,
    CHROMIUM_ARGS,
    DaphneServer,
    session_key_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_VISIT_BUDGET = 60 * 1024
LATER_VISIT_BUDGET = 15 * 1024
MESSAGES = 30


@pytest.fixture
def production_static_server(transactional_db, tmp_path):
    static_root = tmp_path / "static"
    daphne = DaphneServer(tmp_path / "daphne.log")
    phone_line.collect_static(settings.BASE_DIR, static_root, daphne.env)
    daphne.env.update(phone_line.production_static_env(static_root))
    daphne.start()
    yield daphne
    daphne.stop()


@pytest.fixture
def busy_room(case_room, member, counterpart):
    thread = actions.create_thread(room=case_room, creator=member, title="Recruitment agency")
    for number in range(1, MESSAGES + 1):
        sender = member if number % 2 else counterpart
        posting.post_message(
            room=case_room,
            sender=sender,
            thread=thread,
            client_id=uuid.uuid4(),
            body=f"Finding {number}: the agency's second address is on **Calle {number}**.",
            handling_code="H1",
        )
    return f"/rooms/{case_room.pk}/?thread={thread.pk}", f"Finding {MESSAGES}:"


@pytest.fixture
def phone(production_static_server, member, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    session_key = session_key_for(member)
    origin = production_static_server.origin

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

        def new_phone():
            context = chromium.new_context(
                base_url=origin, viewport=phone_line.PHONE, is_mobile=True, has_touch=True
            )
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": origin}]
            )
            page = context.new_page()
            page.set_default_timeout(60_000)
            return page

        yield new_phone
        chromium.close()


def test_a_room_page_stays_within_its_weight_budget(phone, busy_room):
    path, latest = busy_room
    page = phone()
    _session, transfer = phone_line.watch(page)
    phone_line.open_room(page, path, latest)
    first = transfer.by_url()
    transfer.sizes.clear()
    phone_line.open_room(page, path, latest)
    later = transfer.by_url()
    static_headers = page.evaluate(
        "async () => { const r = await fetch(document.querySelector('link[rel=stylesheet]')"
        ".href); return [r.headers.get('cache-control'), r.headers.get('content-encoding')] }"
    )
    page.context.close()

    report = {"first": sum(first.values()), "later": sum(later.values())}
    print("\nroom page transferred (bytes):", json.dumps(report), json.dumps(first, indent=1))
    assert "immutable" in static_headers[0] and static_headers[1] == "gzip"
    assert sum(first.values()) <= FIRST_VISIT_BUDGET
    assert sum(later.values()) <= LATER_VISIT_BUDGET
    # The shell comes from the cache: nothing transferred for a static file.
    assert not [url for url, size in later.items() if "/static/" in url and size]


@pytest.mark.parametrize("line", phone_line.LINES)
def test_a_room_page_is_usable_on_a_slow_line(phone, busy_room, line):
    path, latest = busy_room
    page = phone()
    session, _transfer = phone_line.watch(page)
    phone_line.emulate(session, line)
    first = phone_line.open_room(page, path, latest)
    ack = phone_line.send_and_ack(page, f"Sent on {line}")
    later = phone_line.open_room(page, path, f"Sent on {line}")
    page.context.close()

    figures = {
        "first visit: latest shown": first["shown"],
        "first visit: live": first["live"],
        "sent message: acknowledged": ack,
        "later visit: latest shown": later["shown"],
        "later visit: live": later["live"],
    }
    print(f"\n{line}:", ", ".join(f"{name} {seconds:.2f} s" for name, seconds in figures.items()))
    assert all(seconds > 0 for seconds in figures.values())
