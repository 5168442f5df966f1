"""Pages of citizen accounts: the desk's form for a walk-in citizen, the citizen's activation, password
recovery by one-time code, and the explanation of the D3 lock."""
from __future__ import annotations

import re
import secrets

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import citizens, idempotency
from engine.core.errors import Conflict, Invalid
from . import codes_sent, db, now, tthc
from .ui import error_page, install_error_pages, login_required, refusal_text, run, sign_in, vn_datetime

bp = Blueprint("citizens", __name__)
install_error_pages(bp)

DESK_FIELDS = ("full_name", "cccd", "cccd_issued_on", "phone", "email")
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}\Z")  # secrets.token_urlsafe(24) and the like


@bp.route("/can-bo/cong-dan/tao", methods=["GET", "POST"])
@login_required("receiving_officer", "administrator")
def desk():
    """The walk-in citizen's account (D3). Submit-once: the page's one-time token, with what was typed, is claimed
    like an API Idempotency-Key; the answer is a redirect to the page of what was made, so a reload sends
    nothing again and a second post of the same page leads to the same account. The same citizen sent again
    with another page is refused (account_exists) by the desk itself."""
    if request.method != "POST":
        return _desk_page({}, {}, None, 200)
    values = {k: request.form.get(k, "").strip() for k in DESK_FIELDS}
    data = {k: v for k, v in values.items() if v or k != "email"}
    token = request.form.get("submit_token", "")
    if not TOKEN_RE.match(token):  # a page of before the token, or an edited one: this post's own
        token = secrets.token_urlsafe(24)
    # another citizen typed on the same page (the browser's back after a success) is another request
    answer = f"{token}.{idempotency.fingerprint(values)[:16]}"

    def make() -> None:
        claimed = idempotency.claim(db(), g.user, f"form:{answer}", idempotency.fingerprint(request.path), now())
        if claimed.replay is None:
            made = citizens.create_at_desk(db(), tthc()["settings"], now(), g.user, data)
            idempotency.remember(db(), claimed, 303, {"user": made.user.id, "locked": made.locked,
                                                      "took_over": made.took_over, "unseated": made.unseated})

    try:
        run(make)
    except Invalid as exc:
        return _desk_page(values, exc.fields, refusal_text(exc), 422, token)
    except Conflict as exc:
        return _desk_page(values, {"cccd": exc.message}, refusal_text(exc), 409, token)
    return redirect(url_for("citizens.desk_done", ma=answer), 303)


@bp.get("/can-bo/cong-dan/tao/ket-qua")
@login_required("receiving_officer", "administrator")
def desk_done():
    """What this officer's desk form made (a reload of it makes nothing); ``ma``: the form's answer key."""
    made = citizens.desk_answer(db(), g.user, request.args.get("ma", "")[:200], now())
    if made is None:
        return error_page(404)
    settings = tthc()["settings"]
    return render_template("citizens/desk_done.html", user=made.user, locked=made.locked,
                           took_over=made.took_over, unseated=made.unseated,
                           sent=codes_sent.sent(settings, made.user), missing=codes_sent.missing(settings, made.user))


def _desk_page(values: dict, errors: dict, error, status: int, token: str | None = None):
    """The desk's form, with its one-time token (a new one for a new page, kept when the form comes back)."""
    return render_template("citizens/desk.html", values=values, errors=errors, error=error,
                           submit_token=token or secrets.token_urlsafe(24)), status


@bp.route("/kich-hoat-cong-dan", methods=["GET", "POST"])
def activate():
    """The citizen's first password, with the code the desk sent to their phone or email."""
    values = {"username": request.values.get("username", "").strip()[:64]}
    if request.method != "POST":
        return render_template("citizens/activate.html", values=values, errors={})
    try:  # a wrong code is kept: it counts against the code
        user = run(citizens.activate, db(), tthc()["settings"], now(), values["username"],
                   request.form.get("code", ""), request.form.get("password", ""),
                   request.form.get("password2", ""), keep_on=(Invalid,))
    except Invalid as exc:
        return render_template("citizens/activate.html", values=values, errors=exc.fields, error=refusal_text(exc)), 422
    if user.locked_reason:
        return render_template("citizens/locked.html", user=user), 403
    sign_in(user)
    flash(_("Đã kích hoạt tài khoản. Tên đăng nhập của bạn là %(name)s.", name=user.username), "success")
    return redirect(url_for("portal.catalogue"))


@bp.route("/quen-mat-khau", methods=["GET", "POST"])
def forgot():
    """Ask for a recovery code by CCCD or phone; the answer is the same whether an account exists or not."""
    if request.method != "POST":
        return render_template("citizens/forgot.html", values={}, errors={})
    identifier = request.form.get("identifier", "").strip()[:20]
    if not identifier:
        return render_template("citizens/forgot.html", values={}, errors={"identifier": _("Bắt buộc")},
                               error=_("Nhập số CCCD hoặc số điện thoại của tài khoản.")), 422
    try:
        run(citizens.request_recovery, db(), tthc()["settings"], now(), identifier, request.remote_addr)
    except citizens.TooManyRecoveries as exc:
        page, status = error_page(429, _("Đã có quá nhiều yêu cầu khôi phục từ địa chỉ này. Vui lòng thử lại sau "
                                         "%(at)s.", at=vn_datetime(exc.until)))
        retry = max(1, int((exc.until - now()).total_seconds()) + 1)
        return page, status, {"Retry-After": str(retry)}
    flash(_("Nếu số này thuộc một tài khoản công dân, mã khôi phục đã được gửi qua tin nhắn hoặc thư điện tử của "
            "tài khoản. Mã có hiệu lực 15 phút."), "info")
    return redirect(url_for("citizens.reset", identifier=identifier))


@bp.route("/quen-mat-khau/dat-lai", methods=["GET", "POST"])
def reset():
    values = {"identifier": request.values.get("identifier", "").strip()[:20]}
    if request.method != "POST":
        return render_template("citizens/reset.html", values=values, errors={})
    try:  # a wrong code is kept: it counts against the code
        run(citizens.reset_password, db(), tthc()["settings"], now(), values["identifier"],
            request.form.get("code", ""), request.form.get("password", ""), request.form.get("password2", ""),
            keep_on=(Invalid,))
    except Invalid as exc:
        return render_template("citizens/reset.html", values=values, errors=exc.fields, error=refusal_text(exc)), 422
    flash(_("Đã đặt lại mật khẩu. Mọi phiên đăng nhập và token API của tài khoản đã kết thúc; hãy đăng nhập bằng "
            "mật khẩu mới."), "success")
    return redirect(url_for("auth.login"))


def locked_page(username: str):
    """The D3 lock explained to the citizen who just gave the right password of a locked account."""
    return render_template("citizens/locked.html", user=None, username=username), 403

