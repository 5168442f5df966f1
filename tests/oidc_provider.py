"""A small, honest OpenID Connect provider for tests, served on 127.0.0.1: discovery, an authorization endpoint
that approves at once (the person is whoever the test says), a token endpoint that checks the client's secret,
the code, the redirect URI and the PKCE verifier (S256), and a JWKS with a freshly generated RSA key that signs
the ID tokens (RS256). ``misbehave`` makes it answer wrongly in one way (a bad nonce, another audience, a token
signed by a key it never published) so that tests can see the relying party refuse it.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID, CLIENT_SECRET = "tthc-test-client", "tthc-test-secret"


class Provider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})  # same kid, never published
        self.person = {"sub": "vneid-1", "cccd": "046190000777", "name": "Trần Văn Định Danh"}
        self.misbehave: str | None = None
        self.codes: dict[str, dict] = {}
        self.requests: list[dict] = []  # what each authorization request carried
        self.refused: list[str] = []  # why the token endpoint refused
        self.app = self._app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Provider":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

    def _id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": self.person["sub"], "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **{k: v for k, v in self.person.items() if k != "sub"}}
        if self.misbehave == "nonce":
            claims["nonce"] = "not-the-nonce"
        if self.misbehave == "audience":
            claims["aud"] = "another-client"
        if self.misbehave == "audience_with_azp":  # Authlib alone accepts this one (it checks azp, not aud)
            claims.update(aud=["another-client"], azp=CLIENT_ID)
        key = self.stranger if self.misbehave == "signature" else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    def _app(self) -> Flask:
        app = Flask("oidc_provider")

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

        @app.get("/authorize")
        def authorize():
            args = request.args.to_dict()
            self.requests.append(args)
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code" or \
                    args.get("code_challenge_method") != "S256" or not args.get("code_challenge") or \
                    "openid" not in args.get("scope", "").split():
                return "bad authorization request", 400
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": args.get("nonce"), "challenge": args["code_challenge"],
                                "redirect_uri": args["redirect_uri"]}
            state = "tampered-state" if self.misbehave == "state" else args.get("state")
            return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': state})}")

        @app.post("/token")
        def token():
            form = request.form
            client_id, secret = form.get("client_id"), form.get("client_secret")
            if request.authorization is not None:
                client_id, secret = request.authorization.username, request.authorization.password
            grant = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            why = ("client" if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET) else
                   "code" if grant is None else
                   "redirect_uri" if form.get("redirect_uri") != grant["redirect_uri"] else
                   "pkce" if challenge != grant["challenge"] else None)
            if why:
                self.refused.append(why)
                return jsonify(error="invalid_grant" if why != "client" else "invalid_client"), 400
            return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer", expires_in=300,
                           id_token=self._id_token(grant))

        return app
