/* Draw the dossier's BPMN diagram with the vendored bpmn-js navigated viewer (drag to pan, wheel or buttons to
   zoom, "fit", a full-screen view) and mark the current step(s), the steps passed and the flows taken.
   Without JavaScript the list of steps next to the canvas says the same. The model is asked for through
   answers.js (window.tthcAsk): a refusal (a session over, no right to the dossier, no network) says why
   next to "no diagram", in the server's words. */
(function () {
  "use strict";
  var canvasEl = document.getElementById("bpmn-canvas");
  if (!canvasEl) { return; }
  var details = document.getElementById("diagram-section");
  var viewer = null, drawn = false;
  function ids(name) { return (canvasEl.getAttribute(name) || "").split(" ").filter(Boolean); }
  function fail(why) {
    var reason = typeof why === "string" ? why : "";
    canvasEl.textContent = canvasEl.getAttribute("data-error") + (reason ? " " + reason : "");
    canvasEl.setAttribute("data-ready", "error");
  }
  function mark(canvas, list, marker) {
    list.forEach(function (id) { try { canvas.addMarker(id, marker); } catch (e) { /* not drawn */ } });
  }
  function draw() {
    if (drawn) { return; }
    drawn = true;
    if (!window.BpmnJS || !window.tthcAsk) { fail(); return; }
    viewer = new window.BpmnJS({ container: canvasEl });
    window.tthcAsk(canvasEl.getAttribute("data-src"), { headers: { Accept: "application/xml, application/json;q=0.9" } })
      .then(function (answer) {
        if (!answer.ok) { throw answer.message || ""; }
        return viewer.importXML(answer.text);
      })
      .then(function () {
        var canvas = viewer.get("canvas");
        canvas.zoom("fit-viewport");
        var current = ids("data-current");
        mark(canvas, ids("data-done").filter(function (id) { return current.indexOf(id) < 0; }), "done-step");
        mark(canvas, ids("data-flows"), "taken-flow");
        mark(canvas, current, "current-step");
        canvasEl.setAttribute("data-ready", "1");
      })
      .catch(fail);
  }
  function zoom(how) {
    if (!viewer) { return; }
    if (how === "fit") { viewer.get("canvas").zoom("fit-viewport", "auto"); return; }
    viewer.get("zoomScroll").stepZoom(how === "zoom-in" ? 1 : -1);
  }
  if (details) {
    details.querySelectorAll("[data-diagram]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-diagram");
        if (how !== "wide") { zoom(how); return; }
        var wide = details.classList.toggle("wide");
        button.setAttribute("aria-pressed", wide ? "true" : "false");
        if (viewer) {
          viewer.get("canvas").resized();
          viewer.get("canvas").zoom("fit-viewport", "auto");
        }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && details.classList.contains("wide")) {
        details.querySelector("[data-diagram=wide]").click();
      }
    });
  }
  if (details && !details.open) {
    details.addEventListener("toggle", function () {
      if (details.open) { draw(); } else if (details.classList.contains("wide")) { details.querySelector("[data-diagram=wide]").click(); }
    });
  } else {
    draw();
  }
}());
