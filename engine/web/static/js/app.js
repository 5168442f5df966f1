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
  /* each refused field named in the summary links to its field, which takes the focus */
  Array.prototype.forEach.call(document.querySelectorAll("#error-summary li[data-field]"), function (item) {
    var key = item.getAttribute("data-field");
    var field = document.getElementById("f-" + key) || document.getElementsByName(key)[0];
    var name = item.querySelector("strong");
    if (!field || !field.id || !name) { return; }
    var link = document.createElement("a");
    link.href = "#" + field.id;
    link.addEventListener("click", function (event) { event.preventDefault(); field.focus(); });
    name.parentNode.insertBefore(link, name);
    link.appendChild(name);
  });
  var summary = document.getElementById("error-summary");
  if (summary) {  /* focusable whatever the template wrote: a refused form takes the reader to its errors */
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
  }
}());
