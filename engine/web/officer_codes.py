"""The officer's own use of a one-time code: the first password (/kich-hoat, after an administrator created the
account) and a new password (/dat-lai-mat-khau, after an administrator started a reset). The code came by the
officer's own email or SMS; no password ever goes through the administrator."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import staff
from engine.core.errors import Invalid
from . import db, now, tthc
from .ui import install_error_pages, refusal_text, run

bp = Blueprint("officer_codes", __name__)
install_error_pages(bp)
PAGES = {"activation": ("officer_codes.activate", "auth/code_password.html"),
         "reset": ("officer_codes.reset", "auth/code_password.html")}


def _use(purpose: str):
    endpoint, template = PAGES[purpose]
    if request.method != "POST":
        return render_template(template, purpose=purpose, endpoint=endpoint, errors={},
                               username=request.args.get("u", ""))
    username = request.form.get("username", "").strip()
    try:  # a wrong code is kept (it counts against the code) even though the request fails
        run(staff.use_code, db(), tthc()["settings"], now(), purpose, username, request.form.get("code", "").strip(),
            request.form.get("password", ""), request.form.get("password2", ""), keep_on=(Invalid,))
    except Invalid as exc:
        return render_template(template, purpose=purpose, endpoint=endpoint, errors=exc.fields, error=refusal_text(exc),
                               username=username), 422
    flash(_("Đã đặt mật khẩu. Mời đăng nhập bằng mật khẩu mới.") if g.user is None else
          _("Đã đặt mật khẩu cho tài khoản %(username)s.", username=username), "success")
    return redirect(url_for("auth.login"))


@bp.route("/kich-hoat", methods=["GET", "POST"])
def activate():
    return _use("activation")


@bp.route("/dat-lai-mat-khau", methods=["GET", "POST"])
def reset():
    return _use("reset")
