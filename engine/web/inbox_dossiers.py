"""The officers' face, the dossier and the leaders: the routes of the officer's dossier page (stopping a dossier
(D16), a desk supplement (D5), re-issuing a result, the overdue apology (D19)), its BPMN diagram, and the leaders'
watch of overdue and at-risk dossiers. Routes of the ``inbox`` blueprint of engine/web/inbox.py (same URLs, same
endpoint names: ``inbox.dossier``...), apart from the inbox and the task page so that they keep room; the page
itself (``_dossier_page``) stays there beside the task page it shares its context with. Imported by the
application factory (engine/web/__init__.py) before the blueprint is registered.
"""
from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import dossiers, filing, inbox as paging, tasks, watch as watch_cases
from engine.core.errors import Forbidden, Invalid
from . import db, now, schemaform, tthc, uploads
from .dossier_view import end_from_form, time_left_text
from .inbox import _dossier_page, bp
from .ui import context, login_required, refusal_text, run


@bp.get("/ho-so/<code>")
@login_required("officer")
def dossier(code: str):
    return _dossier_page(code)


@bp.post("/ho-so/<code>/dung")
@login_required("receiving_officer")
def stop(code: str):
    """The one-stop stops a dossier of its agency that has no result yet (D16, NĐ 118 Điều 21)."""
    return end_from_form(code, "stop", _dossier_page, {
        "confirm": _("Đánh dấu ô xác nhận để dừng giải quyết hồ sơ"),
        "reason": _("Nhập lý do dừng giải quyết"),
        "unconfirmed": _("Chưa xác nhận dừng giải quyết hồ sơ"),
        "done": _("Đã dừng giải quyết hồ sơ %(code)s và ban hành Thông báo dừng giải quyết hồ sơ.", code=code),
    }, "inbox.dossier")


@bp.post("/ho-so/<code>/bo-sung")
@login_required("receiving_officer")
def desk_supplement(code: str):
    """D5, D10: the receiving officer records the completed paper of a desk or post dossier, as the citizen
    sends theirs on the portal (engine.cases.filing.supplement refuses an online dossier, or another
    agency's), with the documents handed in scanned and checked as the citizen's uploads are."""
    version = dossiers.visible_dossier(db(), g.user, code).procedure_version
    schema = version.forms[version.info["filing_form"]]
    data = schemaform.parse(schema, request.form)
    note = request.form.get("note", "").strip()
    chosen, kept = uploads.posted(version.info["components"]), uploads.kept()  # now, and held from a refusal

    def supplement_with_uploads():
        # while the request is open: the scans first, then the paper's form
        uploads.attach_before_form(code, chosen, kept, schema, data)
        return filing.supplement(db(), context(), code, {"form": data, **({"note": note} if note else {})})

    try:
        run(supplement_with_uploads)
    except Invalid as exc:
        return _dossier_page(code, 422, desk_data=data, desk_errors=exc.fields, desk_error=refusal_text(exc),
                             desk_note=note, desk_held=uploads.hold_refused(chosen, kept, exc.fields))
    flash(_("Đã ghi nhận hồ sơ bổ sung của hồ sơ %(code)s.", code=code), "success")
    return redirect(url_for("inbox.dossier", code=code))


@bp.post("/ho-so/<code>/cap-lai")
@login_required("clerk")
def reissue(code: str):
    """The clerk re-issues the result for a correction: a new number, the old one kept and marked replaced."""
    from engine.cases import reissue as reissue_case

    reason = request.form.get("reason", "").strip()
    try:
        run(reissue_case.reissue_result, db(), context(), code, {"reason": reason})
    except Invalid as exc:
        return _dossier_page(code, 422, reissue_error=refusal_text(exc), reissue_errors=exc.fields, reissue_reason=reason)
    flash(_("Đã cấp lại (đính chính) kết quả của hồ sơ %(code)s; văn bản cũ được giữ lại và ghi là đã bị thay thế.",
            code=code), "success")
    return redirect(url_for("inbox.dossier", code=code))


@bp.get("/ho-so/<code>/quy-trinh.bpmn")
@login_required("officer")
def diagram(code: str):
    target = dossiers.visible_dossier(db(), g.user, code)
    return Response(target.procedure_version.bpmn_xml, mimetype="application/xml",
                    headers={"Cache-Control": "private, max-age=300"})


@bp.post("/ho-so/<code>/thu-xin-loi")
@login_required("head_of_agency")
def apology(code: str):
    reason = request.form.get("reason", "").strip()
    try:
        run(tasks.issue_apology, db(), context(), code, {"kind": "overdue", "reason": reason})
    except (Invalid, Forbidden) as exc:  # Forbidden: the letter is another agency's head's (D19, D29)
        flash(str(refusal_text(exc)), "error")
        return redirect(url_for("inbox.dossier", code=code))
    flash(_("Đã ban hành thư xin lỗi vì quá hạn cho hồ sơ %(code)s.", code=code), "success")
    return redirect(url_for("inbox.dossier", code=code))


@bp.get("/theo-doi")
@login_required("department_leader", "head_of_agency", "centre_director")
def watch():
    try:
        after = paging.parse_cursor(request.args.get("after"))
    except Invalid:
        after = None  # a stale or edited link: the first page
    at = now()
    found = watch_cases.page(db(), g.user, at, tthc()["settings"], after)
    rows = [{**r, "left": time_left_text(r["left"], found.day_length, r["state"] == "overdue")}  # the page's language
            for r in found.rows]
    return render_template("inbox/watch.html", rows=rows, counts=found.counts, page=found,
                           next_url=url_for("inbox.watch", after=found.next) if found.next else None,
                           first_url=url_for("inbox.watch") if after is not None else None)
