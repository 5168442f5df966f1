"""Administration pages of procedures and their versions (/quan-tri/thu-tuc): the procedures of the
administrator's agencies, a procedure's versions with what changed and their open dossiers, suspend / resume /
retire, uploading a BPMN file with its forms (check, then deploy), and moving open dossiers to a newer version
in batches with a result per dossier. Retiring and moving ask for a confirmation first."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.cases import migration, versions
from engine.core import vocabulary
from engine.core.errors import DefinitionError, Forbidden, Invalid
from . import ASCII_NUMBER, db
from .ui import context, install_error_pages, login_required, refusal_text, run

bp = Blueprint("admin_versions", __name__)
install_error_pages(bp)

STATE_TEXT = {k: _l(v) for k, v in vocabulary.VERSION_STATES.items()}
CHANGE_TEXT = {k: _l(v) for k, v in vocabulary.VERSION_CHANGES.items()}
# A procedure's clockOnSupplement (the "clock_changed" change): what happens to the deadline after a supplement.
CLOCK_TEXT = {"restart": _l("tính lại thời hạn từ đầu"), "pause": _l("lùi hạn thêm đúng thời gian chờ bổ sung")}
ACTION_DONE = {"suspend": _l("Đã tạm ngừng tiếp nhận hồ sơ theo phiên bản %(n)s."),
               "resume": _l("Phiên bản %(n)s đã tiếp nhận hồ sơ trở lại."),
               "retire": _l("Phiên bản %(n)s đã thôi áp dụng.")}
MAX_FORM_FILES = 40  # form files of one upload (a procedure uses a handful)


def _int_arg(name: str) -> int:
    raw = request.values.get(name) or "0"
    if not ASCII_NUMBER.match(raw) or int(raw) > 2**31 - 1:
        raise Invalid(_("Tham số không hợp lệ"), fields={name: _("Một số nguyên dương")})
    return int(raw)


def _texts() -> dict:
    return {"STATE_TEXT": STATE_TEXT, "CHANGE_TEXT": CHANGE_TEXT, "CLOCK_TEXT": CLOCK_TEXT}


@bp.get("/quan-tri/thu-tuc")
@login_required("administrator")
def procedures_page():
    after = request.args.get("sau", "")[:20] or None
    rows, next_code = versions.procedure_page(db(), g.user, after)
    return render_template("admin/versions/list.html", rows=rows, next_code=next_code, **_texts())


def _upload() -> tuple[str, bytes, dict[str, bytes]]:
    bpmn = request.files.get("bpmn")
    if bpmn is None or not bpmn.filename:
        raise Invalid(_("Chọn tệp BPMN của quy trình."), fields={"bpmn": _("Bắt buộc")})
    extra = [f for f in request.files.getlist("forms") if f.filename]
    if len(extra) > MAX_FORM_FILES:
        raise Invalid(_("Quá nhiều tệp biểu mẫu (tối đa %(n)s).", n=MAX_FORM_FILES), fields={"forms": ""})
    return bpmn.filename[:200], bpmn.read(), {f.filename[:200]: f.read() for f in extra}


@bp.route("/quan-tri/thu-tuc/tai-len", methods=["GET", "POST"])
@login_required("administrator")
def upload():
    if request.method != "POST":
        return render_template("admin/versions/upload.html", problems=None, checked=None)
    deploy = request.form.get("deploy") == "1"
    try:
        name, bpmn, forms = _upload()
        warned: list = []  # what looks copied from another procedure (engine.process.similarity): shown, not refused
        if deploy:
            version, changed = run(versions.deploy_upload, db(), context(), name, bpmn, forms, warned)
        else:
            definition = versions.check_upload(context(), name, bpmn, forms)
            versions.ensure_deployable(db(), context(), definition)  # before the warnings it would discard
            warned = versions.upload_warnings(db(), context(), definition)
    except DefinitionError as exc:
        return render_template("admin/versions/upload.html", problems=exc.problems, checked=None), 422
    except Invalid as exc:
        return render_template("admin/versions/upload.html", problems=None, checked=None, error=refusal_text(exc)), 422
    except Forbidden as exc:  # the file is sound but not this administrator's to deploy: said by the check too
        return render_template("admin/versions/upload.html", problems=None, checked=None, error=refusal_text(exc)), 403
    if not deploy:
        return render_template("admin/versions/upload.html", problems=[], checked=definition.info, warnings=warned)
    for warning in warned:
        flash(_("Cảnh báo: %(warning)s", warning=str(warning)), "warn")
    if changed:
        flash(_("Đã triển khai phiên bản %(n)s.", n=version.version), "success")
    else:
        flash(_("Tệp giống hệt phiên bản %(n)s: không tạo phiên bản mới.", n=version.version), "success")
    return redirect(url_for("admin_versions.procedure_page", code=version.procedure.code))


@bp.get("/quan-tri/thu-tuc/<code>")
@login_required("administrator")
def procedure_page(code: str):
    proc = versions.procedure_of(db(), g.user, code)
    rows = versions.versions_of(db(), proc)
    newest_active = next((r["version"] for r in rows if r["state"] == "active"), None)
    return render_template("admin/versions/procedure.html", proc=proc, rows=rows, newest_active=newest_active,
                           **_texts())


def _state_view(move: str):
    """Suspend and resume at once; retire after a confirmation page (it cannot be undone)."""
    @login_required("administrator")
    def view(code: str, number: int):
        if move == "retire" and request.form.get("confirm") != "1":
            proc = versions.procedure_of(db(), g.user, code)
            versions.version_of(db(), proc, number)
            return render_template("admin/versions/confirm.html", proc=proc, number=number, action=move, to=None)
        run(versions.change_state, db(), context(), code, number, move)
        flash(ACTION_DONE[move] % {"n": number}, "success")
        return redirect(url_for("admin_versions.procedure_page", code=code))

    return view


for _move in versions.MOVES:
    bp.add_url_rule(f"/quan-tri/thu-tuc/<code>/phien-ban/<int:number>/{_move}", f"version_{_move}",
                    _state_view(_move), methods=["POST"])


@bp.post("/quan-tri/thu-tuc/<code>/phien-ban/<int:number>/chuyen")
@login_required("administrator")
def move_dossiers(code: str, number: int):
    """Move the open dossiers of version ``number`` to version ``den``, a batch at a time (confirmed first)."""
    to = _int_arg("den")
    proc = versions.procedure_of(db(), g.user, code)
    versions.version_of(db(), proc, number)
    versions.version_of(db(), proc, to)
    if request.form.get("confirm") != "1":
        return render_template("admin/versions/confirm.html", proc=proc, number=number, action="migrate", to=to,
                               after=_int_arg("sau"))
    results, next_after = run(migration.migrate_batch, db(), context(), code, number, to, _int_arg("sau"))
    return render_template("admin/versions/batch.html", proc=proc, number=number, to=to, results=results,
                           next_after=next_after)
