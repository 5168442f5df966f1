"""The administrators' pages of citizen accounts (/quan-tri/cong-dan): search by CCCD or phone (indexed, paged),
then suspend, reinstate or cancel with a reason after a confirmation step; audited, the citizen told."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import citizens
from engine.core.errors import Conflict, Forbidden, Invalid
from . import ASCII_NUMBER, db, now, tthc
from .ui import install_error_pages, login_required, refusal_text, run

bp = Blueprint("admin_citizens", __name__)
install_error_pages(bp)


@bp.app_template_global()
def administers_citizens() -> bool:
    """Whether the signed-in user may use these pages (the admin home offers them to the province's only)."""
    try:
        citizens.administer(db(), g.user)
    except Forbidden:
        return False
    return True


@bp.get("/quan-tri/cong-dan")
@login_required("administrator")
def index():
    q = request.args.get("q", "").strip()[:20]
    before = request.args.get("truoc", "")
    before_id = int(before) if ASCII_NUMBER.match(before) else None
    found = citizens.search(db(), g.user, q, before_id)
    more = len(found) > citizens.PAGE
    rows = found[:citizens.PAGE]
    return render_template("admin/citizens/list.html", q=q, rows=rows,
                           next_before=rows[-1].id if more else None)


@bp.get("/quan-tri/cong-dan/<int:user_id>")
@login_required("administrator")
def detail(user_id: int):
    citizens.administer(db(), g.user)  # an agency administrator reads no account (403 before the 404)
    user = citizens.citizen(db(), user_id=user_id)
    return render_template("admin/citizens/detail.html", user=user, errors={})


@bp.post("/quan-tri/cong-dan/<int:user_id>/<what>")
@login_required("administrator")
def change(user_id: int, what: str):
    """First a confirmation page (what will happen, the reason carried), then, confirmed, the change."""
    if what not in citizens.CHANGES:
        abort(404)
    citizens.administer(db(), g.user)
    user = citizens.citizen(db(), user_id=user_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        return render_template("admin/citizens/detail.html", user=user, what=what,
                               errors={f"reason-{what}": _("Cần lý do.")},
                               error=_("Cần lý do (tối đa 255 ký tự).")), 422
    if request.form.get("confirm") != "1":
        return render_template("admin/citizens/confirm.html", user=user, what=what, reason=reason)
    try:
        run(citizens.change, db(), tthc()["settings"], now(), g.user, user, what, reason)
    except (Invalid, Conflict) as exc:
        return render_template("admin/citizens/detail.html", user=user, errors={}, error=refusal_text(exc)), exc.status
    flash({"suspend": _("Đã tạm khóa tài khoản và báo cho công dân."),
           "reinstate": _("Đã mở khóa tài khoản và báo cho công dân."),
           "cancel": _("Đã hủy tài khoản và báo cho công dân; các hồ sơ được giữ nguyên.")}[what], "success")
    return redirect(url_for("admin_citizens.detail", user_id=user.id))
