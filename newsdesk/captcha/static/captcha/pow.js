// The comment form's proof of work: as soon as a form with a challenge is in the page (the
// write page, or the form comments/form.js puts in the article page), a Web Worker
// (pow-worker.js) solves it while the reader writes, and its answer goes in the hidden field.
// A reader who sends before it is done waits a moment and the form goes by itself. Without
// Worker or WebCrypto nothing happens: the field stays empty and the server takes the comment
// with the Security Key alone, under stricter limits, as without JavaScript.
(function () {
  "use strict";
  if (!window.Worker || !window.crypto || !window.crypto.subtle || !window.MutationObserver) { return; }
  var SELECTOR = "input[data-pow-challenge]";

  function status(form, text) {
    var live = form.querySelector(".pow-status");
    if (!live) {
      live = document.createElement("p");
      live.className = "pow-status help";
      live.setAttribute("role", "status");
      var send = form.querySelector("button[type=submit]:not([name])");
      (send && send.parentNode.parentNode === form ? form.insertBefore(live, send.parentNode.nextSibling) : form.appendChild(live));
    }
    live.textContent = text;
  }

  // The words come from the page, in the site's language (captcha/fields.py, PowWidget).
  function say(input, name, fallback) { return input.getAttribute("data-msg-" + name) || fallback; }

  function settle(input, state) {
    input.setAttribute("data-pow-state", state);
    var form = input.form;
    if (form && input.hasAttribute("data-pow-send")) {
      input.removeAttribute("data-pow-send");
      status(form, state === "done" ? say(input, "done", "Anti-spam check done: sending your comment.") : say(input, "sending", "Sending your comment."));
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  }

  function start(input) {
    if (input.hasAttribute("data-pow-state")) { return; }
    input.setAttribute("data-pow-state", "working");
    var worker;
    try {
      worker = new Worker(input.getAttribute("data-pow-worker"));
    } catch (error) {
      settle(input, "failed");
      return;
    }
    worker.onmessage = function (event) {
      worker.terminate();
      if (!input.isConnected) { return; }  // the form was replaced (a reply, a new form)
      if (event.data && event.data.payload) {
        input.value = event.data.payload;
        settle(input, "done");
      } else {
        settle(input, "failed");  // sent without: the Security Key path
      }
    };
    worker.onerror = function () { worker.terminate(); settle(input, "failed"); };
    worker.postMessage(JSON.parse(input.getAttribute("data-pow-challenge")));
  }

  function scan(root) {
    if (root.matches && root.matches(SELECTOR)) { start(root); }
    if (root.querySelectorAll) { Array.prototype.forEach.call(root.querySelectorAll(SELECTOR), start); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var input = form.querySelector && form.querySelector(SELECTOR);
    if (!input || input.getAttribute("data-pow-state") !== "working") { return; }
    // A new Security Key picture needs no proof of work (refresh.js or the server handles it).
    if (event.submitter && event.submitter.name === "captcha_refresh") { return; }
    event.preventDefault();
    input.setAttribute("data-pow-send", "1");
    status(form, say(input, "finishing", "Finishing the anti-spam check: your comment is sent in a moment."));
  }, true);

  new MutationObserver(function (records) {
    records.forEach(function (record) { Array.prototype.forEach.call(record.addedNodes, scan); });
  }).observe(document.documentElement, {childList: true, subtree: true});
  scan(document);
}());
