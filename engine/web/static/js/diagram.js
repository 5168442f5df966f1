/* Draw the dossier's BPMN diagram with the vendored bpmn-js viewer and mark the current step(s).
   Without JavaScript the list of steps next to the canvas says the same. */
(function () {
  "use strict";
  var canvasEl = document.getElementById("bpmn-canvas");
  if (!canvasEl) { return; }
  var drawn = false;
  function fail() { canvasEl.textContent = canvasEl.getAttribute("data-error"); canvasEl.setAttribute("data-ready", "error"); }
  function draw() {
    if (drawn) { return; }
    drawn = true;
    if (!window.BpmnJS) { fail(); return; }
    var viewer = new window.BpmnJS({ container: canvasEl });
    fetch(canvasEl.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        canvas.zoom("fit-viewport");
        (canvasEl.getAttribute("data-current") || "").split(" ").forEach(function (id) {
          if (id) { try { canvas.addMarker(id, "current-step"); } catch (e) { /* not drawn */ } }
        });
        canvasEl.setAttribute("data-ready", "1");
      })
      .catch(fail);
  }
  var details = document.getElementById("diagram-section");
  if (details && !details.open) {
    details.addEventListener("toggle", function () { if (details.open) { draw(); } });
  } else {
    draw();
  }
}());
