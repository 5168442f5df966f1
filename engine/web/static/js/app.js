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
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
