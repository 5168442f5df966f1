/* How a page's script asks the server (fetch) and reads its answer, for every script of the site: the request
   says it takes JSON, so that the server answers a refusal in the project's shape {"error": {"code", "message"}}
   (engine.web.ui.asks_for_json) instead of an error page or a redirect to the login page; the answer is read as
   {ok, status, code, message, body, text} and never rejects. When what came back is not that JSON (a proxy's
   page, a login page reached through a redirect, no answer at all: the network), the message is the page's
   own words for the status, in its language (#fetch-messages, its data-messages attribute: a page holds no
   inline script; engine.web.ui.fetch_messages). */
(function () {
  "use strict";
  var words = null;
  function messages() {
    if (words === null) {
      var block = document.getElementById("fetch-messages");
      try { words = block ? JSON.parse(block.getAttribute("data-messages") || "{}") : {}; } catch (e) { words = {}; }
    }
    return words;
  }
  function wordsFor(status, loginPage) {
    var m = messages();
    if (status === 0) { return m.network || ""; }
    if (status === 401 || loginPage) { return m.session || ""; }
    return m[String(status)] || (status >= 500 ? m["500"] : "") || (m.other || "").replace("{status}", String(status));
  }
  function toLoginPage(response) {
    try { return response.redirected && new URL(response.url).pathname === "/dang-nhap"; } catch (e) { return false; }
  }
  function ask(url, options) {
    options = options || {};
    var headers = options.headers || {};
    if (!headers.Accept) { headers.Accept = "application/json"; }
    options.headers = headers;
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      var loginPage = toLoginPage(response);
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return response.text().then(function (text) {
        var body = null;
        if (json) { try { body = JSON.parse(text); } catch (e) { body = null; } }
        var error = body && body.error && typeof body.error === "object" ? body.error : null;
        var ok = response.ok && !loginPage;
        return { ok: ok, status: loginPage ? 401 : response.status, body: body, text: text,
                 code: error ? error.code || "" : (ok ? "" : (loginPage ? "login_required" : "http_" + response.status)),
                 message: error && error.message ? error.message : (ok ? "" : wordsFor(response.status, loginPage)) };
      });
    }, function () {
      return { ok: false, status: 0, body: null, text: "", code: "network", message: wordsFor(0, false) };
    });
  }
  /* The page was opened in a session that is over: reloading it (and signing in again) is the way on. */
  function sessionOver(answer) {
    return answer.status === 401 || answer.code === "csrf_invalid" || answer.code === "login_required";
  }
  window.tthcAsk = ask;
  window.tthcSessionOver = sessionOver;
}());
