// Opt-in browser notifications for a room (messaging/notifications/_toggle.html). When a
// message from someone else is posted live while the tab is hidden, a notification says
// "New message in <room>": no sender, no text, nothing of the case. The choice is kept in
// this browser only (localStorage), and the browser's own permission is asked once.

const root = document.getElementById("room");
const button = document.getElementById("notify-toggle");
const KEY = "counterpart.notifications";

function chosen() {
  return localStorage.getItem(KEY) === "on" && Notification.permission === "granted";
}

function show() {
  const on = chosen();
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? button.dataset.tEnabled : button.dataset.tEnable;
  if (Notification.permission === "denied") button.title = button.dataset.tBlocked;
}

async function toggle() {
  if (chosen()) {
    localStorage.setItem(KEY, "off");
  } else {
    const permission = await Notification.requestPermission();
    localStorage.setItem(KEY, permission === "granted" ? "on" : "off");
  }
  show();
}

function onPosted(event) {
  if (!chosen() || document.visibilityState !== "hidden") return;
  if (event.detail.sender === Number(root.dataset.user)) return;
  const title = button.dataset.tTitle.replace("{room}", button.dataset.roomTitle);
  new Notification(title, { tag: `room-${root.dataset.room}`, renotify: false, silent: false });
}

if (root && button && "Notification" in window) {
  button.hidden = false;
  button.addEventListener("click", toggle);
  root.addEventListener("room:posted", onPosted);
  show();
}
