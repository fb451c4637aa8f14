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
    // The words come from the page, in the editor's language (forms.py): %(name)s are the numbers.
    function say(name, fallback, values) {
      var text = input.getAttribute("data-msg-" + name) || fallback;
      return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
    }
    function update() {
      var values = {count: Array.from(input.value).length, target: target, max: max};
      counter.textContent = (values.count > target
        ? say("over", "%(count)s characters — over the %(target)s that fit in lists and search results", values)
        : say("within", "%(count)s characters of %(target)s", values)) +
        (max ? " " + say("max", "(at most %(max)s)", values) : "");
      counter.classList.toggle("over", values.count > target);
    }
    input.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-target-length]").forEach(attach);
  });
})();
