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
     sent; that page (#draft-kept) keeps it and offers the form again, through the sign-in page when the person
     who typed it is no longer signed in; the form's page then puts it back and says so. Any other page loaded
     after a sending ends the keeping: the form went through, or came back with the person's values and its
     errors. Files and passwords are never kept; a form with a password field (signing in) keeps nothing.
     Whose it is (data-draft-owner: a keyed hash, engine.web.drafts.draft_owner) and half an hour at most: the next
     person at a shared computer or kiosk never sees it, and signing out forgets it. */
  var DRAFT = "tthc-draft";
  var KEPT_FOR = 30 * 60 * 1000;
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }
  var draftOwner = document.body.getAttribute("data-draft-owner") || "";
  var here = window.location.pathname + window.location.search;
  var SKIPPED = { file: 1, password: 1, submit: 1, button: 1, reset: 1, image: 1, hidden: 1 };
  var actionPath = function (form) {
    try { return new URL(form.getAttribute("action") || "", window.location.href).pathname; } catch (e) { return ""; }
  };
  var kept = function (field) {
    return field.name && field.name !== "csrf_token" && !field.disabled && !SKIPPED[field.type];
  };
  var sameAction = function (form) {
    return Array.prototype.filter.call(document.forms, function (f) { return actionPath(f) === actionPath(form); });
  };
  var forget = function () { try { store.removeItem(DRAFT); } catch (e) { /* nothing kept */ } };
  var read = function () {
    var found = null;
    try { found = JSON.parse(store.getItem(DRAFT) || "null"); } catch (e) { found = null; }
    /* a path of this site, as the page that kept it wrote it: anything else is not ours to follow */
    return found && typeof found.page === "string" && /^\/(?![\/\\])/.test(found.page) ? found : null;
  };
  var keep = function (draft) {
    try { store.setItem(DRAFT, JSON.stringify(draft)); return true; } catch (e) { forget(); return false; }
  };
  if (store) {
    /* on the document, as the event bubbles: after the form's own listeners, so a sending one of them cancelled
       (a second click the person did not confirm) is no sending */
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (event.defaultPrevented || !form || form.tagName !== "FORM") { return; }
      if (form.hasAttribute("data-forget-draft")) { forget(); return; }  /* signing out */
      if ((form.getAttribute("method") || "get").toLowerCase() !== "post" || form.querySelector("input[type=password]")) {
        return;  /* a search, signing in, a password: nothing to keep, and a kept form waits through signing in */
      }
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
      if (!typed) {  /* a button with nothing typed (claim, mark read, a language): nothing of its own to keep; an
                        earlier sending not answered is no longer kept, one already kept waits for its form */
        var before = read();
        if (before && before.state !== "kept") { forget(); }
        return;
      }
      /* storage full or refused: the form is sent as before, nothing kept */
      keep({ state: "sent", owner: draftOwner, at: Date.now(), page: here, action: actionPath(form),
             n: sameAction(form).indexOf(form), fields: fields });
    });
    var draft = read();
    if (!draft) { forget(); }
    var fresh = draft && typeof draft.at === "number" && Date.now() - draft.at < KEPT_FOR;
    var keptBox = document.getElementById("draft-kept");
    var mine = draft && !(draftOwner && draftOwner !== draft.owner);  /* nobody else signed in here */
    if (draft && fresh && mine && keptBox && (draft.state === "sent" || draft.state === "kept") &&
        keep(Object.assign(draft, { state: "kept" }))) {
      /* refused for its session: kept (a reload of this page keeps it too), and offered again */
      var again = document.getElementById("draft-again");
      if (again) {
        var viaLogin = draft.owner && !draftOwner;  /* typed by someone signed in, who no longer is */
        again.href = viaLogin ? keptBox.getAttribute("data-login") + "?next=" + encodeURIComponent(draft.page) : draft.page;
        if (viaLogin) { again.textContent = again.getAttribute("data-via-login"); }
      }
      keptBox.hidden = false;
    } else if (draft && (draft.state === "sent" || !fresh || !mine)) {
      forget();  /* sent and answered, too old, or another person signed in here */
    } else if (draft && draft.state === "kept" && draftOwner === draft.owner && draft.page === here) {
      var target = Array.prototype.filter.call(document.forms, function (f) { return actionPath(f) === draft.action; })[draft.n];
      if (target) {
        forget();
        var named = function (name) {
          return Array.prototype.filter.call(target.elements, function (f) { return f.name === name && kept(f); });
        };
        var nth = {};  /* the k-th value of a name typed in several fields goes back to the k-th of them */
        draft.fields.forEach(function (entry) {
          named(entry[0]).forEach(function (field, k) {
            var changed = false;
            if (field.type === "checkbox" || field.type === "radio") {
              if (field.value === entry[1] && field.checked !== entry[2]) { field.checked = entry[2]; changed = true; }
            } else if (field.tagName === "SELECT" && field.multiple) {
              Array.prototype.forEach.call(field.options, function (o) {
                if (o.value === entry[1] && o.selected !== entry[2]) { o.selected = entry[2]; changed = true; }
              });
            } else if (k === (nth[entry[0]] || 0) && field.value !== entry[1]) {
              field.value = entry[1];
              changed = true;
            }
            if (changed) { field.dispatchEvent(new Event("change", { bubbles: true })); }
          });
          if (entry[2] === null) { nth[entry[0]] = (nth[entry[0]] || 0) + 1; }
        });
        var details = target.closest("details");
        if (details) { details.open = true; }
        var note = document.createElement("p");
        note.className = "alert alert-warn draft-restored";
        note.setAttribute("role", "status");
        note.textContent = document.body.getAttribute("data-draft-restored") || "";
        target.insertBefore(note, target.firstChild);
        note.scrollIntoView({ block: "center" });
      }
    }
    var left = read();  /* still kept on this page (the refusal, the sign-in): forgotten when its half hour ends */
    if (left && left.state === "kept" && typeof left.at === "number") {
      window.setTimeout(function () {
        var now = read();
        if (now && now.at === left.at) { forget(); }  /* the same one, not one kept since in this tab */
        if (keptBox) { keptBox.hidden = true; }
      }, Math.max(0, KEPT_FOR - (Date.now() - left.at)));
    }
  }
  var summary = document.getElementById("error-summary");
  if (summary) {  /* focusable whatever the template wrote: a refused form takes the reader to its errors */
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
  }
}());
