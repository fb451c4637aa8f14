// Beside each GMT time on a public page, the same moment in the reader's own time zone.
// The server always prints GMT (the reference's form); this only adds, and only where the
// browser can tell us its zone. No inline script: served from our static files under the CSP.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || zone === "UTC" || zone === "Etc/UTC" || zone === "GMT") return;
  // The page says in which words, calendar and digits (the site language's: core/l10n.py).
  var script = document.currentScript || document.querySelector("script[data-your-time]");
  var data = script ? script.dataset : {};
  var options = {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    timeZoneName: "short"
  };
  if (data.calendar) options.calendar = data.calendar;
  if (data.digits) options.numberingSystem = data.digits;
  var label = data.yourTime || "your time";
  var format;
  try {
    format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, options);
  } catch (error) {
    return;
  }
  document.querySelectorAll("time[datetime$='Z']").forEach(function (time) {
    var when = new Date(time.getAttribute("datetime"));
    if (isNaN(when.getTime()) || time.nextElementSibling && time.nextElementSibling.classList.contains("local-time")) return;
    var local = document.createElement("span");
    local.className = "local-time";
    local.textContent = " (" + format.format(when) + " " + label + ")";
    time.insertAdjacentElement("afterend", local);
  });
})();
