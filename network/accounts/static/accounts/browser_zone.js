// A new account's time zone starts as the browser's: a select marked data-browser-zone,
// still at the server's embedded default, is set to the zone this browser reports
// (Intl), when the list offers it. The member can still choose another; without script
// the embedded default (UTC) stays.
(function () {
  "use strict";
  const zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  for (const select of document.querySelectorAll("select[data-browser-zone]")) {
    if (select.value !== select.dataset.browserZone) continue; // the member chose already
    if ([...select.options].some((option) => option.value === zone)) select.value = zone;
  }
})();
