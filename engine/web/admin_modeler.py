"""The modeler of administrators (issue 16, part 4): a procedure version's BPMN opened in bpmn-js with our own
properties panel (steps, roles, forms, durations, fees), checked on the server as it is edited, and saved as the
procedure's next version through the same deploy as an upload (engine.cases.versions.deploy_upload: same
rules, same audit). Only administrators of the agency subtree that publishes the procedure open it
(engine.cases.administration, via versions.procedure_of)."""
from __future__ import annotations

import json
from pathlib import PurePath

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import versions
from engine.core import vocabulary
from engine.core.errors import DefinitionError, Invalid, Problem
from engine.process.lint import STEP_ACTIONS, STEP_UNITS, UNITS
from . import ASCII_NUMBER, db
from .ui import UNIT_TEXT, asks_for_json, context, install_error_pages, login_required, run

bp = Blueprint("admin_modeler", __name__)
install_error_pages(bp)

MAX_XML = 2_000_000  # characters of one model (a procedure's BPMN is some tens of kilobytes)


def _version(code: str):
    """The procedure (403/404 as its page) and the version asked for (``version``; default: the newest)."""
    proc = versions.procedure_of(db(), g.user, code)
    raw = request.args.get("version") or ""
    if raw:
        if not ASCII_NUMBER.match(raw) or int(raw) > 2**31 - 1:
            raise Invalid(_("Tham số không hợp lệ"), fields={"version": _("Một số nguyên dương")})
        return proc, versions.version_of(db(), proc, int(raw))
    rows = versions.versions_of(db(), proc)
    return proc, versions.version_of(db(), proc, rows[0]["version"])


def _files(version) -> tuple[str, dict[str, bytes]]:
    """The version's file name and, as uploaded files, the forms and the result template it was deployed with:
    the model is checked against what the version holds, not against what the server's folders hold today."""
    files = {key: json.dumps(schema, ensure_ascii=False).encode() for key, schema in (version.forms or {}).items()}
    result = (version.info or {}).get("result") or {}
    if result.get("template") and result.get("template_name"):
        files[result["template_name"]] = result["template"].encode()
    return PurePath(version.file_name).name or "model.bpmn", files  # no server path in messages


def _xml() -> bytes:
    text = request.form.get("xml", "")
    if not text.strip():
        raise Invalid(_("Thiếu nội dung BPMN của mô hình."), fields={"xml": _("Bắt buộc")})
    if len(text) > MAX_XML:
        raise Invalid(_("Mô hình quá lớn."), fields={"xml": _("Tối đa %(n)s ký tự", n=MAX_XML)})
    return text.encode()


def _problem_json(problems) -> list[dict]:
    return [{"file": p.file, "line": p.line, "element": p.element, "message": p.message,
             "text": f"{p.file}:{p.line or 0}: {p.element + ': ' if p.element else ''}{p.message}"}
            for p in problems]


def _invalid(name: str, exc: Invalid) -> list[dict]:
    """A request refused as a whole (no model, too large) as the one problem of the model."""
    return [{"file": name, "line": None, "element": "", "message": exc.message, "text": exc.message}]


def _panel_config() -> dict:
    """What the properties panel offers: step kinds with their actions, roles (lane names), duration units."""
    return {"steps": {k: list(v) for k, v in STEP_ACTIONS.items()},
            "roles": [{"code": c, "label": label} for c, label in vocabulary.ROLES.items()],
            "units": list(UNITS), "step_units": list(STEP_UNITS),
            # the units in words, as the catalogue writes them, the property's value beside (the select showed codes)
            "unit_text": {u: f"{UNIT_TEXT[u]} ({u})" for u in UNITS}, "text": {
                "process": _("Quy trình"), "name": _("Tên thủ tục"), "code": _("Mã thủ tục (procedureCode)"),
                "duration": _("Thời hạn giải quyết"), "unit": _("Đơn vị thời hạn"),
                "fees": _("Phí, lệ phí (fee.<khóa>: số tiền;thời điểm;tên)"), "fee_key": _("Khóa"),
                "fee_value": _("Giá trị"), "add_fee": _("Thêm khoản phí"), "remove": _("Xóa"),
                "task": _("Bước xử lý"), "step": _("Loại bước (step)"), "form": _("Biểu mẫu (formJsonSchemaFilename)"),
                "actions": _("Thao tác (actions, cách nhau bởi dấu phẩy; để trống: mọi thao tác của loại bước)"),
                "step_duration": _("Thời hạn của bước (để trống: không đặt)"), "lane": _("Làn"),
                "role": _("Vai trò của làn"), "other": _("Chọn một bước, một làn hoặc quy trình để sửa thuộc tính."),
                "checking": _("Đang kiểm tra trên máy chủ…"), "ok": _("Máy chủ kiểm tra: không có lỗi."),
                "problems": _("Máy chủ kiểm tra: có lỗi"), "failed": _("Không kiểm tra được mô hình."),
                "saving": _("Đang lưu…"), "not_saved": _("Chưa lưu được mô hình."),
                "fix_problems": _("Hãy sửa các lỗi máy chủ đã chỉ ra rồi lưu lại."),
                "kept": _("Mô hình bạn đang sửa vẫn còn trên trang và được giữ trên trình duyệt này: tải lại "
                          "trang sẽ mở lại đúng bản đang sửa."),
                "reload": _("Tải lại trang"),
                "unreadable": _("Máy chủ trả lời không đúng dạng; hãy thử lại."),
                "restored": _("Đã mở lại mô hình bạn đang sửa dở (chưa lưu) được giữ trên trình duyệt này."),
                "discard": _("Bỏ bản đang sửa, mở lại phiên bản đã lưu"),
                "warnings": _("Trình thiết kế không hiểu một số phần của tệp; các phần này sẽ mất khi lưu:")}}


@bp.get("/quan-tri/thu-tuc/<code>/mo-hinh")
@login_required("administrator")
def page(code: str):
    proc, version = _version(code)
    return render_template("admin/versions/modeler.html", proc=proc, version=version, xml=version.bpmn_xml,
                           config=_panel_config(), problems=None)


@bp.post("/quan-tri/thu-tuc/<code>/mo-hinh/kiem-tra")
@login_required("administrator")
def check(code: str):
    """The model's problems as file:line messages (nothing is stored): the page calls it as one edits."""
    proc, version = _version(code)
    name, files = _files(version)
    try:
        definition = versions.check_upload(context(), name, _xml(), files)
    except DefinitionError as exc:
        return jsonify({"ok": False, "problems": _problem_json(exc.problems)})
    except Invalid as exc:
        return jsonify({"ok": False, "problems": _invalid(name, exc)}), 422
    if definition.info.get("code") != proc.code:
        return jsonify({"ok": False, "problems": _problem_json([_other_code(name, definition)])})
    return jsonify({"ok": True, "problems": [], "code": definition.info.get("code"),
                    "steps": len(definition.info.get("steps") or [])})


def _other_code(name: str, definition):
    return Problem(name, None, definition.process_id,
                   f"mã thủ tục (procedureCode) {definition.info.get('code')!r} khác mã của thủ tục đang sửa; "
                   "mô hình của một thủ tục khác phải được tải lên riêng")


@bp.post("/quan-tri/thu-tuc/<code>/mo-hinh")
@login_required("administrator")
def save(code: str):
    """Deploy the edited model as the procedure's next version and show the procedure's versions. The page's
    script saves with ``Accept: application/json`` and is answered JSON (the problems, or where to go next),
    so that a refusal of any kind leaves the model being edited on its page."""
    proc, version = _version(code)
    name, files = _files(version)
    xml = request.form.get("xml", "")
    script = asks_for_json()
    try:
        data = _xml()
        definition = versions.check_upload(context(), name, data, files)
        if definition.info.get("code") != proc.code:
            raise DefinitionError([_other_code(name, definition)])
        saved, changed = run(versions.deploy_upload, db(), context(), name, data, files)
    except DefinitionError as exc:
        if script:
            return jsonify({"ok": False, "problems": _problem_json(exc.problems)}), 422
        return render_template("admin/versions/modeler.html", proc=proc, version=version, xml=xml,
                               config=_panel_config(), problems=exc.problems), 422
    except Invalid as exc:
        if script:
            return jsonify({"ok": False, "problems": _invalid(name, exc)}), 422
        flash(exc.message, "error")
        return render_template("admin/versions/modeler.html", proc=proc, version=version, xml=version.bpmn_xml,
                               config=_panel_config(), problems=None), 422
    if changed:
        flash(_("Đã lưu mô hình thành phiên bản %(n)s.", n=saved.version), "success")
    else:
        flash(_("Mô hình không đổi so với phiên bản %(n)s: không tạo phiên bản mới.", n=saved.version), "success")
    target = url_for("admin_versions.procedure_page", code=code)
    if script:
        return jsonify({"ok": True, "version": saved.version, "changed": changed, "redirect": target})
    return redirect(target)
