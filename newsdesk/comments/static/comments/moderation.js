// Moderation queue shortcuts: j/k move, a/r/s decide the current comment, x ticks it.
// Everything also works without this file: Tab to a button, Enter to press it.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll(".queue-row"));
  if (!rows.length) { return; }
  var current = 0;
  function select(index, focus) {
    if (index < 0 || index >= rows.length) { return; }
    rows[current].classList.remove("current");
    current = index;
    rows[current].classList.add("current");
    if (focus !== false) { rows[current].focus(); rows[current].scrollIntoView({block: "nearest"}); }
  }
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" && target.type !== "checkbox" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }
  rows.forEach(function (row, index) {
    row.addEventListener("focusin", function () { select(index, false); });
  });
  select(0, false);
  var keys = {a: "approve", r: "reject", s: "spam", p: "pending"};
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) { return; }
    var key = event.key;
    if (key === "j") { select(current + 1); event.preventDefault(); return; }
    if (key === "k") { select(current - 1); event.preventDefault(); return; }
    if (key === "x") {
      var box = rows[current].querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
      event.preventDefault(); return;
    }
    if (keys[key]) {
      var button = rows[current].querySelector("button[data-action=" + keys[key] + "]");
      if (button) { event.preventDefault(); button.click(); }
    }
  });
}());
