"""The administrators' pages of operations: incidents (`/quan-tri/su-co`: retry, skip with a reason), a
dossier under an administrator's hand (`/quan-tri/ho-so/<code>`: suspend, resume, terminate, each with a reason
and a confirmation step) and the audit (`/quan-tri/nhat-ky`: the administrators' trail of the caller's subtree,
paged and filtered, and the verification of one dossier's chain). The use cases are engine.cases.incidents,
engine.cases.operations and engine.timers.retry, as the API's (engine/web/ops_api.py)."""
from __future__ import annotations

import re

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engine import timers
from engine.cases import administration, incidents, operations
from engine.core.errors import Invalid, NotFound
from engine.data.agency_model import AdminEvent, Agency
from engine.data.operations_model import INCIDENT_STATES
from engine.law.statuses import TERMINAL, can_end
from . import ASCII_NUMBER, db, now, run, tthc
from .ui import ROLE_TEXT, context, install_error_pages, login_required

bp = Blueprint("admin_ops", __name__, url_prefix="/quan-tri")
install_error_pages(bp)

STATE_TEXT = {"open": _l("Chưa xử lý"), "retried": _l("Đã chạy lại"), "skipped": _l("Đã bỏ qua"),
              "resolved": _l("Đã tự khắc phục")}
# the URL word of each operation, its button and what the confirmation says
OPERATIONS = {
    "tam-dung": ("suspend", _l("Tạm dừng hồ sơ"),
                 _l("Tạm dừng hồ sơ %(code)s? Không công việc nào được hoàn thành và không nhắc hạn nào chạy cho "
                    "đến khi hồ sơ được tiếp tục. Công dân được thông báo.")),
    "tiep-tuc": ("resume", _l("Tiếp tục hồ sơ"),
                 _l("Tiếp tục xử lý hồ sơ %(code)s? Các nhắc hạn được lập lại. Công dân được thông báo.")),
    "cham-dut": ("terminate", _l("Chấm dứt hồ sơ"),
                 _l("Chấm dứt hồ sơ %(code)s? Hồ sơ kết thúc ở trạng thái Dừng xử lý và không thể mở lại; phí đã "
                    "nộp được hoàn. Công dân được thông báo.")),
}
DONE_TEXT = {"suspend": _l("Đã tạm dừng hồ sơ %(code)s."), "resume": _l("Đã tiếp tục hồ sơ %(code)s."),
             "terminate": _l("Đã chấm dứt hồ sơ %(code)s.")}
PAGE = 50
# The administrators' trail in words (AdminEvent.action, .target_kind and the keys of .details are codes, kept as
# they are for filtering and for the API); an action not listed here is shown as its code.
ADMIN_ACTION_TEXT = {
    "agency.create": _l("Tạo cơ quan"), "agency.update": _l("Sửa cơ quan"),
    "calendar_day": _l("Đặt ngày làm việc/nghỉ"), "calendar_notice": _l("Áp dụng thông báo lịch nghỉ"),
    "citizen.desk_create": _l("Tạo tài khoản công dân tại quầy"), "citizen.suspend": _l("Tạm khóa tài khoản công dân"),
    "citizen.reinstate": _l("Mở khóa tài khoản công dân"), "citizen.cancel": _l("Hủy tài khoản công dân"),
    "citizen.code_activation": _l("Cấp mã kích hoạt cho công dân"),
    "citizen.unseat": _l("Khóa tài khoản tự đăng ký chưa xác minh, trả lại số CCCD cho chủ thẻ"),
    "citizen.code_recovery": _l("Cấp mã khôi phục mật khẩu cho công dân"),
    "dossier.suspend": _l("Tạm dừng hồ sơ"), "dossier.resume": _l("Tiếp tục hồ sơ"),
    "dossier.terminate": _l("Chấm dứt hồ sơ"), "dossier_migrate": _l("Chuyển hồ sơ sang phiên bản mới"),
    "incident.retry": _l("Chạy lại sự cố"), "incident.skip": _l("Bỏ qua sự cố"),
    "notice.resend": _l("Gửi lại thông báo không gửi được"), "offers": _l("Đổi cơ quan cung cấp thủ tục"),
    "payment_gateway": _l("Đặt cổng thanh toán của cơ quan"),
    "officer.create": _l("Tạo tài khoản cán bộ"), "officer.import": _l("Nhập danh sách cán bộ"),
    "officer.update": _l("Sửa tài khoản cán bộ"), "officer.suspend": _l("Tạm khóa tài khoản cán bộ"),
    "officer.reinstate": _l("Mở khóa tài khoản cán bộ"), "officer.password_reset": _l("Cấp lại mật khẩu cán bộ"),
    "officer.activate": _l("Cán bộ kích hoạt tài khoản"), "officer.reset_done": _l("Cán bộ đặt lại mật khẩu"),
    "officer.signing_method": _l("Đổi phương thức ký số của cán bộ"),
    "version_deploy": _l("Triển khai phiên bản thủ tục"), "version_suspend": _l("Tạm ngừng phiên bản thủ tục"),
    "version_resume": _l("Mở lại phiên bản thủ tục"), "version_retire": _l("Thu hồi phiên bản thủ tục"),
    "version_restore": _l("Khôi phục phiên bản thủ tục"),
}
TARGET_TEXT = {"agency": _l("Cơ quan"), "calendar": _l("Lịch"), "citizen": _l("Công dân"), "dossier": _l("Hồ sơ"),
               "incident": _l("Sự cố"), "notice_delivery": _l("Thông báo"), "offer": _l("Thủ tục"),
               "officer": _l("Cán bộ"), "procedure": _l("Thủ tục")}
DETAIL_KEY_TEXT = {
    "reason": _l("Lý do"), "dossier": _l("Hồ sơ"), "changes": _l("Thay đổi"), "version": _l("Phiên bản"),
    "outcome": _l("Kết quả"), "days": _l("Ngày"), "set": _l("Đặt"), "removed": _l("Bỏ"), "moved": _l("Chuyển"),
    "added": _l("Thêm"), "name": _l("Tên"), "level": _l("Cấp"), "parent": _l("Cơ quan cấp trên"),
    "from_version": _l("Từ phiên bản"), "to_version": _l("Sang phiên bản"), "full_name": _l("Họ và tên"),
    "of_agency": _l("Thuộc cơ quan"), "agency": _l("Cơ quan"), "roles": _l("Vai trò"), "activation": _l("Kích hoạt"),
    "sent_to": _l("Gửi đến"), "was_suspended_for": _l("Lý do đã khóa"), "before": _l("Trước"), "after": _l("Sau"),
    "file": _l("Tệp"), "requests_moved": _l("Yêu cầu ký chuyển theo"),
    "restored": _l("Khôi phục từ phiên bản"), "locked": _l("Bị khóa"), "next_visit": _l("Lần ghé sau"), "effects": _l("Tác động"),
    "error": _l("Lỗi"), "created": _l("Đã tạo"), "skipped": _l("Bỏ qua"), "address": _l("Địa chỉ"),
    "office_hours": _l("Giờ làm việc"), "seal_name": _l("Tên trên con dấu"),
    "symbol": _l("Chữ viết tắt trong ký hiệu văn bản"), "active": _l("Đang hoạt động"),
    "email": _l("Thư điện tử"), "phone": _l("Điện thoại"), "gateway": _l("Cổng thanh toán"),
    "merchant": _l("Mã đơn vị chấp nhận thanh toán"),
    # an officer suspended or changed: their documents waiting for a signature (engine.cases.signer_duty)
    "signing": _l("Văn bản chờ ký"), "handed_over": _l("Chuyển cho người ký khác"),
    "unassigned": _l("Chưa có người ký thay"), "adopted": _l("Giao cho người ký mới"),
    # a self-registered account checked at the desk or by the e-ID (engine.cases.citizens, engine.cases.eid)
    "took_over": _l("Giao tài khoản tự đăng ký cho người có thẻ CCCD"), "by": _l("Qua"),
    "imported_row": _l("Dòng trong tệp nhập"), "changed": _l("Đổi"),
    # the weekdays of office hours (engine.data.calendars.WEEKDAYS and the week's end)
    "mon": _l("Thứ Hai"), "tue": _l("Thứ Ba"), "wed": _l("Thứ Tư"), "thu": _l("Thứ Năm"), "fri": _l("Thứ Sáu"),
    "sat": _l("Thứ Bảy"), "sun": _l("Chủ nhật"),
}
# values some events carry in English (older rows keep them): said in words on the page
DETAIL_VALUE_TEXT = {"password set by the operator": _l("người vận hành đặt mật khẩu"),
                     "code sent": _l("đã gửi mã kích hoạt"), "eid": _l("định danh điện tử (VNeID)"),
                     "code not sent": _l("chưa gửi được mã kích hoạt (chưa cấu hình kênh gửi)")}


def worded(table: dict):
    """A code in the words of ``table`` (a code it does not know: the code itself)."""
    return lambda code: str(table[code]) if code in table else code


action_text, target_text = worded(ADMIN_ACTION_TEXT), worded(TARGET_TEXT)
_ROWS = re.compile(r"^(\d+) of (\d+) rows$")  # an officer import's target (engine.cases.staff_import)
_ROW = re.compile(r"^row (\d+)(?: \((.*)\))?$", re.S)  # a skipped row of an import, with the name it gave


# details whose keys are user names (an import's skipped rows: "sun" is a user name there, not Sunday)
NAMED_BY_USER = frozenset({"skipped"})


def _row_or_name(key: str) -> str:
    row = _ROW.match(key) if isinstance(key, str) else None
    if row is None:
        return key  # a user name (an import recorded before its rows were)
    return _("dòng %(n)s", n=row.group(1)) + (f" ({row.group(2)})" if row.group(2) else "")


def detail_key_text(key: str) -> str:
    said = _row_or_name(key)
    return said if said != key else worded(DETAIL_KEY_TEXT)(key)


def target_words(target: str | None) -> str:
    """An event's target as stored, in words where it was stored in English ("2 of 7 rows": 2/7 dòng)."""
    rows = _ROWS.match(target or "")
    return _("%(good)s/%(all)s dòng", good=rows.group(1), all=rows.group(2)) if rows else (target or "")




def _number(name: str) -> int | None:
    raw = request.args.get(name)
    return int(raw) if raw is not None and ASCII_NUMBER.match(raw) else None


def _confirm(title, message, action: str, reason: str, back: str):
    """The confirmation step of an action that changes a dossier or passes over an incident."""
    return render_template("admin/ops/confirm.html", title=title, message=message, action=action, reason=reason,
                           back=back)


# -- incidents --------------------------------------------------------------------------------------------
@bp.get("/su-co")
@login_required("administrator")
def incident_list():
    state = request.args.get("trang-thai")
    state = state if state in INCIDENT_STATES else None
    try:
        after = incidents.parse_cursor(request.args.get("sau"))
    except Invalid:
        after = None  # a stale or edited link: the first page
    page = incidents.page(db(), g.user, state=state, after=after, limit=PAGE)
    return render_template("admin/ops/incidents.html", rows=page.rows, state=state, STATE_TEXT=STATE_TEXT,
                           next_url=url_for("admin_ops.incident_list", **{"trang-thai": state} if state else {},
                                            sau=page.next) if page.next else None)


@bp.post("/su-co/<int:incident_id>/chay-lai")
@login_required("administrator")
def incident_retry(incident_id: int):
    incident, code = run(timers.retry, db(), tthc()["settings"], g.user, incident_id, now())
    if incident.state == "retried":
        flash(_("Đã chạy lại xử lý hẹn giờ của hồ sơ %(code)s thành công.", code=code), "success")
    elif incidents.document_of(db(), incident) is not None:  # made after this commit (engine.timers.retry)
        flash(_("Đã yêu cầu lập lại văn bản của hồ sơ %(code)s ngay; sự cố tự đóng khi văn bản được phát hành.",
                code=code), "success")
    else:
        flash(_("Chạy lại vẫn lỗi; sự cố vẫn mở với lỗi mới: %(error)s", error=incident.message), "error")
    return redirect(url_for("admin_ops.incident_list"))


@bp.post("/su-co/<int:incident_id>/bo-qua")
@login_required("administrator")
def incident_skip(incident_id: int):
    incident, dossier, _agency = incidents.administered(db(), g.user, incident_id)
    reason = request.form.get("reason", "").strip()
    if request.form.get("confirm") != "1" or len(reason) < 3:
        if len(reason) < 3 and request.form.get("confirm") == "1":
            flash(_("Nhập lý do (ít nhất 3 ký tự)."), "error")
        return _confirm(_("Bỏ qua sự cố"), _("Bỏ qua sự cố #%(id)s của hồ sơ %(code)s? Hồ sơ không được xử lý hẹn giờ "
                                            "đến thời điểm đến hạn tiếp theo, hoặc đến khi có người xử lý hồ sơ.",
                                            id=incident.id, code=dossier.code),
                        url_for("admin_ops.incident_skip", incident_id=incident_id), reason,
                        url_for("admin_ops.incident_list"))
    run(incidents.skip, db(), tthc()["settings"], g.user, incident_id, {"reason": reason}, now())
    flash(_("Đã bỏ qua sự cố #%(id)s.", id=incident_id), "success")
    return redirect(url_for("admin_ops.incident_list"))


# -- a dossier ---------------------------------------------------------------------------------------------
@bp.get("/ho-so/<code>")
@login_required("administrator")
def dossier(code: str):
    session = db()
    target, _held = operations.administered_dossier(session, g.user, code)  # receiving or processing in scope
    processing = (session.get(Agency, target.processing_agency_id)
                  if target.processing_agency_id not in (None, target.agency_id) else None)
    return render_template("admin/ops/dossier.html", dossier=target, agency=session.get(Agency, target.agency_id),
                           processing=processing, OPERATIONS=OPERATIONS,
                           suspended=target.suspended_at is not None, closed=target.status in TERMINAL,
                           can_terminate=can_end(target.status))


@bp.post("/ho-so/<code>/<any('tam-dung', 'tiep-tuc', 'cham-dut'):word>")
@login_required("administrator")
def operate(code: str, word: str):
    how, title, question = OPERATIONS[word]
    operations.administered_dossier(db(), g.user, code)
    reason = request.form.get("reason", "").strip()
    if request.form.get("confirm") != "1" or len(reason) < 3:
        if len(reason) < 3 and request.form.get("confirm") == "1":
            flash(_("Nhập lý do (ít nhất 3 ký tự)."), "error")
        return _confirm(title, question % {"code": code}, url_for("admin_ops.operate", code=code, word=word), reason,
                        url_for("admin_ops.dossier", code=code))
    run(operations.act, db(), context(), code, how, {"reason": reason})
    flash(str(DONE_TEXT[how]) % {"code": code}, "success")
    return redirect(url_for("admin_ops.dossier", code=code))


# -- the audit -------------------------------------------------------------------------------------------
@bp.get("/nhat-ky")
@login_required("administrator")
def audit_trail():
    """The administrators' trail of the caller's subtree (the province-wide caller also sees the operator's
    own commands, of no agency), newest first, 50 a page by id; and one dossier's chain verified on demand."""
    session = db()
    root = administration.scope(session, g.user)
    query = select(AdminEvent).order_by(AdminEvent.id.desc()).limit(PAGE + 1)
    if root is not None:
        query = query.where(AdminEvent.agency_id.in_(administration.agency_ids(session, g.user)))
    action = request.args.get("thao-tac", "").strip()[:40]
    target = request.args.get("doi-tuong", "").strip()[:100]
    if action:
        query = query.where(AdminEvent.action == action)
    before = _number("truoc")
    if before is not None:
        query = query.where(AdminEvent.id < before)
    # one thing, or one kind of thing: each read off its own index newest first (an OR of the two was a sort of
    # every event of the kind), a page at most each, merged
    branches = [AdminEvent.target == target, AdminEvent.target_kind == target] if target else [None]
    found = {e.id: e for branch in branches
             for e in session.scalars(query if branch is None else query.where(branch))}
    rows = sorted(found.values(), key=lambda e: e.id, reverse=True)[:PAGE + 1]
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    code = request.args.get("ho-so", "").strip()[:60]
    checked = None
    if code:
        try:
            checked = operations.verify_audit(session, tthc()["settings"], g.user, code)
        except NotFound:
            checked = {"missing": True}
    filters = {k: v for k, v in {"thao-tac": action, "doi-tuong": target}.items() if v}
    return render_template("admin/ops/audit.html", rows=rows, action=action, target=target, code=code,
                           checked=checked, detail=detail_text, action_text=action_text,
                           target_text=target_text, target_words=target_words, detail_key=detail_key_text,
                           actions=sorted(ADMIN_ACTION_TEXT.items(), key=lambda kv: str(kv[1])),
                           next_url=url_for("admin_ops.audit_trail", **filters, truoc=rows[-1].id) if more else None)


def detail_text(value, key: str | None = None) -> str:
    """A value of an administrator's event in words: yes or no, lists joined, a change as "before → after", roles
    by their names, never Python's own spelling (True, [], {'from': ...}); ``key``: the detail it is the value of."""
    if isinstance(value, bool):
        return str(_("Có") if value else _("Không"))
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, dict):
        if set(value) == {"from", "to"}:
            return f"{detail_text(value['from'], key)} → {detail_text(value['to'], key)}"
        name = _row_or_name if key in NAMED_BY_USER else detail_key_text
        return "; ".join(f"{name(k)}: {detail_text(item, k)}" for k, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(detail_text(item, key) for item in value)
    if key == "roles" and isinstance(value, str) and value in ROLE_TEXT:
        return str(ROLE_TEXT[value])
    if isinstance(value, str) and value in DETAIL_VALUE_TEXT:
        return str(DETAIL_VALUE_TEXT[value])
    return str(value)
