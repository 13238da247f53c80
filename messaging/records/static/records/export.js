// An export's page: while the bundle is built, follow its progress through the API
// (GET /api/v1/records/<id>/) and reload the page once the export is no longer running.
const bar = document.getElementById("export-progress");
const url = bar && bar.dataset.poll;
const WORKING = new Set(["pending", "running"]);

async function poll() {
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) {
      const data = await response.json();
      bar.value = data.progress;
      bar.textContent = `${data.progress} %`;
      if (!WORKING.has(data.status)) {
        window.location.reload();
        return;
      }
    }
  } catch (error) {
    // The server is out of reach for a moment: try again later.
  }
  window.setTimeout(poll, 2000);
}

if (url) window.setTimeout(poll, 2000);
