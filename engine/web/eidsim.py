"""An electronic-identity provider simulator (OpenID Connect) for the demo and the tests, served on 127.0.0.1:
discovery, an authorization endpoint where the demo person says who they are (or, for tests, a fixed person
approved at once), a token endpoint that checks the client's secret, the code, the redirect URI and the PKCE
verifier (S256), and a JWKS with a freshly generated RSA key that signs the ID tokens (RS256).

``misbehave`` makes it answer wrongly in one way ("state", "nonce", "audience", "audience_with_azp",
"signature") so that tests can see the relying party (engine.web.eid) refuse it. A development tool: never an
identity anyone should trust.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, render_template_string, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Định danh điện tử (mô phỏng)</title></head>
<body><main><h1>Định danh điện tử (mô phỏng VNeID)</h1>
<p>Trang mô phỏng dùng cho bản chạy thử: nhập danh tính sẽ được xác nhận cho dịch vụ công.</p>
<form method="post" action="/authorize">
{% for k, v in args.items() %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
<p><label for="cccd">Số CCCD</label> <input id="cccd" name="cccd" value="{{ person.cccd }}" required></p>
<p><label for="name">Họ và tên</label> <input id="name" name="name" value="{{ person.name }}" required></p>
<button type="submit" id="approve">Đồng ý chia sẻ danh tính</button>
<button type="submit" name="deny" value="1" id="deny">Từ chối</button></form></main></body></html>"""


class Provider:
    """``ask``: show the approval page (the demo); otherwise ``person`` is approved at once (tests)."""

    def __init__(self, client_id: str, client_secret: str, *, ask: bool = False, port: int = 0):
        self.client_id, self.client_secret, self.ask = client_id, client_secret, ask
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})  # same kid, never published
        self.person = {"sub": "vneid-1", "cccd": "046190000777", "name": "Trần Văn Định Danh"}
        self.misbehave: str | None = None
        self.codes: dict[str, dict] = {}
        self.requests: list[dict] = []  # what each authorization request carried
        self.refused: list[str] = []  # why the token endpoint refused
        self.server = make_server("127.0.0.1", port, self._app(), threaded=True)
        self.issuer = self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="eidsim", daemon=True)

    def __enter__(self) -> "Provider":
        self.thread.start()
        return self

    def start(self) -> "Provider":
        return self.__enter__()

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

    def stop(self) -> None:
        self.__exit__()

    def _id_token(self, grant: dict) -> str:
        now = int(time.time())
        person = grant["person"]
        claims = {"iss": self.issuer, "sub": person.get("sub") or f"vneid-{person.get('cccd')}",
                  "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                  **{k: v for k, v in person.items() if k != "sub"}}
        if self.misbehave == "nonce":
            claims["nonce"] = "not-the-nonce"
        if self.misbehave == "audience":
            claims["aud"] = "another-client"
        if self.misbehave == "audience_with_azp":  # Authlib alone accepts this one (it checks azp, not aud)
            claims.update(aud=["another-client"], azp=self.client_id)
        key = self.stranger if self.misbehave == "signature" else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    def _approve(self, args: dict, person: dict):
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": args.get("nonce"), "challenge": args["code_challenge"],
                            "redirect_uri": args["redirect_uri"], "person": person}
        state = "tampered-state" if self.misbehave == "state" else args.get("state")
        return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': state})}")

    def _app(self) -> Flask:
        app = Flask("eidsim")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(issuer=self.issuer, authorization_endpoint=f"{self.issuer}/authorize",
                           token_endpoint=f"{self.issuer}/token", jwks_uri=f"{self.issuer}/jwks",
                           response_types_supported=["code"], subject_types_supported=["public"],
                           id_token_signing_alg_values_supported=["RS256"], code_challenge_methods_supported=["S256"],
                           token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
                           scopes_supported=["openid", "profile"])

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            args = {k: v for k, v in request.values.items() if k not in ("cccd", "name", "deny")}
            if request.method == "GET":
                self.requests.append(args)
            if args.get("client_id") != self.client_id or args.get("response_type") != "code" or \
                    args.get("code_challenge_method") != "S256" or not args.get("code_challenge") or \
                    "openid" not in args.get("scope", "").split() or not args.get("redirect_uri"):
                return "bad authorization request", 400
            if not self.ask:
                return self._approve(args, dict(self.person))
            if request.method == "GET":
                return render_template_string(PAGE, args=args, person=self.person)
            if request.form.get("deny"):
                query = urlencode({"error": "access_denied", "state": args.get("state", "")})
                return redirect(f"{args['redirect_uri']}?{query}")
            return self._approve(args, {"cccd": request.form.get("cccd", "").strip(),
                                        "name": request.form.get("name", "").strip()})

        @app.post("/token")
        def token():
            form = request.form
            client_id, secret = form.get("client_id"), form.get("client_secret")
            if request.authorization is not None:
                client_id, secret = request.authorization.username, request.authorization.password
            grant = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            why = ("client" if (client_id, secret) != (self.client_id, self.client_secret) else
                   "code" if grant is None else
                   "redirect_uri" if form.get("redirect_uri") != grant["redirect_uri"] else
                   "pkce" if challenge != grant["challenge"] else None)
            if why:
                self.refused.append(why)
                return jsonify(error="invalid_grant" if why != "client" else "invalid_client"), 400
            return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer", expires_in=300,
                           id_token=self._id_token(grant))

        return app


def for_demo(settings):
    """`tthc serve --demo` without an e-ID provider configured: this simulator, asking who signs in, and the
    settings that point the engine at it. Returns (the running provider or None, the settings to serve with)."""
    if settings.oidc_issuer:
        return None, settings
    provider = Provider("tthc-demo", secrets.token_urlsafe(24), ask=True).start()
    provider.person = {"cccd": "001099000001", "name": "Nguyễn Văn An"}  # the demo citizen, changeable on the page
    return provider, settings.replace(oidc_issuer=provider.url, oidc_client_id=provider.client_id,
                                      oidc_client_secret=provider.client_secret)
