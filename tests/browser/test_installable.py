"""Installable and notifying, in Chromium against a Daphne serving production's static files:
the manifest is linked, the service worker caches the static shell and nothing else (no page,
no API answer, no case content), and an opted-in member whose tab is hidden gets a browser
notification "New message in <room>" that carries no content."""

import json
import uuid

import pytest
from django.conf import settings
from playwright.sync_api import expect

from messaging import posting
from tests.browser.daphne_server import CHROMIUM, CHROMIUM_ARGS, session_key_for
from tests.browser.test_page_weight import busy_room, production_static_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CACHED = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""
# Records what the page asks the Notification API to show, and lets the test hide the tab.
RECORD_NOTIFICATIONS = """
window.__notified = [];
window.__hidden = false;
const Real = window.Notification;
class Recorded extends Real {
  constructor(title, options) {
    super(title, options);
    window.__notified.push({ title, options: JSON.parse(JSON.stringify(options || {})) });
  }
}
Object.defineProperty(window, "Notification", { value: Recorded, configurable: true });
Object.defineProperty(Document.prototype, "visibilityState", {
  configurable: true, get() { return window.__hidden ? "hidden" : "visible"; },
});
"""


@pytest.fixture
def browser(production_static_server, monkeypatch):  # noqa: F811
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    origin = production_static_server.origin
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

        def signed_in(user, **options):
            context = chromium.new_context(base_url=origin, **options)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session_key_for(user),
                        "url": origin,
                    }
                ]
            )
            page = context.new_page()
            page.set_default_timeout(30_000)
            return page

        yield signed_in
        chromium.close()


def test_the_service_worker_caches_the_static_shell_and_never_case_content(
    browser,
    member,
    busy_room,  # noqa: F811
):
    path, latest = busy_room
    page = browser(member)
    page.goto(path)
    expect(page.locator("#messages .message", has_text=latest)).to_be_visible()
    manifest = page.evaluate(
        "async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json()"
    )
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.reload()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    controlled = page.evaluate("Boolean(navigator.serviceWorker.controller)")
    answers = {}
    page.on("response", lambda r: answers.setdefault(r.url.split("?")[0], r.from_service_worker))
    page.reload()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    page.evaluate("async () => (await fetch('/api/v1/rooms/')).json()")
    cached = page.evaluate(CACHED)
    page.context.close()

    print("\ncached by the service worker:", json.dumps(cached))
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert controlled
    assert cached and all(url.startswith("/static/") for url in cached)
    assert not [url for url in cached if url.startswith(("/rooms/", "/api/"))]
    served_by_worker = [url for url, from_worker in answers.items() if from_worker]
    assert served_by_worker and all("/static/" in url for url in served_by_worker)
    assert not [url for url, w in answers.items() if w and ("/rooms/" in url or "/api/" in url)]


# A message posted by the test reaches the Daphne process of the page: PostgreSQL and the
# Redis channel layer, as in production (the in-memory layer does not cross processes).
@pytest.mark.postgres
@pytest.mark.redis
def test_a_hidden_tab_gets_a_notification_without_content(
    browser,
    member,
    counterpart,
    case_room,
    busy_room,  # noqa: F811
):
    path, _latest = busy_room
    thread = case_room.threads.get()
    page = browser(counterpart, permissions=["notifications"])
    page.context.add_init_script(RECORD_NOTIFICATIONS)
    page.goto(path)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    toggle = page.get_by_role("button", name="Notify me of new messages")
    toggle.click()
    expect(page.get_by_role("button", name="Notifications on")).to_have_attribute(
        "aria-pressed", "true"
    )

    def post(body):
        posting.post_message(
            room=case_room,
            sender=member,
            thread=thread,
            client_id=uuid.uuid4(),
            body=body,
            handling_code="H2",
        )

    post("Seen while the tab is shown")
    expect(page.locator("#messages .message", has_text="tab is shown")).to_be_visible()
    page.evaluate("window.__hidden = true")
    post("The secret address is Calle 9")
    expect(page.locator("#messages .message", has_text="Calle 9")).to_be_attached()
    page.wait_for_function("window.__notified.length > 0")
    notified = page.evaluate("window.__notified")
    page.context.close()

    assert notified == [
        {"title": "New message in Operation Lantern", "options": notified[0]["options"]}
    ]
    assert "Calle" not in json.dumps(notified) and "body" not in notified[0]["options"]
