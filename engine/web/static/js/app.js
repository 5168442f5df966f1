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
  /* Nothing typed is lost when a form is sent after its session ended (the sign-in's hours ran out, the person
     signed out in another tab, the server restarted with a new key): the server refuses it with its CSRF page
     and changes nothing. What the form held is kept in this tab (sessionStorage, never sent anywhere) when it is
     sent; that page (#draft-kept) keeps it and offers the form again, through the sign-in page; the form's page
     then puts it back and says so. Any other page loaded after a sending ends the keeping: the form went
     through, or came back with the person's values and its errors. Files and passwords are never kept. */
  var DRAFT = "tthc-draft";
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }
  var SKIPPED = { file: 1, password: 1, submit: 1, button: 1, reset: 1, image: 1, hidden: 1 };
  var actionPath = function (form) {
    try { return new URL(form.getAttribute("action") || "", window.location.href).pathname; } catch (e) { return ""; }
  };
  var kept = function (field) {
    return field.name && field.name !== "csrf_token" && !field.disabled && !SKIPPED[field.type] &&
      !(field.autocomplete && field.autocomplete.indexOf("password") >= 0);
  };
  var sameAction = function (form) {
    return Array.prototype.filter.call(document.forms, function (f) { return actionPath(f) === actionPath(form); });
  };
  /* whose it is: kept for the same person only (a shared computer, a kiosk), and for half an hour at most */
  var draftOwner = document.body.getAttribute("data-draft-owner") || "";
  var KEPT_FOR = 30 * 60 * 1000;
  if (store) {
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      if ((form.getAttribute("method") || "get").toLowerCase() !== "post" || form.querySelector("input[type=password]")) {
        return;  /* a search, the sign-in and password forms: nothing worth keeping, or nothing to keep */
      }
      form.addEventListener("submit", function () {
        var fields = [];
        Array.prototype.forEach.call(form.elements, function (field) {
          if (!kept(field)) { return; }
          if (field.type === "checkbox" || field.type === "radio") {
            fields.push([field.name, field.value, field.checked]);
          } else if (field.tagName === "SELECT" && field.multiple) {
            Array.prototype.forEach.call(field.options, function (o) { fields.push([field.name, o.value, o.selected]); });
          } else {
            fields.push([field.name, field.value, null]);
          }
        });
        var typed = fields.some(function (entry) { return entry[2] === null ? entry[1] !== "" : entry[2]; });
        if (!typed) { return; }  /* a button with nothing typed (mark read, a language): nothing to keep */
        try {
          store.setItem(DRAFT, JSON.stringify({ state: "sent", owner: draftOwner, at: Date.now(),
            page: window.location.pathname + window.location.search,
            action: actionPath(form), n: sameAction(form).indexOf(form), fields: fields }));
        } catch (e) { /* storage full or refused: the form is sent as before */ }
      });
    });
    var draft = null;
    try { draft = JSON.parse(store.getItem(DRAFT) || "null"); } catch (e) { draft = null; }
    var keptBox = document.getElementById("draft-kept");
    if (draft && keptBox && draft.state === "sent") {  /* refused for its session: kept, and said so */
      draft.state = "kept";
      store.setItem(DRAFT, JSON.stringify(draft));
      keptBox.hidden = false;
    } else if (draft && (draft.state === "sent" || !(Date.now() - draft.at < KEPT_FOR) ||
                         (draftOwner && draftOwner !== draft.owner))) {
      store.removeItem(DRAFT);  /* sent and answered, too old, or another person signed in here */
    } else if (draft && draft.state === "kept" && draftOwner === draft.owner &&
               draft.page === window.location.pathname + window.location.search) {
      var target = Array.prototype.filter.call(document.forms, function (f) { return actionPath(f) === draft.action; })[draft.n];
      store.removeItem(DRAFT);
      if (target) {
        var named = function (name) {
          return Array.prototype.filter.call(target.elements, function (f) { return f.name === name && kept(f); });
        };
        var nth = {};  /* the k-th value of a name typed in several fields goes back to the k-th of them */
        draft.fields.forEach(function (entry) {
          named(entry[0]).forEach(function (field, k) {
            if (field.type === "checkbox" || field.type === "radio") {
              if (field.value === entry[1]) { field.checked = entry[2]; }
            } else if (field.tagName === "SELECT" && field.multiple) {
              Array.prototype.forEach.call(field.options, function (o) { if (o.value === entry[1]) { o.selected = entry[2]; } });
            } else if (k === (nth[entry[0]] || 0)) {
              field.value = entry[1];
            } else {
              return;
            }
            field.dispatchEvent(new Event("change", { bubbles: true }));
          });
          if (entry[2] === null) { nth[entry[0]] = (nth[entry[0]] || 0) + 1; }
        });
        var details = target.closest("details");
        if (details) { details.open = true; }
        var note = document.createElement("p");
        note.className = "alert alert-info draft-restored";
        note.setAttribute("role", "status");
        note.textContent = document.body.getAttribute("data-draft-restored") || "";
        target.insertBefore(note, target.firstChild);
        note.scrollIntoView({ block: "center" });
      }
    }
  }
  var summary = document.getElementById("error-summary");
  if (summary) {  /* focusable whatever the template wrote: a refused form takes the reader to its errors */
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
  }
}());
