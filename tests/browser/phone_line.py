"""A phone on a slow line, measured in Chromium through the DevTools protocol: what a room
page transfers (compressed bytes, headers included) and how long it takes to show its latest
messages, to go live and to acknowledge a sent message, under Chromium's network emulation.

Used by tests/browser/test_page_weight.py (which asserts the page weights and that the page
becomes usable, and prints the timings) and by bench/slow_line.py (several runs, median and
worst). The server is Daphne with production's static files (COUNTERPART_COMPRESSED_STATIC=1
after `collectstatic`: hashed names, gzip copies, immutable caching).
"""

import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PHONE = {"width": 390, "height": 844}
# name -> (kbit/s both ways, round-trip time in ms)
LINES = {"256kbit-300ms": (256, 300), "64kbit-600ms": (64, 600)}


def collect_static(root: Path, static_root: Path, env: dict) -> None:
    """Production's static files into `static_root` (hashed names, gzip copies)."""
    subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=root,
        env={
            **env,
            "COUNTERPART_COMPRESSED_STATIC": "1",
            "COUNTERPART_STATIC_ROOT": str(static_root),
        },
        check=True,
        timeout=300,
    )


def production_static_env(static_root: Path) -> dict:
    return {"COUNTERPART_COMPRESSED_STATIC": "1", "COUNTERPART_STATIC_ROOT": str(static_root)}


@dataclass
class Transfer:
    """Bytes received per request (encodedDataLength: compressed body and headers)."""

    sizes: dict = field(default_factory=dict)
    urls: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    def by_url(self) -> dict:
        return {self.urls.get(key, key): size for key, size in self.sizes.items()}


def watch(page) -> tuple:
    """A DevTools session on `page` recording what each HTTP request transferred."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    transfer = Transfer()

    def received(event):
        if event.get("type") != "WebSocket":
            transfer.urls[event["requestId"]] = event["response"]["url"]

    def finished(event):
        if event["requestId"] in transfer.urls:
            transfer.sizes[event["requestId"]] = event["encodedDataLength"]

    session.on("Network.responseReceived", received)
    session.on("Network.loadingFinished", finished)
    return session, transfer


def emulate(session, line: str | None) -> None:
    if line is None:
        session.send("Network.emulateNetworkConditions", NO_EMULATION)
        return
    kbit, rtt = LINES[line]
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": rtt,
            "downloadThroughput": kbit * 1000 / 8,
            "uploadThroughput": kbit * 1000 / 8,
        },
    )


NO_EMULATION = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def open_room(page, path: str, latest_text: str) -> dict:
    """Open the room at `path`; seconds until the latest message shows and the composer is
    ready, and until the page is live."""
    from playwright.sync_api import expect

    started = time.monotonic()
    page.goto(path, wait_until="commit")
    expect(page.locator("#messages .message", has_text=latest_text)).to_be_visible(timeout=60_000)
    expect(page.locator("#id_body")).to_be_editable(timeout=60_000)
    shown = time.monotonic() - started
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=60_000)
    live = time.monotonic() - started
    return {"shown": shown, "live": live}


def send_and_ack(page, body: str) -> float:
    """Seconds from Enter to the server's acknowledgement (the pending copy confirmed)."""
    from playwright.sync_api import expect

    page.fill("#id_body", body)
    page.evaluate("window.__acked = false")
    started = time.monotonic()
    page.locator("#id_body").press("Enter")
    page.wait_for_function(ACKNOWLEDGED, arg=body, timeout=60_000)
    acked = time.monotonic() - started
    expect(page.locator("#messages .message.pending")).to_have_count(0, timeout=60_000)
    return acked


# The pending copy marked "sent" by the ack, or already replaced by the stored message.
ACKNOWLEDGED = """(body) => {
  const pending = document.querySelector("#messages .message.pending");
  if (pending) return Boolean(pending.dataset.seq);
  return [...document.querySelectorAll("#messages .message")].some(
    (m) => m.textContent.includes(body));
}"""
