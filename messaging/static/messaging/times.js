// Times as the reader sees them. The server writes every time as
// <time class="when" datetime="…" data-absolute="…" title="…" tabindex="0">absolute</time>,
// in the reader's zone and language, zone named (messaging/times.py). This module turns the
// text of recent times relative ("hace 3 minutos", in the page's language) and keeps the
// absolute time in the title (hover) and in data-absolute (shown on focus by rooms.css).
// Server-rendered and live content go through the same two steps.

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RELATIVE_UNTIL = 7 * DAY;
const REFRESH_MS = 30000;

/** The relative wording of `seconds` from now (negative: past) in `language`. */
export function relativeText(seconds, language) {
  const format = new Intl.RelativeTimeFormat(language || undefined, { numeric: "auto" });
  const size = Math.abs(seconds);
  if (size < 45) return format.format(0, "second");
  if (size < HOUR) return format.format(Math.round(seconds / MINUTE), "minute");
  if (size < DAY) return format.format(Math.round(seconds / HOUR), "hour");
  return format.format(Math.round(seconds / DAY), "day");
}

/** Rewrite every time under `root` against `now` (milliseconds). */
export function refreshTimes(root = document, now = Date.now()) {
  const language = document.documentElement.lang;
  for (const node of root.querySelectorAll("time.when[datetime]")) {
    const at = Date.parse(node.dateTime);
    if (Number.isNaN(at)) continue;
    const seconds = Math.round((at - now) / 1000);
    if (Math.abs(seconds) >= RELATIVE_UNTIL) {
      node.textContent = node.dataset.absolute;
      node.classList.remove("relative");
    } else {
      node.textContent = relativeText(seconds, language);
      node.classList.add("relative");
    }
  }
}

refreshTimes();
setInterval(() => refreshTimes(), REFRESH_MS);
