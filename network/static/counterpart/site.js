// The site's header on a phone: the navigation and "Sign out" fold behind "Menu". Without this
// script (or on a wide screen) they stay shown: the CSS hides them only once the header is
// marked `menu-ready` here.
const header = document.querySelector(".site-header");
const toggle = header?.querySelector(".menu-toggle");
if (header && toggle) {
  header.classList.add("menu-ready");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  });
}

// Installable: the service worker caches the static shell (network/installable.py), for
// signed-in members and where static files have hashed names (production's).
const worker = document.currentScript?.dataset.serviceWorker;
const hashed = /\.[0-9a-f]{12}\.js$/.test(document.currentScript?.src || "");
if (worker && hashed && "serviceWorker" in navigator) {
  navigator.serviceWorker.register(worker, { scope: "/" }).catch(() => {});
}
