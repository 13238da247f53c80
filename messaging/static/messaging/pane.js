// The thread as a chat pane (messaging/_message_pane.html): the message list scrolls by
// itself with the newest at the bottom, opens at the "New messages" divider (or at the
// bottom), stays at the bottom as messages arrive unless the reader scrolled up (then "Jump
// to latest" shows), and loads earlier messages in place as the reader scrolls to the top:
// the page's own "Earlier messages" link, fetched, its messages moved in. Enter sends,
// Shift+Enter breaks the line. On a phone the thread list and participants start closed.

import { refreshTimes } from "./times.js";

const NEAR_BOTTOM_PX = 80;
const LOAD_EARLIER_PX = 150;
const PHONE = "(max-width: 700px)";

class MessagePane {
  constructor(pane) {
    this.pane = pane;
    this.list = pane.querySelector("#messages");
    this.jump = document.getElementById("jump-latest");
    this.sticking = true;
    this.loading = false;
    this.moving = false; // earlier messages being moved in: not news
  }

  start() {
    this.openAtStart();
    this.pane.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.jump?.addEventListener("click", () => {
      this.toBottom();
      this.pane.focus();
    });
    new MutationObserver((changes) => this.onChange(changes)).observe(this.list, {
      childList: true,
    });
    this.onScroll();
  }

  openAtStart() {
    const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    const divider = document.getElementById("unread-divider");
    if (target && this.pane.contains(target)) {
      this.pane.scrollTop = target.offsetTop - this.pane.clientHeight / 3;
    } else if (divider) {
      this.pane.scrollTop = divider.offsetTop - 8;
    } else {
      this.toBottom();
    }
  }

  atBottom() {
    const pane = this.pane;
    return pane.scrollHeight - pane.scrollTop - pane.clientHeight < NEAR_BOTTOM_PX;
  }

  toBottom() {
    this.pane.scrollTop = this.pane.scrollHeight;
    this.sticking = true;
    if (this.jump) this.jump.hidden = true;
  }

  onScroll() {
    this.sticking = this.atBottom();
    if (this.sticking && this.jump) this.jump.hidden = true;
    if (!this.sticking && this.jump && this.pane.scrollHeight > this.pane.clientHeight) {
      this.jump.hidden = false;
    }
    if (this.pane.scrollTop < LOAD_EARLIER_PX) this.loadEarlier();
  }

  onChange(changes) {
    if (this.moving) return;
    const own = changes.some((change) =>
      [...change.addedNodes].some((node) => node.classList?.contains("pending")),
    );
    if (this.sticking || own) this.toBottom();
    else if (this.jump) this.jump.hidden = false;
  }

  async loadEarlier() {
    const link = document.getElementById("earlier-link");
    if (!link || this.loading) return;
    this.loading = true;
    try {
      const answer = await fetch(link.href, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!answer.ok) throw new Error(String(answer.status));
      const earlier = new DOMParser().parseFromString(await answer.text(), "text/html");
      const articles = [...earlier.querySelectorAll("#messages article.message")].filter(
        (article) => !this.list.querySelector(`#${CSS.escape(article.id)}`),
      );
      const height = this.pane.scrollHeight;
      this.moving = true;
      this.list.prepend(...articles.map((article) => document.adoptNode(article)));
      refreshTimes(this.list);
      this.pane.scrollTop += this.pane.scrollHeight - height;
      const next = earlier.getElementById("earlier-link");
      if (next) link.href = next.href;
      else link.closest(".earlier")?.remove();
    } catch {
      // The link stays: the next scroll to the top tries again, or the reader follows it.
    } finally {
      await Promise.resolve();
      this.moving = false;
      this.loading = false;
    }
  }
}

function sendOnEnter(composer) {
  composer?.body?.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    composer.requestSubmit();
  });
}

function closeDrawersOnPhones() {
  if (!window.matchMedia(PHONE).matches) return;
  for (const drawer of document.querySelectorAll(".room details.drawer")) drawer.open = false;
}

function startThread() {
  const pane = document.getElementById("message-pane");
  if (pane) new MessagePane(pane).start();
  sendOnEnter(document.getElementById("composer"));
}

startThread();
closeDrawersOnPhones();
// A thread opened in place (room.js): its pane and composer start as on a page load.
document.addEventListener("counterpart:thread-shown", startThread);
