// The comment form, fetched when the reader starts to write. The article page is the same for
// every reader and kept by caches, so it carries no form: its comments area has a slot with the
// address of the form alone (an uncached fragment with this reader's CSRF token, Security Key
// and start time). Clicking "Write a comment" or a Reply link, or moving the focus into the
// comments area, puts the form in the slot. Without JavaScript, or if the fragment cannot be
// fetched, the same links open the write page, which works on its own.
(function () {
  "use strict";
  var area = document.querySelector("[data-comments]");
  var slot = area && area.querySelector("[data-form-url]");
  if (!slot || !window.fetch) { return; }

  var shown = null;    // the reply_to of the form in the slot ("" for a new comment); null: none
  var pending = null;  // the fetch under way: {replyTo, focus, fallback}
  var given = slot.querySelector("form");  // already there: an edge assembled it (ESI)
  if (given) {
    var parent = given.elements.namedItem("parent");
    shown = (parent && parent.value) || "";
  }

  function typed() {
    var form = slot.querySelector("form");
    var values = {};
    if (!form) { return values; }
    ["name", "email", "body"].forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && field.value) { values[name] = field.value; }
    });
    return values;
  }

  function restore(values) {
    var form = slot.querySelector("form");
    if (!form) { return; }
    Object.keys(values).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && !field.value) { field.value = values[name]; }
    });
  }

  function focusForm() {
    var form = slot.querySelector("form");
    if (!form) { return; }
    var fields = ["name", "email", "body"].map(function (name) {
      return form.elements.namedItem(name);
    }).filter(Boolean);
    var empty = fields.filter(function (field) { return !field.value; });
    var target = empty[0] || fields[fields.length - 1];
    if (target) { target.focus(); }
  }

  function load(replyTo, focus, fallback) {
    if (pending && pending.replyTo === replyTo) {
      pending.focus = pending.focus || focus;
      pending.fallback = pending.fallback || fallback;
      return;
    }
    if (!pending && shown === replyTo) {
      if (focus) { focusForm(); }
      return;
    }
    var request = {replyTo: replyTo, focus: focus, fallback: fallback};
    pending = request;
    slot.setAttribute("aria-busy", "true");
    var url = slot.getAttribute("data-form-url");
    if (replyTo) { url += "?reply_to=" + encodeURIComponent(replyTo); }
    fetch(url, {
      method: "GET", credentials: "same-origin", cache: "no-store",
      headers: {"Accept": "text/html"}
    }).then(function (response) {
      if (!response.ok) { throw new Error("form " + response.status); }
      return response.text();
    }).then(function (html) {
      if (pending !== request) { return; }  // a later click asked for another form
      var values = typed();
      var hadFocus = slot.contains(document.activeElement);
      slot.innerHTML = html;
      restore(values);
      shown = replyTo;
      pending = null;
      slot.removeAttribute("aria-busy");
      // The link the reader was on is gone: bring the focus to the form rather than lose it.
      if (request.focus || hadFocus) { focusForm(); }
    }).catch(function () {
      if (pending !== request) { return; }
      pending = null;
      slot.removeAttribute("aria-busy");
      if (request.fallback) { window.location.assign(request.fallback); }
    });
  }

  area.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey || !event.target.closest) { return; }
    var link = event.target.closest("a[data-write-comment], a[data-reply-to]");
    if (!link || !area.contains(link)) { return; }
    event.preventDefault();
    load(link.getAttribute("data-reply-to") || "", true, link.href);
  });

  area.addEventListener("focusin", function () {
    if (shown === null && !pending) { load("", false, null); }
  });
}());
