"""Signing in and out of the web faces, citizen registration (D3) and the choice of language."""
from __future__ import annotations

import math
from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from engine.cases import accounts, notices, portal_cases
from engine.core.errors import Conflict, EngineError, Invalid
from engine.core.vocabulary import typed_cccd
from . import citizen_pages, db, now
from .ui import (LANGUAGES, home_for, install_error_pages, login_required, refusal_text, run, safe_next, sign_in,
                 sign_out, vn_datetime)

bp = Blueprint("auth", __name__)
install_error_pages(bp)

REGISTER_FIELDS = ("full_name", "cccd", "cccd_issued_on", "phone", "email")


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"))
    if request.method != "POST":  # GET, and HEAD (Flask adds it to every GET route)
        if g.user is not None:
            return redirect(target or home_for(g.user))
        return render_template("auth/login.html", next=target, username="")
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    if not username.strip() or not password:
        return render_template("auth/login.html", next=target, username=username,
                               error=_("Nhập tên đăng nhập (số CCCD với công dân) và mật khẩu.")), 422
    try:  # a failed attempt is kept: it counts towards the lockout
        user = run(portal_cases.login, db(), username, password, now(), request.remote_addr, keep_on=(EngineError,))
    except portal_cases.TooManyLogins as exc:  # this address failed too often: not recorded, nothing checked
        retry = max(1, math.ceil((exc.until - now()).total_seconds()))
        return render_template("auth/login.html", next=target, username=username, error=refusal_text(exc)), 429, \
            {"Retry-After": str(retry)}
    except EngineError as exc:
        if exc.code == "cccd_standardised_elsewhere":  # D3: the right password, another account standardised
            return citizen_pages.locked_page(username)
        return render_template("auth/login.html", next=target, username=username, error=refusal_text(exc)), 401
    sign_in(user)
    flash(_("Xin chào, %(name)s.", name=user.full_name), "success")
    return redirect(target or home_for(user))


@bp.post("/dang-xuat")
def logout():
    sign_out()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("pages.home"))


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required()
def change_password():
    """The user's own password. Every other session and API token of the account ends; this browser gets a fresh
    session, so a copy of its old cookie stops working too."""
    if request.method != "POST":
        return render_template("auth/password.html", errors={})
    try:
        run(accounts.change_password, db(), g.user, request.form.get("current_password", ""),
            request.form.get("new_password", ""), request.form.get("new_password2", ""))
    except Invalid as exc:
        return render_template("auth/password.html", errors=exc.fields, error=refusal_text(exc)), 422
    sign_in(g.user)
    flash(_("Đã đổi mật khẩu. Mọi phiên đăng nhập khác và token API của tài khoản đã bị hủy."), "success")
    return redirect(home_for(g.user))


@bp.route("/dang-ky", methods=["GET", "POST"])
def register():
    if request.method != "POST":  # GET, and HEAD (Flask adds it to every GET route)
        return render_template("auth/register.html", values={}, errors={})
    values = {k: request.form.get(k, "").strip() for k in REGISTER_FIELDS}
    try:  # counted first, in its own transaction: a refused registration counts too
        run(portal_cases.count_registration, db(), request.remote_addr, now())
    except portal_cases.TooManyLookups as exc:
        said = _("Mỗi địa chỉ chỉ được đăng ký tối đa %(limit)s tài khoản trong %(minutes)s phút và bạn đã dùng "
                 "hết. Vui lòng thử lại sau %(at)s, hoặc đăng ký tại Bộ phận Một cửa.",
                 limit=portal_cases.REGISTER_LIMIT, minutes=portal_cases.REGISTER_WINDOW.seconds // 60,
                 at=vn_datetime(exc.until))
        return (render_template("auth/register.html", values=values, errors={}, error=said), 429,
                {"Retry-After": str(max(1, int((exc.until - now()).total_seconds()) + 1))})
    errors: dict[str, str] = {}
    password = request.form.get("password", "")
    if password != request.form.get("password2", ""):
        errors["password2"] = _("Mật khẩu nhập lại không khớp")
    data = {k: v for k, v in values.items() if v or k != "email"}
    data["cccd"] = typed_cccd(values.get("cccd")) or values.get("cccd", "")  # as the login takes it: 001 099 000 001
    data["password"] = password
    try:
        if errors:  # the other fields' faults said too, on this same post
            raise Invalid(_("Thông tin đăng ký chưa hợp lệ"), fields={**accounts.registration_errors(data, now()),
                                                                       **errors})
        user = run(accounts.register_citizen, db(), now(), data)
    except Conflict as exc:
        said = refusal_text(exc)  # the field says it too, in the page's language
        if exc.code == "cccd_taken" and accounts.OWNER_WAYS not in said:  # translated: the real holder's ways too
            said = f"{said}. " + _("Nếu đây là số CCCD của bạn, hãy đăng nhập bằng VNeID hoặc mang thẻ CCCD đến Bộ "
                                   "phận Một cửa để được xác minh tài khoản.")
        return render_template("auth/register.html", values=values, errors={"cccd": said}, error=said,
                               rule=exc.rule), 409
    except Invalid as exc:
        return render_template("auth/register.html", values=values, errors={**exc.fields, **errors},
                               error=refusal_text(exc)), 422
    sign_in(user)
    flash(_("Đã tạo và chuẩn hóa tài khoản. Tên đăng nhập của bạn là số CCCD %(cccd)s.", cccd=user.username) + " "
          + _("Hồ sơ người khác nộp thay cho bạn hiện ra khi bạn đăng nhập bằng VNeID hoặc được xác minh tại Bộ phận "
              "Một cửa."), "success")
    return redirect(url_for("portal.catalogue"))


@bp.post("/ngon-ngu")
def language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        if g.user is not None:  # a signed-in person's notices come in the language they chose too
            run(notices.choose, db(), g.user, language=lang)
        else:  # chosen before signing in: the account takes it then (ui.sign_in)
            session["lang_chosen"] = True
    target = safe_next(request.form.get("next"))
    return redirect(target if target and _answers_get(target) else url_for("pages.home"))


def _answers_get(target: str) -> bool:
    """The switch leads back with a GET: never to an address that only takes a form (a 405 page)."""
    try:
        current_app.url_map.bind("").match(unquote(urlsplit(target).path), method="GET")
    except RequestRedirect:  # "/x" of a rule "/x/": the browser follows it
        return True
    except (MethodNotAllowed, NotFound):
        return False
    return True


@bp.app_template_global()
def switch_next() -> str:
    """Where the language switch of this page leads back: the page itself when it was asked for with a GET; a page
    that answered a form (refused, shown again at the form's POST address) leads back to the page the form was
    on, when the browser said it (a same-site Referer), else to the home page."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    came = urlsplit(request.referrer or "")
    if came.netloc == request.host and safe_next(came.path) and _answers_get(came.path):
        return came.path + (f"?{came.query}" if came.query else "")
    return url_for("pages.home")
