/* Small progressive enhancements; every form works without them. */
(function () {
  "use strict";
  var box = document.getElementById("for_other");
  var owner = document.getElementById("owner-fields");
  if (box && owner) {
    var sync = function () { owner.hidden = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-back]"), function (link) {
    link.addEventListener("click", function (event) {  /* no javascript: links under the CSP */
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) {  /* focusable whatever the template wrote: a refused form takes the reader to its errors */
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
  }
}());
