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
  /* long work (an import, a deployment, re-planning deadlines): the form says it is working and sends once */
  var busyForms = document.querySelectorAll("form[data-busy]");
  var idle = function (form) {
    form.removeAttribute("aria-busy");
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.removeAttribute("aria-disabled"); });
    var status = form.querySelector(".busy-status");
    if (status) { status.hidden = true; status.textContent = ""; }
  };
  Array.prototype.forEach.call(busyForms, function (form) {
    var status = document.createElement("p");
    status.className = "busy-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    form.appendChild(status);
    form.addEventListener("submit", function (event) {
      /* a second click while the server works: sent again only if the person says so (a double click is not;
         a request they stopped with the browser's Stop or Esc, which no event tells the page, may be) */
      if (form.getAttribute("aria-busy") === "true" && !window.confirm(form.getAttribute("data-again"))) {
        event.preventDefault();
        return;
      }
      form.setAttribute("aria-busy", "true");
      /* aria-disabled, not disabled: the pressed button's name and value still go with the form */
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.setAttribute("aria-disabled", "true"); });
      status.textContent = form.getAttribute("data-busy");
      status.hidden = false;
    });
  });
  window.addEventListener("pageshow", function (event) {  /* back to a page kept by the browser: ready again */
    if (event.persisted) { Array.prototype.forEach.call(busyForms, idle); }
  });
  var summary = document.getElementById("error-summary");
  if (summary) {  /* focusable whatever the template wrote: a refused form takes the reader to its errors */
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
  }
}());
