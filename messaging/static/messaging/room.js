// The live room page: one WebSocket to /ws/v1/ (docs/protocol.md, version 1).
//
// The page is complete without this module; it adds live messages, sending over the socket
// with a client id (resent after a reconnect until acknowledged), catch-up after gaps and
// reconnects, typing, read markers, and the loss of access. No framework, no build step.
// A message is shown only as the server renders it: for each message a frame announces
// (posted, edited, deleted, a file added, a translation changed) the page fetches the same
// fragment a page load includes (messaging/_message.html), so live and reloaded messages
// are the same markup. Other text is inserted with textContent. No inline script: the page
// passes its data in data- attributes.

import { refreshTimes } from "./times.js";

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30000;
const HEARTBEAT_MS = 25000;
const TYPING_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 5000;
const READ_DELAY_MS = 800;
const MESSAGE_KINDS = new Set(["message.posted", "message.edited", "message.deleted"]);
const FRAGMENTS_PER_REQUEST = 50;
const CONFIRMED_HANDLING = new Set(["H2", "H3"]);

/** Exponential backoff with jitter: half the capped delay, plus up to the other half. */
export function backoffDelay(attempt, random = Math.random) {
  const capped = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(capped / 2 + random() * (capped / 2));
}

function element(tag, { className, text, attrs } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  return node;
}

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

class RoomPage {
  constructor(root) {
    this.root = root;
    this.roomId = root.dataset.room;
    this.threadId = root.dataset.thread || null;
    this.userId = Number(root.dataset.user);
    this.lastSeq = Number(root.dataset.head) || 0;
    this.socketUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${root.dataset.socketPath}`;
    this.t = { ...root.dataset };
    this.status = document.getElementById("live-status");
    this.messages = document.getElementById("messages");
    this.composer = document.getElementById("composer");
    this.composerError = document.getElementById("composer-error");
    this.typingLine = document.getElementById("typing");
    this.socket = null;
    this.attempt = 0;
    this.reconnecting = false;
    this.catchingUp = false;
    this.caughtUpMessages = 0;
    this.buffered = new Map(); // seq -> event frame that arrived ahead of a gap
    this.outbox = new Map(); // client_id -> send frame, until acknowledged
    this.ended = false; // access lost or session ended: no reconnect
    this.awaitingPong = false;
    this.lastTypingSent = 0;
    this.readSent = 0;
    this.typingTimer = null;
    this.readTimer = null;
    this.toFetch = new Set(); // ids of messages whose fragment is to be (re)fetched
    this.fetching = false;
  }

  start() {
    this.bindThread();
    history.replaceState({ thread: this.threadId }, "", location.href);
    document.getElementById("thread-list")?.closest("aside")?.addEventListener("click", (event) => {
      this.onThreadClick(event);
    });
    window.addEventListener("popstate", () => this.showThread(location.href, { push: false }));
    document.addEventListener("visibilitychange", () => this.scheduleRead());
    window.addEventListener("online", () => {
      if (!this.socket && !this.ended) this.connect();
    });
    setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    this.connect();
  }

  // The shown thread's parts: bound at the start and again after each switch of thread.
  bindThread() {
    this.threadId = this.root.dataset.thread || null;
    this.messages = document.getElementById("messages");
    this.composer = document.getElementById("composer");
    this.composerError = document.getElementById("composer-error");
    this.typingLine = document.getElementById("typing");
    if (this.composer) {
      this.composer.addEventListener("submit", (event) => this.onSubmit(event));
      this.composer.body?.addEventListener("input", () => this.onInput());
      this.composer.handling?.addEventListener("change", () => this.showHandling());
      this.showHandling();
    }
    this.messages?.addEventListener("click", (event) => this.onReplyClick(event));
  }

  // --- Threads without page loads ---------------------------------------------------------
  // A thread of the list opens in place: the room page of that thread is fetched (the same
  // URL, behind the same access check), its conversation and thread list replace ours, the
  // address changes (back and forward show the threads again), and the socket stays open.

  onThreadClick(event) {
    const link = event.target.closest("#thread-list a[href]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.showThread(link.href, { push: true });
  }

  async showThread(url, { push }) {
    let fresh;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch {
      location.assign(url); // the page itself says what went wrong
      return;
    }
    const conversation = fresh.querySelector("#room .conversation");
    const threads = fresh.getElementById("thread-list");
    const freshRoot = fresh.getElementById("room");
    const ours = this.root.querySelector(".conversation");
    if (!conversation || !threads || !freshRoot || !ours) {
      location.assign(url);
      return;
    }
    ours.replaceWith(document.adoptNode(conversation));
    document.getElementById("thread-list").replaceWith(document.adoptNode(threads));
    this.root.dataset.thread = freshRoot.dataset.thread;
    if (push) history.pushState({ thread: freshRoot.dataset.thread }, "", url);
    this.bindThread();
    refreshTimes(conversation);
    document.dispatchEvent(new CustomEvent("counterpart:thread-shown"));
  }

  // --- Connection ------------------------------------------------------------------------

  connect() {
    clearTimeout(this.reconnectTimer);
    this.setStatus(this.reconnecting ? "reconnecting" : "connecting", this.t.tConnecting);
    const socket = new WebSocket(this.socketUrl);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.awaitingPong = false;
      this.send({ type: "subscribe", room: this.roomId, after: this.lastSeq });
    });
    socket.addEventListener("message", (event) => this.onFrame(event.data));
    socket.addEventListener("close", (event) => {
      if (this.socket === socket) this.onClose(event);
    });
  }

  onClose(event) {
    this.socket = null;
    this.catchingUp = false;
    if (this.ended) return;
    if (event.code === 4401) {
      this.end("session", this.t.tSessionEnded);
      return;
    }
    if (event.code === 4403) {
      this.end("refused", this.t.tRefused);
      return;
    }
    this.attempt += 1;
    this.reconnecting = true;
    const delay = backoffDelay(this.attempt);
    this.setStatus(
      "reconnecting",
      format(this.t.tReconnecting, { seconds: Math.max(1, Math.round(delay / 1000)) }),
    );
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  heartbeat() {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    if (this.awaitingPong) {
      this.socket.close(4000, "no pong"); // a half-open connection: start over
      return;
    }
    this.awaitingPong = true;
    this.send({ type: "ping", nonce: String(Date.now()) });
  }

  send(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  end(reason, text) {
    this.ended = true;
    clearTimeout(this.reconnectTimer);
    this.setStatus("ended", text);
    if (reason === "access") {
      const notice = document.getElementById("access-lost");
      if (notice) notice.hidden = false;
    }
    if (this.composer) {
      for (const control of this.composer.elements) control.disabled = true;
    }
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(1000);
    }
  }

  setStatus(state, text) {
    if (!this.status) return;
    this.status.dataset.state = state;
    this.status.className = `live-status ${state}`;
    this.status.textContent = text || "";
  }

  // --- Frames ----------------------------------------------------------------------------

  onFrame(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (frame.room !== undefined && frame.room !== this.roomId) return;
    switch (frame.type) {
      case "subscribed":
        this.catchingUp = true;
        this.catchUpFrom = null;
        this.caughtUpMessages = 0;
        break;
      case "event":
        this.onEvent(frame);
        break;
      case "caught_up":
        this.onCaughtUp(frame);
        break;
      case "ack":
        this.onAck(frame);
        break;
      case "error":
        this.onError(frame);
        break;
      case "typing":
        this.onTyping(frame);
        break;
      case "room_closed":
        this.end("access", this.t.tAccessLost);
        break;
      case "pong":
        this.awaitingPong = false;
        break;
      default:
        break;
    }
  }

  onEvent(frame) {
    if (frame.seq <= this.lastSeq) return; // already shown
    if (frame.seq > this.lastSeq + 1) {
      this.buffered.set(frame.seq, frame);
      this.requestCatchUp();
      return;
    }
    this.apply(frame);
    while (this.buffered.has(this.lastSeq + 1)) {
      const next = this.buffered.get(this.lastSeq + 1);
      this.buffered.delete(this.lastSeq + 1);
      this.apply(next);
    }
    for (const seq of this.buffered.keys()) if (seq <= this.lastSeq) this.buffered.delete(seq);
  }

  requestCatchUp() {
    if (this.catchingUp) return;
    this.catchingUp = true;
    this.catchUpFrom = this.lastSeq;
    this.send({ type: "catch_up", room: this.roomId, after: this.lastSeq });
  }

  onCaughtUp(frame) {
    this.catchingUp = false;
    const behind = frame.more || this.buffered.size > 0 || (frame.head ?? 0) > this.lastSeq;
    if (behind && this.lastSeq !== this.catchUpFrom) {
      this.requestCatchUp();
      return;
    }
    if (this.reconnecting) {
      this.setStatus(
        "live",
        format(this.t.tCaughtUp, { count: this.caughtUpMessages }),
      );
    } else {
      this.setStatus("live", this.t.tLive);
    }
    this.attempt = 0;
    this.reconnecting = false;
    for (const frame of this.outbox.values()) this.send(frame); // same client_id: stored once
    this.fetchFragments();
    this.scheduleRead();
  }

  apply(frame) {
    this.lastSeq = frame.seq;
    this.root.dataset.lastSeq = String(frame.seq);
    const data = frame.data || {};
    if (MESSAGE_KINDS.has(frame.kind)) {
      if (frame.kind === "message.posted" && this.catchingUp) this.caughtUpMessages += 1;
      if (frame.kind === "message.posted" && !this.catchingUp) {
        // For notify.js: who posted, never what.
        const detail = { sender: data.sender?.id ?? null, thread: data.thread };
        this.root.dispatchEvent(new CustomEvent("room:posted", { detail }));
      }
      if (data.thread === this.threadId) {
        this.refresh(data.id);
        this.scheduleRead();
      } else {
        this.markThreadActive(data.thread);
      }
    } else if (frame.kind === "attachment.added" || frame.kind === "translation.changed") {
      if (this.messageElement(data.message)) this.refresh(data.message);
    } else if (frame.kind === "thread.created") {
      this.addThread(data);
    } else if (frame.kind === "participant.added") {
      this.addParticipant(data);
    } else if (frame.kind === "participant.removed") {
      this.removeParticipant(data);
    } else if (frame.kind === "room.default_handling_changed") {
      this.setDefaultHandling(data.default_handling);
    }
  }

  onAck(frame) {
    this.outbox.delete(frame.client_id);
    const pending = this.pendingElement(frame.client_id);
    if (!pending) return;
    const shown = this.messageElement(frame.message);
    if (shown && shown !== pending) {
      pending.remove();
      return;
    }
    pending.dataset.messageId = frame.message;
    pending.dataset.seq = String(frame.seq);
    const state = pending.querySelector(".state");
    if (state) state.textContent = this.t.tSent;
  }

  onError(frame) {
    const message = frame.message || frame.code;
    if (frame.ref && this.outbox.has(frame.ref)) {
      this.outbox.delete(frame.ref);
      const pending = this.pendingElement(frame.ref);
      if (pending) {
        pending.classList.add("failed");
        const state = pending.querySelector(".state");
        if (state) state.textContent = `${this.t.tFailed} ${message}`;
      }
    }
    if (frame.code === "unknown_room" && (frame.ref === "subscribe" || frame.ref === "catch_up")) {
      this.end("access", this.t.tAccessLost);
      return;
    }
    this.showComposerError(message);
  }

  showComposerError(text) {
    if (this.composerError) this.composerError.textContent = text || "";
  }

  // --- Rendering -------------------------------------------------------------------------

  messageElement(messageId) {
    if (!messageId || !this.messages) return null;
    return this.messages.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
  }

  pendingElement(clientId) {
    if (!this.messages) return null;
    return this.messages.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`);
  }

  /** Fetch the fragment of message `messageId` soon (once, however many frames name it). */
  refresh(messageId) {
    if (!messageId || !this.messages) return;
    this.toFetch.add(messageId);
    if (!this.fetchTimer) this.fetchTimer = setTimeout(() => this.fetchFragments(), 0);
  }

  /** One request at a time, so that a later state never lands before an earlier one. */
  async fetchFragments() {
    this.fetchTimer = null;
    if (this.fetching || this.toFetch.size === 0 || !this.root.dataset.fragments) return;
    this.fetching = true;
    const ids = [...this.toFetch].slice(0, FRAGMENTS_PER_REQUEST);
    for (const id of ids) this.toFetch.delete(id);
    const url = new URL(this.root.dataset.fragments, location.href);
    for (const id of ids) url.searchParams.append("id", id);
    try {
      const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!answer.ok) throw new Error(String(answer.status));
      const template = document.createElement("template");
      template.innerHTML = await answer.text(); // the server's own rendering of the messages
      for (const article of template.content.querySelectorAll("article.message")) {
        this.upsertMessage(article);
      }
      refreshTimes(this.messages);
    } catch {
      for (const id of ids) this.toFetch.add(id); // fetched again after the next caught_up
      this.fetching = false;
      return;
    }
    this.fetching = false;
    if (this.toFetch.size > 0) this.fetchFragments();
  }

  upsertMessage(article) {
    const existing = this.messageElement(article.dataset.messageId);
    if (existing) {
      const open = existing.querySelector("details.delete")?.open;
      if (open && article.querySelector("details.delete")) {
        article.querySelector("details.delete").open = true;
      }
      existing.replaceWith(article);
      return;
    }
    this.messages.querySelector(".empty")?.remove();
    const seq = Number(article.dataset.seq);
    const later = [...this.messages.querySelectorAll(".message[data-seq]")].find(
      (node) => !node.dataset.clientId && Number(node.dataset.seq) > seq,
    );
    this.messages.insertBefore(article, later || this.firstPending());
  }

  firstPending() {
    return this.messages.querySelector(".message.pending") || null;
  }

  handlingTitle(code) {
    const option = this.composer?.querySelector(`select[name="handling"] option[value="${code}"]`);
    return option ? option.textContent : code;
  }

  markThreadActive(threadId) {
    const item = document.querySelector(`#thread-list li[data-thread="${CSS.escape(threadId || "")}"]`);
    if (item) item.classList.add("has-news");
  }

  addThread(data) {
    const list = document.getElementById("thread-list");
    if (!list || list.querySelector(`li[data-thread="${CSS.escape(data.thread)}"]`)) return;
    list.querySelector("li.muted")?.remove();
    const item = element("li", { attrs: { "data-thread": data.thread } });
    item.append(
      element("a", {
        text: data.title,
        attrs: { href: `/rooms/${this.roomId}/?thread=${encodeURIComponent(data.thread)}` },
      }),
    );
    const tags = element("div", { className: "tags" });
    for (const tag of data.tags || []) {
      const label = tag.state ? `${tag.state} ${tag.value}` : tag.value;
      const query = tag.state ? `${tag.state}: ${tag.value}` : tag.value;
      tags.append(
        element("a", {
          className: "badge tag",
          text: label,
          attrs: { href: `/rooms/tags/?q=${encodeURIComponent(query)}` },
        }),
        " ",
      );
    }
    item.append(tags);
    list.append(item);
  }

  addParticipant(data) {
    const list = document.getElementById("participant-list");
    if (!list || list.querySelector(`li[data-user="${Number(data.user)}"]`)) return;
    const item = element("li", {
      attrs: { "data-user": String(Number(data.user)), "data-name": data.name || "" },
    });
    item.append(element("span", { className: "name", text: data.name }));
    list.append(item);
  }

  removeParticipant(data) {
    document.querySelector(`#participant-list li[data-user="${Number(data.user)}"]`)?.remove();
    if (Number(data.user) === this.userId) this.end("access", this.t.tAccessLost);
  }

  // --- Composer, typing, read markers ------------------------------------------------------

  onSubmit(event) {
    const form = this.composer;
    const file = form.attachment && form.attachment.files.length > 0;
    if (file || !this.threadId || this.ended) return; // the server-rendered path
    event.preventDefault();
    const body = form.body.value;
    const handling = form.handling.value || form.dataset.defaultHandling || "H0";
    const note = form.handling_note ? form.handling_note.value.trim() : "";
    if (!body.trim()) {
      this.showComposerError(this.t.tEmpty);
      return;
    }
    if (handling === "H3" && !note) {
      this.showComposerError(this.t.tNoteRequired);
      return;
    }
    if (CONFIRMED_HANDLING.has(handling) && !form.confirm_handling?.checked) {
      this.showComposerError(format(this.t.tConfirmRequired, { code: handling }));
      return;
    }
    const frame = {
      type: "send",
      room: this.roomId,
      thread: this.threadId,
      client_id: crypto.randomUUID(),
      body,
      handling,
    };
    if (handling === "H3") frame.handling_note = note;
    if (form.evaluation && form.evaluation.value) frame.evaluation = form.evaluation.value;
    const replyTo = form.reply_to ? Number.parseInt(form.reply_to.value, 10) : Number.NaN;
    if (Number.isInteger(replyTo) && replyTo > 0) frame.reply_to = replyTo;
    this.outbox.set(frame.client_id, frame);
    this.showPending(frame);
    this.showComposerError("");
    this.resetComposer();
    if (!this.catchingUp) this.send(frame); // else sent once caught up
  }

  /** After a send: an empty composer with the room's default code, no evaluation, no note
   * and no confirmation. A label is chosen for each message, never carried over. */
  resetComposer() {
    const form = this.composer;
    form.body.value = "";
    if (form.reply_to) form.reply_to.value = "";
    if (form.handling) form.handling.value = form.dataset.defaultHandling || "H0";
    if (form.handling_note) form.handling_note.value = "";
    if (form.evaluation) form.evaluation.value = "";
    if (form.confirm_handling) form.confirm_handling.checked = false;
    this.showHandling();
  }

  /** The chosen code on the send button; the confirmation line for H2 and H3; the note
   * field with H3 only. */
  showHandling() {
    const form = this.composer;
    if (!form?.handling) return;
    const code = form.handling.value;
    const button = document.getElementById("send-button");
    if (button) button.textContent = format(this.t.tSendAs, { code });
    const confirm = form.querySelector(".field-confirm_handling");
    if (confirm) {
      confirm.hidden = !CONFIRMED_HANDLING.has(code);
      const text = document.getElementById("handling-confirm-text");
      if (text) text.textContent = format(this.t.tConfirm, { label: this.handlingTitle(code) });
      if (confirm.hidden && form.confirm_handling) form.confirm_handling.checked = false;
    }
    const note = form.querySelector(".field-handling_note");
    if (note) note.hidden = code !== "H3";
  }

  setDefaultHandling(code) {
    const form = this.composer;
    if (!form || !code) return;
    const untouched = form.handling && form.handling.value === form.dataset.defaultHandling;
    form.dataset.defaultHandling = code;
    const shown = document.getElementById("default-handling-code");
    if (shown) shown.textContent = code;
    if (untouched && !form.body.value) {
      form.handling.value = code;
      this.showHandling();
    }
  }

  onReplyClick(event) {
    const link = event.target.closest("a.reply");
    const seq = link?.closest(".message")?.dataset.seq;
    if (!seq || !this.composer?.reply_to) return;
    event.preventDefault();
    this.composer.reply_to.value = seq;
    this.composer.body.focus();
  }

  showPending(frame) {
    if (!this.messages) return;
    this.messages.querySelector(".empty")?.remove();
    const article = element("article", {
      className: "message own pending",
      attrs: { "data-client-id": frame.client_id },
    });
    const head = element("header", { className: "message-head" });
    head.append(
      element("span", { className: "sender", text: this.t.tYou }),
      element("span", {
        className: `handling handling-${frame.handling}`,
        text: frame.handling,
        attrs: { title: this.handlingTitle(frame.handling) },
      }),
      element("span", { className: "state", text: this.t.tSending }),
    );
    const body = element("div", { className: "body" });
    body.append(element("p", { text: frame.body }));
    article.append(head, body);
    this.messages.append(article);
  }

  onInput() {
    const now = Date.now();
    if (!this.threadId || now - this.lastTypingSent < TYPING_EVERY_MS) return;
    if (this.send({ type: "typing", room: this.roomId, thread: this.threadId })) {
      this.lastTypingSent = now;
    }
  }

  onTyping(frame) {
    if (!this.typingLine || frame.user === this.userId || frame.thread !== this.threadId) return;
    const person = document.querySelector(`#participant-list li[data-user="${Number(frame.user)}"]`);
    const name = person ? person.dataset.name : this.t.tSomeone;
    this.typingLine.textContent = format(this.t.tTyping, { name });
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.typingLine.textContent = "";
    }, TYPING_SHOWN_MS);
  }

  scheduleRead() {
    if (document.visibilityState !== "visible" || this.lastSeq <= this.readSent) return;
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => {
      if (this.send({ type: "read", room: this.roomId, seq: this.lastSeq })) {
        this.readSent = this.lastSeq;
      }
    }, READ_DELAY_MS);
  }
}

const root = document.getElementById("room");
if (root && "WebSocket" in window) {
  const page = new RoomPage(root);
  root.roomPage = page;
  page.start();
}
