// The request form says at once whether anyone can take the request: on every change of
// the languages or the purpose it asks GET /api/v1/translations/availability/ and shows the
// server's explanation (in the page's language). The rule and its words live on the server.
(function () {
  "use strict";
  const line = document.getElementById("translation-availability");
  const form = line && line.closest("form");
  if (!form || !window.fetch) return;
  let asked = 0;
  async function check() {
    const url = new URL(line.dataset.url, window.location.href);
    url.searchParams.set(line.dataset.item, line.dataset.itemId);
    for (const name of ["source_language", "target_language", "purpose"]) {
      const value = form.elements[name] ? form.elements[name].value : "";
      if (value) url.searchParams.set(name, value);
    }
    const ticket = ++asked;
    let answer;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      answer = await response.json();
      if (!response.ok) answer = { state: "", explanation: answer.detail || answer.message || "" };
    } catch (error) {
      return; // the server says it again when the request is made
    }
    if (ticket !== asked) return; // a later change was answered meanwhile
    line.dataset.state = answer.state || "";
    line.classList.toggle("unserved", answer.state !== "available" && Boolean(answer.state));
    line.textContent = answer.explanation || "";
  }
  for (const name of ["source_language", "target_language", "purpose"]) {
    if (form.elements[name]) form.elements[name].addEventListener("change", check);
  }
  check();
})();
