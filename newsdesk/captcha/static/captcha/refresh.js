// "Captcha refresh" without reloading the page. Without JavaScript the button posts the form,
// and the server shows the same page with the text kept and a new picture. One listener on the
// document serves every Security Key, those of forms put in the page later (comments/form.js)
// included.
(function () {
  "use strict";
  function status(box, text) {
    var live = box.querySelector(".captcha-status");
    if (!live) {
      live = document.createElement("span");
      live.className = "captcha-status";
      live.setAttribute("role", "status");
      box.appendChild(live);
    }
    live.textContent = text;
  }
  // The words come from the page, in the site's language (captcha/widget.html).
  function say(box, name, fallback) { return box.getAttribute("data-msg-" + name) || fallback; }
  function refresh(box, button) {
    button.disabled = true;
    fetch(box.getAttribute("data-refresh-url"), {
      method: "GET", credentials: "same-origin", cache: "no-store",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      if (!result.ok) { status(box, result.data.error || say(box, "later", "No new picture now: please try again later.")); return; }
      var image = box.querySelector(".captcha-image");
      var token = box.querySelector("input[type=hidden]");
      var answer = box.querySelector(".captcha-answer");
      var audio = box.querySelector(".captcha-audio");
      image.src = result.data.image;
      image.srcset = result.data.image + " 1x, " + result.data.image_2x + " 2x";
      token.value = result.data.token;
      if (audio) { audio.href = result.data.audio; }
      answer.value = "";
      answer.focus();
      status(box, say(box, "shown", "New Security Key picture shown."));
    }).catch(function () {
      status(box, say(box, "offline", "No new picture could be fetched: check your connection and try again."));
    }).then(function () { button.disabled = false; });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".captcha-refresh") : null;
    if (!button || !window.fetch) { return; }
    var box = button.closest("[data-captcha]");
    if (!box) { return; }
    event.preventDefault();
    refresh(box, button);
  });
}());
