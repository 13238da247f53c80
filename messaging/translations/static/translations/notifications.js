// Live notification count on the translation board: listens on the WebSocket for
// `notification` frames (docs/protocol.md) and bumps the unread count. The list itself
// is always loaded from the server, so a missed frame loses nothing.
(function () {
  "use strict";
  const counter = document.getElementById("unread-notifications");
  if (!counter || !("WebSocket" in window)) return;
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  let delay = 1000;
  function connect() {
    const socket = new WebSocket(scheme + window.location.host + "/ws/v1/");
    socket.addEventListener("message", function (event) {
      let frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      if (frame.type === "hello") delay = 1000;
      if (frame.type !== "notification" || frame.kind === "case_closed") return;
      const unread = (parseInt(counter.dataset.unread, 10) || 0) + 1;
      counter.dataset.unread = String(unread);
      counter.textContent = "(" + unread + ")";
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4401 || event.code === 4403) return;
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  connect();
})();
