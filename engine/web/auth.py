"""Signing in and out of the web faces, citizen registration (D3) and the choice of language."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine.cases import accounts, portal_cases
from engine.core.errors import Conflict, EngineError, Invalid
from . import db, now
from .ui import LANGUAGES, home_for, install_error_pages, run, safe_next, sign_in

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
    except EngineError as exc:
        return render_template("auth/login.html", next=target, username=username, error=exc.message), 401
    sign_in(user)
    flash(_("Xin chào, %(name)s.", name=user.full_name), "success")
    return redirect(target or home_for(user))


@bp.post("/dang-xuat")
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("pages.home"))


@bp.route("/dang-ky", methods=["GET", "POST"])
def register():
    if request.method != "POST":  # GET, and HEAD (Flask adds it to every GET route)
        return render_template("auth/register.html", values={}, errors={})
    values = {k: request.form.get(k, "").strip() for k in REGISTER_FIELDS}
    errors: dict[str, str] = {}
    password = request.form.get("password", "")
    if password != request.form.get("password2", ""):
        errors["password2"] = _("Mật khẩu nhập lại không khớp")
    data = {k: v for k, v in values.items() if v or k != "email"}
    data["password"] = password
    try:
        if errors:
            raise Invalid(_("Thông tin đăng ký chưa hợp lệ"), fields=errors)
        user = run(accounts.register_citizen, db(), now(), data)
    except Conflict as exc:
        return render_template("auth/register.html", values=values, errors={"cccd": exc.message},
                               error=exc.message, rule=exc.rule), 409
    except Invalid as exc:
        return render_template("auth/register.html", values=values, errors={**exc.fields, **errors},
                               error=exc.message), 422
    sign_in(user)
    flash(_("Đã tạo và chuẩn hóa tài khoản. Tên đăng nhập của bạn là số CCCD %(cccd)s.", cccd=user.username),
          "success")
    return redirect(url_for("portal.catalogue"))


@bp.post("/ngon-ngu")
def language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("pages.home"))
