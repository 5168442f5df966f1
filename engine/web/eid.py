"""Signing in with the national electronic identity (VNeID or any OpenID Connect provider) when oidc_issuer,
oidc_client_id and oidc_client_secret are set: the authorization-code flow with PKCE (S256), run by Authlib,
which checks the state (kept in the session cookie), the ID token's signature (the provider's JWKS), its issuer,
audience, expiry and nonce. The verified CCCD claim then names the citizen account (engine.cases.eid).
"""
from __future__ import annotations

import logging

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from joserfc.errors import JoseError
from requests import RequestException

from engine.cases import eid
from engine.core.errors import EngineError
from . import db, now, tthc
from .ui import home_for, install_error_pages, refusal_text, run, sign_in

log = logging.getLogger(__name__)
bp = Blueprint("eid", __name__)
install_error_pages(bp)
NAME = "eid"


def configured(settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret)


def init_app(app: Flask) -> None:
    """Register the provider with Authlib for this app (its metadata is read at the first sign-in)."""
    settings = app.extensions["tthc"]["settings"]
    app.jinja_env.globals["eid_login"] = configured(settings)
    if not configured(settings):
        return
    oauth = OAuth(app)
    oauth.register(NAME, client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
                   server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid profile", "code_challenge_method": "S256", "timeout": 10})
    app.extensions["tthc"]["oidc"] = oauth


def _client():
    oauth = tthc().get("oidc")
    if oauth is None:
        abort(404)
    return oauth.create_client(NAME)


def _refused(message: str, status: int = 401):
    return render_template("auth/login.html", next=None, username="", error=message), status


def _forget_older_starts() -> None:
    """Keep the newest sign-in started in this browser only (the one the person is likely to finish): Authlib
    adds each start's state to the session cookie for an hour, and a browser that pressed the button often
    carried a cookie past the 4 KB browsers keep, losing its session (and its forms' CSRF) until cleared."""
    prefix = f"_state_{NAME}_"
    started = sorted((k for k in session if k.startswith(prefix)),
                     key=lambda k: (session[k] or {}).get("exp", 0) if isinstance(session[k], dict) else 0)
    for key in started[:-1]:
        session.pop(key, None)


@bp.get("/dang-nhap/dinh-danh")
def start():
    client = _client()
    _forget_older_starts()
    try:
        return client.authorize_redirect(url_for("eid.callback", _external=True))
    except (AuthlibBaseError, RequestException, ValueError):
        log.warning("the identity provider cannot be reached", exc_info=True)
        return _refused(_("Chưa kết nối được với hệ thống định danh điện tử; vui lòng thử lại sau."), 503)


@bp.get("/dang-nhap/dinh-danh/ve")
def callback():
    client = _client()
    if request.args.get("error"):
        return _refused(_("Bạn chưa đồng ý đăng nhập bằng định danh điện tử."))
    try:
        token = client.authorize_access_token()
        claims = token.get("userinfo") or {}
        if not token.get("id_token") or not claims:
            raise ValueError("no ID token")
        audience = claims.get("aud")
        if client.client_id not in (audience if isinstance(audience, list) else [audience]):
            # Authlib checks azp but not that aud names this client (OpenID Connect Core 3.1.3.7, step 3)
            raise ValueError("the ID token was issued to another client")
    except (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError) as exc:
        # a bad or replayed state, a wrong nonce, audience or signature: nobody is signed in
        # expected (anyone may call this address): one line, never a traceback per request in the log
        log.warning("refused an identity provider's answer: %s: %s", type(exc).__name__, str(exc)[:200])
        return _refused(_("Không xác thực được danh tính điện tử (phiên đăng nhập không khớp hoặc đã hết hạn). "
                          "Vui lòng thử lại."))
    try:
        user = run(eid.account_for, db(), now(), dict(claims), current_app.extensions["tthc"]["settings"]
                   .oidc_cccd_claim)
    except EngineError as exc:
        return _refused(refusal_text(exc))
    sign_in(user)
    flash(_("Xin chào, %(name)s.", name=user.full_name), "success")
    return redirect(home_for(user))
