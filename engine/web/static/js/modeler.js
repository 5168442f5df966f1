/* The administrators' modeler: the vendored bpmn-js Modeler with our own properties panel for the
   spiffworkflow:properties the engine reads (docs/bpmn-conventions.md), a server check of the model as it is
   edited (debounced), and "save" posting the XML to be deployed as the next version.
   Nothing being edited is lost to a refusal: check and save go through answers.js (window.tthcAsk), whose
   refusals (a session over, no right, too large, no network...) are told on the page, which stays as it is;
   and the model being edited is kept in the tab's sessionStorage, so that reloading the page (signing in again
   on the way) opens it again, until it is saved or discarded. */
(function () {
  "use strict";
  var root = document.getElementById("modeler");
  if (!root) { return; }
  var SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  var descriptor = {
    name: "SpiffWorkflow", uri: SPIFF, prefix: "spiffworkflow", xml: { tagAlias: "lowerCase" },
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", isAttr: true, type: "String" }, { name: "value", isAttr: true, type: "String" }] }
    ].concat(["CalledDecisionId", "InstructionsForEndUser", "MessagePayload", "MessageVariable", "PayloadExpression",
              "VariableName", "PreScript", "PostScript"].map(function (name) {  // text elements: kept as they are
      return { name: name, superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] };
    }))
  };
  var config = JSON.parse(document.getElementById("modeler-config").textContent);
  var source = JSON.parse(document.getElementById("modeler-source").textContent);
  var T = config.text;
  var form = document.getElementById("modeler-form");
  var saveButton = document.getElementById("modeler-save");
  var panel = document.getElementById("modeler-panel");
  var status = document.getElementById("model-check-status");
  var problemList = document.getElementById("model-check-problems");
  var alertBox = document.getElementById("modeler-alert");
  var draftKey = "tthc-modeler:" + form.getAttribute("action");
  if (!window.BpmnJS) { root.textContent = root.getAttribute("data-error"); return; }
  // bpmn-js's own words (palette, context pad, replace menu...) in the page's language: its "translate" service
  // gets each English template with its {name} replacements; modeler-vi.js holds the Vietnamese table, an
  // English page (or a template missing from the table) keeps the English, the replacements filled in
  var lang = (document.documentElement.getAttribute("lang") || "vi").toLowerCase().split("-")[0];
  var words = (window.tthcModelerWords || {})[lang] || {};
  function translate(template, replacements) {
    var text = Object.prototype.hasOwnProperty.call(words, template) ? words[template] : template;
    replacements = replacements || {};
    return text.replace(/{([^}]+)}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(replacements, key) ? String(replacements[key]) : whole;
    });
  }
  var modeler = new window.BpmnJS({ container: "#modeler-canvas", moddleExtensions: { spiffworkflow: descriptor },
                                    additionalModules: [{ translate: ["value", translate] }] });
  window.tthcModeler = modeler;  // for the browser tests
  var moddle = modeler.get("moddle");
  var selected = null;

  // -- spiffworkflow:properties of a business object ------------------------------------------------------
  function propsOf(bo, create) {
    var ext = bo.extensionElements;
    if (!ext) {
      if (!create) { return null; }
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      bo.extensionElements = ext;
    }
    ext.values = ext.values || [];
    var found = ext.values.filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
    if (!found && create) {
      found = moddle.create("spiffworkflow:Properties", { properties: [] });
      found.$parent = ext;
      ext.values.push(found);
    }
    if (found) { found.properties = found.properties || []; }
    return found || null;
  }
  function getProp(bo, name) {
    var p = propsOf(bo, false);
    var hit = p ? p.properties.filter(function (x) { return x.name === name; })[0] : null;
    return hit ? (hit.value || "") : null;
  }
  function setProp(bo, name, value) {
    var p = propsOf(bo, value !== null && value !== "");
    if (!p) { return; }
    var hit = p.properties.filter(function (x) { return x.name === name; })[0];
    if (value === null || value === "") {
      if (hit) { p.properties.splice(p.properties.indexOf(hit), 1); }
    } else if (hit) {
      hit.value = value;
    } else {
      hit = moddle.create("spiffworkflow:Property", { name: name, value: value });
      hit.$parent = p;
      p.properties.push(hit);
    }
    changed();
  }
  function propsWithPrefix(bo, prefix) {
    var p = propsOf(bo, false);
    return p ? p.properties.filter(function (x) { return (x.name || "").indexOf(prefix) === 0; }) : [];
  }

  // -- the panel ----------------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function field(id, label, input) {
    var div = el("div", { "class": "field" });
    div.appendChild(el("label", { "for": id }, label));
    input.id = id;
    div.appendChild(input);
    return div;
  }
  function textInput(value, onchange, type) {
    var input = el("input", { type: type || "text" });
    input.value = value || "";
    input.addEventListener("input", function () { onchange(input.value.trim()); });
    return input;
  }
  function select(options, value, onchange) {
    var s = el("select", {});
    options.forEach(function (o) {
      var opt = el("option", { value: o[0] }, o[1]);
      if (o[0] === value) { opt.selected = true; }
      s.appendChild(opt);
    });
    s.addEventListener("change", function () { onchange(s.value); });
    return s;
  }
  function unitOptions(list, blank) {
    var words = config.unit_text || {};
    return (blank ? [["", "—"]] : []).concat(list.map(function (u) { return [u, words[u] || u]; }));
  }
  function processPanel(proc) {
    panel.appendChild(el("h2", {}, T.process));
    panel.appendChild(field("proc-name", T.name, textInput(proc.name, function (v) { proc.name = v; changed(); })));
    panel.appendChild(field("proc-code", T.code, textInput(getProp(proc, "procedureCode"),
      function (v) { setProp(proc, "procedureCode", v); })));
    panel.appendChild(field("proc-duration", T.duration, textInput(getProp(proc, "duration"),
      function (v) { setProp(proc, "duration", v); }, "number")));
    panel.appendChild(field("proc-duration-unit", T.unit, select(unitOptions(config.units, false),
      getProp(proc, "durationUnit") || "working_day", function (v) { setProp(proc, "durationUnit", v); })));
    var fees = el("fieldset", { "class": "group", id: "proc-fees" });
    fees.appendChild(el("legend", {}, T.fees));
    propsWithPrefix(proc, "fee.").forEach(function (p, i) { fees.appendChild(feeRow(proc, p, i)); });
    var add = el("button", { type: "button", id: "fee-add" }, T.add_fee);
    add.addEventListener("click", function () {
      var n = 1;
      while (getProp(proc, "fee.moi_" + n) !== null) { n += 1; }
      setProp(proc, "fee.moi_" + n, "0;at_intake;");
      render();
    });
    fees.appendChild(add);
    panel.appendChild(fees);
  }
  function feeRow(proc, p, i) {
    var row = el("div", { "class": "fee-row" });
    var key = textInput(p.name.slice(4), function (v) { p.name = "fee." + v; changed(); });
    var value = textInput(p.value, function (v) { p.value = v; changed(); });
    row.appendChild(field("fee-key-" + i, T.fee_key, key));
    row.appendChild(field("fee-value-" + i, T.fee_value, value));
    var remove = el("button", { type: "button", "class": "fee-remove" }, T.remove);
    remove.addEventListener("click", function () { setProp(proc, p.name, null); render(); });
    row.appendChild(remove);
    return row;
  }
  function taskPanel(bo) {
    panel.appendChild(el("h2", {}, T.task + ": " + (bo.name || bo.id)));
    var kinds = Object.keys(config.steps).map(function (k) { return [k, k + " (" + config.steps[k].join(", ") + ")"]; });
    panel.appendChild(field("prop-step", T.step, select([["", "—"]].concat(kinds), getProp(bo, "step") || "",
      function (v) { setProp(bo, "step", v); })));
    panel.appendChild(field("prop-form", T.form, textInput(getProp(bo, "formJsonSchemaFilename"),
      function (v) { setProp(bo, "formJsonSchemaFilename", v); })));
    panel.appendChild(field("prop-actions", T.actions, textInput(getProp(bo, "actions"),
      function (v) { setProp(bo, "actions", v); })));
    panel.appendChild(field("prop-duration", T.step_duration, textInput(getProp(bo, "duration"),
      function (v) { setProp(bo, "duration", v); }, "number")));
    panel.appendChild(field("prop-duration-unit", T.unit, select(unitOptions(config.step_units, true),
      getProp(bo, "durationUnit") || "", function (v) { setProp(bo, "durationUnit", v); })));
  }
  function lanePanel(shape) {
    var bo = shape.businessObject;
    panel.appendChild(el("h2", {}, T.lane + ": " + (bo.name || bo.id)));
    var name = (bo.name || "").trim().toLowerCase();
    var current = config.roles.filter(function (r) {
      return r.code === name || r.label.toLowerCase() === name;
    })[0];
    var options = [["", "—"]].concat(config.roles.map(function (r) { return [r.label, r.label + " (" + r.code + ")"]; }));
    panel.appendChild(field("prop-role", T.role, select(options, current ? current.label : "", function (v) {
      modeler.get("modeling").updateProperties(shape, { name: v });
    })));
  }
  function processOf(shape) {
    var bo = shape ? shape.businessObject : modeler.get("canvas").getRootElement().businessObject;
    if (bo.$type === "bpmn:Participant") { return bo.processRef; }
    if (bo.$type === "bpmn:Process") { return bo; }
    if (bo.$type === "bpmn:Collaboration") {
      var p = (bo.participants || []).filter(function (x) { return x.processRef; })[0];
      return p ? p.processRef : null;
    }
    return null;
  }
  function render() {
    panel.textContent = "";
    var bo = selected ? selected.businessObject : null;
    if (bo && bo.$type === "bpmn:UserTask") { taskPanel(bo); } else if (bo && bo.$type === "bpmn:Lane") { lanePanel(selected); } else {
      var proc = processOf(selected);
      if (proc) { processPanel(proc); } else { panel.appendChild(el("p", {}, T.other)); }
    }
    panel.setAttribute("data-element", bo ? bo.id : "");
  }

  // -- the model being edited, kept in the tab until saved or discarded ------------------------------------
  var baseline = null, restored = false, firstCheck = true, leaving = false;
  function readDraft() {
    try { return window.sessionStorage.getItem(draftKey); } catch (e) { return null; }
  }
  function keepDraft(xml) {
    if (leaving) { return false; }
    try { window.sessionStorage.setItem(draftKey, xml); return true; } catch (e) { return false; }
  }
  function dropDraft() {
    try { window.sessionStorage.removeItem(draftKey); } catch (e) { /* nothing kept */ }
  }
  function keptText() { return readDraft() !== null ? " " + T.kept : ""; }
  function importModel() {
    var kept = readDraft();
    if (kept === null || kept === source) { return modeler.importXML(source); }
    return modeler.importXML(kept).then(function (result) {
      restored = true;
      var note = el("div", { "class": "flash flash-warn", role: "status", id: "modeler-draft" }, T.restored + " ");
      var discard = el("button", { type: "button", id: "modeler-discard" }, T.discard);
      discard.addEventListener("click", function () { leaving = true; dropDraft(); window.location.reload(); });
      note.appendChild(discard);
      root.parentNode.insertBefore(note, root);
      return result;
    }, function () { dropDraft(); return modeler.importXML(source); });  // a draft it cannot read: the version
  }

  // -- what the server refused ----------------------------------------------------------------------------
  function alarm(message, sessionOver) {
    alertBox.textContent = message;
    alertBox.setAttribute("data-session", sessionOver ? "over" : "");
    if (sessionOver) {
      var again = el("button", { type: "button", id: "modeler-reload" }, T.reload);
      again.addEventListener("click", function () { window.location.reload(); });
      alertBox.appendChild(document.createTextNode(" "));
      alertBox.appendChild(again);
    }
    alertBox.hidden = false;
  }
  function calm() { alertBox.hidden = true; alertBox.textContent = ""; }
  function reasonOf(answer) { return answer.message || T.unreadable; }

  // -- the server check ---------------------------------------------------------------------------------
  var timer = null, sequence = 0, saving = false;
  function csrfToken() { return form.querySelector("input[name=csrf_token]").value; }
  function changed() {
    saveButton.disabled = true;
    status.setAttribute("data-state", "pending");
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 600);
  }
  function showProblems(problems) {
    problemList.textContent = "";
    problems.forEach(function (p) {
      var li = el("li", { "class": "problem" });
      li.appendChild(el("code", {}, p.file + ":" + (p.line || 0)));
      li.appendChild(document.createTextNode(" " + (p.element ? p.element + ": " : "") + p.message));
      problemList.appendChild(li);
    });
  }
  function showVerdict(verdict) {  // {"ok", "problems"}: what the server found in the model
    var problems = verdict.problems || [];
    showProblems(problems);
    status.textContent = verdict.ok ? T.ok : T.problems + " (" + problems.length + ")";
    status.setAttribute("data-state", verdict.ok ? "ok" : "problems");
  }
  function post(url, xml) {
    var body = new URLSearchParams();
    body.set("xml", xml);
    return window.tthcAsk(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrfToken() } });
  }
  function check() {
    var mine = ++sequence;
    status.textContent = T.checking;
    modeler.saveXML({ format: true }).then(function (out) {
      if (firstCheck) { firstCheck = false; if (!restored) { baseline = out.xml; } }
      if (baseline !== null && out.xml === baseline) { dropDraft(); } else { keepDraft(out.xml); }
      return post(form.getAttribute("data-check"), out.xml);
    }).then(function (answer) {
      if (mine !== sequence) { return; }
      if (answer.body && typeof answer.body.ok === "boolean") {  // 200, or 422 for a model refused whole
        showVerdict(answer.body);
        calm();
      } else {
        var over = window.tthcSessionOver(answer);
        status.textContent = T.failed + " " + reasonOf(answer);
        status.setAttribute("data-state", over ? "expired" : "error");
        alarm(T.failed + " " + reasonOf(answer) + keptText(), over);
      }
      if (!saving) { saveButton.disabled = false; }
    }).catch(function (err) {  // the modeler could not write its XML
      if (mine !== sequence) { return; }
      status.textContent = T.failed + " " + (err && err.message ? err.message : "");
      status.setAttribute("data-state", "error");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (saving) { return; }
    saving = true;
    saveButton.disabled = true;
    status.textContent = T.saving;
    modeler.saveXML({ format: true }).then(function (out) {
      keepDraft(out.xml);
      return post(form.getAttribute("action"), out.xml);
    }).then(function (answer) {
      saving = false;
      if (answer.ok && answer.body && answer.body.ok === true && answer.body.redirect) {
        leaving = true;  // saved: nothing left to keep
        dropDraft();
        window.location.assign(answer.body.redirect);
        return;
      }
      saveButton.disabled = false;
      if (answer.body && answer.body.ok === false) {
        showVerdict(answer.body);
        alarm(T.not_saved + " " + T.fix_problems, false);
        return;
      }
      status.textContent = T.not_saved;
      status.setAttribute("data-state", window.tthcSessionOver(answer) ? "expired" : "error");
      alarm(T.not_saved + " " + reasonOf(answer) + keptText(), window.tthcSessionOver(answer));
    }).catch(function (err) {
      saving = false;
      saveButton.disabled = false;
      alarm(T.not_saved + " " + (err && err.message ? err.message : ""), false);
    });
  });

  importModel().then(function (result) {
    modeler.get("canvas").zoom("fit-viewport");
    if (result && result.warnings && result.warnings.length) {  // parts the modeler did not understand
      var warn = el("div", { "class": "flash flash-error", role: "alert", id: "modeler-warnings" }, T.warnings);
      var list = el("ul", {});
      result.warnings.slice(0, 20).forEach(function (w) { list.appendChild(el("li", {}, String(w.message || w))); });
      warn.appendChild(list);
      root.parentNode.insertBefore(warn, root);
    }
    modeler.on("selection.changed", function (e) { selected = e.newSelection.length === 1 ? e.newSelection[0] : null; render(); });
    modeler.on("commandStack.changed", function () { changed(); if (selected) { render(); } });
    render();
    root.setAttribute("data-ready", "1");
    check();
  }).catch(function (err) {
    root.setAttribute("data-ready", "error");
    panel.textContent = root.getAttribute("data-error") + " " + (err && err.message ? err.message : "");
  });
}());
