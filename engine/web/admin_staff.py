"""The administrators' pages: the admin home (/quan-tri, a card per administration page with cheap counts),
the agencies' tree (/quan-tri/co-quan) and the officers (/quan-tri/can-bo), over the same use cases as the API
(engine.cases.agency_admin, engine.cases.staff, engine.cases.staff_import). Destructive actions (closing an
agency, suspending an officer) ask for confirmation first; outside one's subtree is a 403 or 404 page."""
from __future__ import annotations

import re

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.cases import administration, agency_admin, staff, staff_import
from engine.core.errors import Conflict, Invalid
from engine.data import agencies as agency_rows
from engine.data.agency_model import AGENCY_LEVELS as LEVELS
from . import codes_sent, db, now, tthc
from .admin_offers import DAY_WORDS
from .admin_staff_api import OfficerName, check_tree, own_root_fields
from .ui import LEVEL_TEXT, install_error_pages, login_required, refusal_text, run

bp = Blueprint("admin_staff", __name__)
install_error_pages(bp)
bp.record_once(lambda state: state.app.url_map.converters.setdefault("officer", OfficerName))
ADMIN = "administrator"
AGENCY_FORM = ("id", "name", "level", "parent", "address", "seal_name", "symbol", "office_hours")
OFFICER_FORM = ("username", "full_name", "agency", "email", "phone")
# a day as the offers' page writes it (T2 to T7, CN: its DAY_WORDS) or as the API and older pages did (mon to sun)
DAY_NAMES = {day: word.upper() for word, day in DAY_WORDS.items() if len(word) == 2}
HOURS_LINE = re.compile(r"\s*(t[2-7]|cn|mon|tue|wed|thu|fri|sat|sun)\s*[:=]?\s*(.*)\Z", re.IGNORECASE)
OWN_ROOT = _l("Cơ quan gốc của phạm vi quản trị của bạn: cấp và trạng thái hoạt động do quản trị viên cấp trên quyết "
              "định.")


def _scope_name():
    root = administration.scope(db(), g.user)
    return root.name if root is not None else None


# -- home ----------------------------------------------------------------------------------------------------
@bp.get("/quan-tri")
@login_required(ADMIN)
def home():
    """Every administration page, with counts that are one indexed count each (no history is read)."""
    counts = {"agencies": agency_admin.count(db(), g.user), "officers": staff.count(db(), g.user)}
    return render_template("admin/home.html", counts=counts, scope_name=_scope_name())


# -- agencies ------------------------------------------------------------------------------------------------
def _hours_text(hours: dict | None) -> str:
    return "\n".join(f"{DAY_NAMES.get(day, day)} {' '.join(spans)}" for day, spans in (hours or {}).items())


def _hours_from(text: str):
    """The form's office hours, one day a line ("T2 07:30-11:30 13:30-17:00", or "mon ..."); None when empty. A
    line that is not a day and spans is kept as it is, so that the use case names the field."""
    result: dict = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        found = HOURS_LINE.match(line)
        day = DAY_WORDS[found.group(1).lower()] if found else None
        if not found or day in result:  # a day twice: the later line dropped the earlier's hours
            return {"?": line}
        result[day] = [s for s in re.split(r"[\s,;]+", found.group(2)) if s]
    return result or None


HOURS_TYPED = _l("Giờ làm việc: mỗi dòng một ngày (T2 đến T7, CN, hay mon–sun) với tối đa 4 khoảng giờ dạng "
                 "07:30-11:30, theo thứ tự trong ngày, không chồng lên nhau")


def _form_errors(fields: dict | None) -> dict | None:
    """The use case's field errors as the form says them: the office hours are typed a line a day here, not as
    the API's object of mon..sun."""
    if fields and fields.get("office_hours") == agency_admin.HOURS_FORMAT:
        return {**fields, "office_hours": str(HOURS_TYPED)}
    return fields


def _agency_data(form, fields) -> dict:
    data = {}
    for key in fields:
        value = form.get(key, "")
        if key == "office_hours":
            data[key] = _hours_from(value)
        elif key == "symbol":  # "stc " is STC; a form without the field (an older page) leaves it as it is
            if key in form:
                data[key] = value.strip().upper() or None
        else:
            data[key] = value.strip() or None if key in ("parent", "address", "seal_name") else value
    return data


def _agencies_page(status: int = 200, errors=None, values=None, error=None):
    after = request.args.get("sau") or None
    rows, cursor = agency_admin.page(db(), g.user, after)
    return render_template("admin/staff/agencies.html", rows=rows, cursor=cursor, first=after is None,
                           choices=agency_admin.choices(db(), g.user), levels=LEVELS, LEVEL_TEXT=LEVEL_TEXT,
                           errors=errors or {}, values=values or {}, error=error, scope_name=_scope_name()), status


@bp.get("/quan-tri/co-quan")
@login_required(ADMIN)
def agencies():
    return _agencies_page()


@bp.post("/quan-tri/co-quan")
@login_required(ADMIN)
def create_agency():
    values = {k: request.form.get(k, "") for k in AGENCY_FORM}
    data = _agency_data(request.form, AGENCY_FORM)
    try:
        check_tree(db(), g.user, data)
        agency = run(agency_admin.create, db(), now(), g.user, data)
    except (Invalid, Conflict) as exc:  # Conflict: the id is taken, said next to it; what was typed stays
        return _agencies_page(exc.status, _form_errors(exc.fields), values, refusal_text(exc))
    flash(_("Đã tạo cơ quan %(name)s.", name=agency.name), "success")
    return redirect(url_for("admin_staff.agencies"))


@bp.route("/quan-tri/co-quan/<agency>", methods=["GET", "POST"])
@login_required(ADMIN)
def agency(agency: str):
    found = agency_admin.visible(db(), g.user, agency)
    shown = agency_admin.describe_one(db(), found)
    root = administration.scope(db(), g.user)
    # the root of the caller's scope stays where it is, and its level and whether it is open are the business of
    # the administrator above (D29): the page shows them without a control, and a level posted anyway is refused
    scope_root = root is not None and root.id == found.id
    errors, error, status = {}, None, 200
    if request.method == "POST":
        fields = ("name", "address", "seal_name", "symbol", "office_hours") if scope_root else (
            "name", "level", "parent", "address", "seal_name", "symbol", "office_hours")
        data = _agency_data(request.form, fields)
        refused = {}
        if scope_root:  # "active" is not on the form; a level is only there if someone posts it anyway
            posted = {"level": request.form["level"]} if "level" in request.form else {}
            refused = dict.fromkeys(own_root_fields(found, posted), str(OWN_ROOT))
        else:
            data["active"] = request.form.get("active") == "1"
        if shown["active"] and not data.get("active", True) and request.form.get("confirm") != "1":
            return render_template("admin/staff/confirm.html", action=url_for("admin_staff.agency", agency=agency),
                                   title=_("Ngừng hoạt động cơ quan"), form=request.form,
                                   question=_("Ngừng hoạt động %(name)s? Cơ quan sẽ không nhận cán bộ mới.",
                                              name=shown["name"]))
        try:
            if refused:
                raise Invalid(_("Thông tin cơ quan chưa hợp lệ"), fields=refused)
            check_tree(db(), g.user, data, found)
            run(agency_admin.update, db(), now(), g.user, agency, data)
        except (Invalid, Conflict) as exc:  # Conflict: it processes offers' dossiers, named on the form
            errors, error, status = _form_errors(exc.fields), refusal_text(exc), exc.status
            shown = {**shown, **{k: request.form.get(k, "") for k in fields if k != "office_hours"}}
        else:
            flash(_("Đã lưu cơ quan."), "success")
            return redirect(url_for("admin_staff.agency", agency=agency))
    return render_template("admin/staff/agency.html", agency=shown, hours=request.form.get(
        "office_hours", _hours_text(shown.get("office_hours"))) if status != 200 else _hours_text(shown["office_hours"]),
        choices=agency_admin.choices(db(), g.user), levels=LEVELS, LEVEL_TEXT=LEVEL_TEXT, errors=errors,
        error=error, scope_name=root.name if root is not None else None, scope_root=scope_root,
        parent_name=_agency_name(shown.get("parent"))), status


def _agency_name(code: str | None) -> str | None:
    """The name of the agency ``code`` (a parent outside the caller's scope is shown by name, not code alone)."""
    found = agency_rows.by_code(db(), code) if code else None
    return found.name if found is not None else None


# -- officers ------------------------------------------------------------------------------------------------
def _officers_page(status: int = 200, errors=None, values=None, error=None):
    where = request.args.get("co-quan") or None
    after = request.args.get("sau") or None
    rows, cursor = staff.page(db(), g.user, where, after)
    return render_template("admin/staff/officers.html", rows=rows, cursor=cursor, first=after is None,
                           where=where, choices=agency_admin.choices(db(), g.user), roles=sorted(staff.GIVEN_ROLES),
                           errors=errors or {}, values=values or {}, error=error, scope_name=_scope_name()), status


@bp.get("/quan-tri/can-bo")
@login_required(ADMIN)
def officers():
    return _officers_page()


NO_CHANNEL = _l("Cần thư điện tử hoặc số điện thoại để gửi mã kích hoạt")


def _officer_data(form) -> dict:
    data = {k: form.get(k, "").strip() for k in OFFICER_FORM}
    for key in ("email", "phone"):
        data[key] = data[key] or None
    data["roles"] = form.getlist("roles")
    return data


@bp.post("/quan-tri/can-bo")
@login_required(ADMIN)
def create_officer():
    data = _officer_data(request.form)
    if not data["email"] and not data["phone"]:  # the activation code goes there: without either, never activated
        return _officers_page(422, {"email": NO_CHANNEL}, data, _("Thông tin cán bộ chưa hợp lệ"))
    try:
        user, _code = run(staff.create, db(), tthc()["settings"], now(), g.user, data)
    except (Invalid, Conflict) as exc:  # Conflict: the username is taken, said next to it; what was typed stays
        return _officers_page(exc.status, exc.fields, {**data, "roles": data["roles"]}, refusal_text(exc))
    went = codes_sent.sent(tthc()["settings"], user)
    if went:
        flash(_("Đã tạo tài khoản %(username)s. Mã kích hoạt đã được gửi qua %(channels)s của cán bộ; cán bộ đặt "
                "mật khẩu tại trang Kích hoạt tài khoản.", username=user.username, channels=went), "success")
    else:
        flash(_("Đã tạo tài khoản %(username)s nhưng chưa gửi được mã kích hoạt: chưa cấu hình %(missing)s. Sau "
                "khi cấu hình, bấm Gửi mã đặt lại mật khẩu để gửi mã cho cán bộ.", username=user.username,
                missing=codes_sent.missing(tthc()["settings"], user)), "warn")
    return redirect(url_for("admin_staff.officer", username=user.username))


@bp.route("/quan-tri/can-bo/<officer:username>", methods=["GET", "POST"])
@login_required(ADMIN)
def officer(username: str):
    shown = staff.describe_one(db(), staff.visible(db(), g.user, username))
    errors, error, status, values = {}, None, 200, shown
    if request.method == "POST":
        data = _officer_data(request.form)
        data.pop("username")
        try:
            run(staff.update, db(), now(), g.user, username, data, settings=tthc()["settings"])
        except (Invalid, Conflict) as exc:
            # the form shows what was typed, to be corrected; the heading still says who is stored
            error = refusal_text(exc)
            errors = _own_account_fields(shown, data, error) if exc.code == "cannot_change_yourself" else exc.fields
            status, values = exc.status, {**shown, **data}
        else:
            flash(_("Đã lưu thông tin cán bộ."), "success")
            return redirect(url_for("admin_staff.officer", username=username))
    return render_template("admin/staff/officer.html", officer=shown, values=values,
                           choices=agency_admin.choices(db(), g.user), roles=sorted(staff.GIVEN_ROLES),
                           errors=errors, error=error), status


def _own_account_fields(shown: dict, data: dict, message) -> dict:
    """Where an administrator's change of their own account is refused (cannot_change_yourself): next to the
    agency when that is what changed, else next to the roles (the refusal names no field)."""
    if data.get("agency") and data["agency"] != shown.get("agency") and \
            sorted(data.get("roles") or ()) == sorted(shown.get("roles") or ()):
        return {"agency": message}
    return {"roles": message}


@bp.route("/quan-tri/can-bo/<officer:username>/tam-khoa", methods=["GET", "POST"])
@login_required(ADMIN)
def suspend(username: str):
    """A confirmation page (GET), then the suspension (POST with confirm=1): sessions and tokens end now."""
    shown = staff.describe_one(db(), staff.visible(db(), g.user, username))
    if request.method == "POST" and request.form.get("confirm") == "1":
        reason = request.form.get("reason", "").strip() or None
        try:
            run(staff.update, db(), now(), g.user, username, {"active": False, "reason": reason})
        except Invalid as exc:
            return render_template("admin/staff/suspend.html", officer=shown, error=refusal_text(exc),
                                   errors=exc.fields), 422
        flash(_("Đã tạm khóa tài khoản %(username)s; mọi phiên đăng nhập và token API của tài khoản đã bị hủy.",
                username=username), "success")
        return redirect(url_for("admin_staff.officer", username=username))
    return render_template("admin/staff/suspend.html", officer=shown, errors={})


@bp.post("/quan-tri/can-bo/<officer:username>/mo-khoa")
@login_required(ADMIN)
def reinstate(username: str):
    run(staff.update, db(), now(), g.user, username, {"active": True})
    flash(_("Đã mở khóa tài khoản %(username)s.", username=username), "success")
    return redirect(url_for("admin_staff.officer", username=username))


@bp.post("/quan-tri/can-bo/<officer:username>/dat-lai-mat-khau")
@login_required(ADMIN)
def reset(username: str):
    officer = staff.visible(db(), g.user, username)
    if not officer.email and not officer.phone:
        flash(_("Cán bộ chưa có thư điện tử hoặc số điện thoại: thêm một trong hai rồi gửi mã."), "error")
        return redirect(url_for("admin_staff.officer", username=username))
    run(staff.start_reset, db(), tthc()["settings"], now(), g.user, username)
    went = codes_sent.sent(tthc()["settings"], officer)
    if went:
        flash(_("Đã gửi mã đặt lại mật khẩu qua %(channels)s của cán bộ (hiệu lực 15 phút); cán bộ dùng mã tại "
                "trang Đặt lại mật khẩu.", channels=went), "success")
    else:  # the code waits with no channel to carry it: said, with what is missing, never as sent
        flash(_("Chưa gửi được mã đặt lại mật khẩu: chưa cấu hình %(missing)s. Quản trị hệ thống cấu hình rồi "
                "gửi lại mã.", missing=codes_sent.missing(tthc()["settings"], officer)), "warn")
    return redirect(url_for("admin_staff.officer", username=username))


@bp.route("/quan-tri/can-bo/nhap", methods=["GET", "POST"])
@login_required(ADMIN)
def import_officers():
    """Upload a CSV or XLSX file; the answer is the report of every row (created, or skipped and why)."""
    if request.method != "POST":
        administration.scope(db(), g.user)
        return render_template("admin/staff/import.html", reports=None, errors={})
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Invalid(_("Chọn tệp CSV hoặc XLSX."), fields={"file": _("Bắt buộc")})
        rows = staff_import.read_rows(upload.read(), upload.filename)
        reports = run(staff_import.run, db(), tthc()["settings"], now(), g.user, rows)
    except Invalid as exc:
        return render_template("admin/staff/import.html", reports=None, errors=exc.fields, error=refusal_text(exc)), 422
    return render_template("admin/staff/import.html", reports=reports, errors={},
                           created=sum(r.status == "created" for r in reports))
