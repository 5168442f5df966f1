"""Administration pages of procedures and their versions (/quan-tri/thu-tuc): the procedures of the
administrator's agencies, a procedure's versions with what changed and their open dossiers, suspend / resume /
retire, uploading a BPMN file with its forms (check, then deploy), and moving open dossiers to a newer version
in batches with a result per dossier. Retiring and moving ask for a confirmation first."""
from __future__ import annotations

import base64
import json
import re
import secrets
from datetime import datetime, timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.cases import migration, versions
from engine.core import vocabulary
from engine.core.errors import Conflict, DefinitionError, Forbidden, Invalid
from . import ASCII_NUMBER, db, now, tthc
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
# The files a check found deployable, kept for the "deploy what was checked" button (a browser never keeps a
# chosen file across a page load): one set per web session, used once, for CHECKED_MINUTES at most.
CHECKED_DIR = "checked_uploads"
CHECKED_MINUTES = 30
CHECKED_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}\Z")


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


def _checked_path(token: str):
    return tthc()["settings"].data_dir / CHECKED_DIR / f"{token}.json"


def _keep_checked(name: str, bpmn: bytes, forms: dict[str, bytes]) -> str:
    """Keep the files a check found deployable under a new one-time token bound to this administrator's web
    session (the session's previous set, and every set past its time, are removed); return the token. Their size
    is the request's, which MAX_CONTENT_LENGTH bounds."""
    folder = tthc()["settings"].data_dir / CHECKED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):  # a handful at most: one per administrator checking
        try:
            stale = datetime.fromisoformat(json.loads(old.read_text())["expires"]) <= now()
        except (OSError, ValueError, KeyError):
            stale = True
        if stale or old.stem == session.get("checked_upload"):
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    expires = now() + timedelta(minutes=CHECKED_MINUTES)
    kept = {"uid": g.user.id, "sid": session.get("sid"), "expires": expires.isoformat(), "name": name,
            "bpmn": base64.b64encode(bpmn).decode(),
            "forms": {n: base64.b64encode(c).decode() for n, c in forms.items()}}
    _checked_path(token).write_text(json.dumps(kept))
    session["checked_upload"] = token
    return token


def _take_checked(token: str) -> tuple[str, bytes, dict[str, bytes]]:
    """The files kept under ``token`` by this web session's last check, removed as they are taken (once)."""
    gone = Invalid(_("Tệp vừa kiểm tra không còn được giữ (đã triển khai, đã quá hạn hoặc thuộc phiên đăng nhập "
                     "khác). Chọn lại tệp rồi kiểm tra hoặc triển khai."), fields={"bpmn": _("Bắt buộc")})
    if not CHECKED_TOKEN.match(token) or token != session.get("checked_upload"):
        raise gone
    path = _checked_path(token)
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        raise gone from None
    path.unlink(missing_ok=True)
    session.pop("checked_upload", None)
    if kept["uid"] != g.user.id or kept["sid"] != session.get("sid") or \
            datetime.fromisoformat(kept["expires"]) <= now():
        raise gone
    return kept["name"], base64.b64decode(kept["bpmn"]), {n: base64.b64decode(c) for n, c in kept["forms"].items()}


@bp.route("/quan-tri/thu-tuc/tai-len", methods=["GET", "POST"])
@login_required("administrator")
def upload():
    if request.method != "POST":
        return render_template("admin/versions/upload.html", problems=None, checked=None)
    deploy = request.form.get("deploy") == "1"
    try:
        token = request.form.get("checked", "")
        name, bpmn, forms = _take_checked(token) if deploy and token else _upload()
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
        return render_template("admin/versions/upload.html", problems=[], checked=definition.info, warnings=warned,
                               token=_keep_checked(name, bpmn, forms))
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


@bp.post("/quan-tri/thu-tuc/<code>/phien-ban/<int:number>/khoi-phuc")
@login_required("administrator")
def restore(code: str, number: int):
    """Roll back to version ``number`` (its content deployed again as the newest version), confirmed first."""
    proc = versions.procedure_of(db(), g.user, code)
    versions.version_of(db(), proc, number)
    if request.form.get("confirm") != "1":
        return render_template("admin/versions/confirm.html", proc=proc, number=number, action="restore", to=None)
    try:
        version = run(versions.restore, db(), context(), code, number)
    except Conflict as exc:  # the current version already has that content
        flash(str(refusal_text(exc)), "error")
        return redirect(url_for("admin_versions.procedure_page", code=code))
    flash(_("Đã khôi phục phiên bản %(n)s thành phiên bản %(new)s, hiện hành.", n=number, new=version.version),
          "success")
    return redirect(url_for("admin_versions.procedure_page", code=code))


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
