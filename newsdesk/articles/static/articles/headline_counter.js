// A live count of the headline's characters against the newsroom's target length.
(function () {
  "use strict";
  function attach(input) {
    var target = parseInt(input.getAttribute("data-target-length"), 10) || 70;
    var max = parseInt(input.getAttribute("maxlength"), 10) || 0;
    var counter = document.createElement("p");
    counter.className = "headline-counter";
    counter.id = "headline-counter";
    counter.setAttribute("aria-live", "polite");
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " headline-counter").trim());
    input.insertAdjacentElement("afterend", counter);
    function update() {
      var length = Array.from(input.value).length;
      counter.textContent = length + " characters" + (length > target ? " — over the " + target + " that fit in lists and search results" : " of " + target) + (max ? " (at most " + max + ")" : "");
      counter.classList.toggle("over", length > target);
    }
    input.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-target-length]").forEach(attach);
  });
})();
