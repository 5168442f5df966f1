"""The officers' face: the inbox of my roles in my agency, claim and release, the task page with the actions
of its step, and the officer's dossier page. The routes of that page (stopping a dossier (D16), a desk
supplement, re-issuing, the apology), the BPMN diagram and the leaders' watch of overdue and at-risk dossiers
are in engine/web/inbox_dossiers.py, on the same blueprint.

Actions go through engine.cases.tasks.complete, as POST /api/v1/tasks/{id}/complete does: the same rules refuse
the same things, and the refusal is explained in the page next to the form of the allowed alternative.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from engine.law import apology as apology_law, extension as extension_law
from engine.cases import (dossiers, filing, inbox as paging, portal_cases, signing_requests, summary, tasks)
from engine.cases.steps import apology as apology_step, returning
from engine.cases.steps.guards import PENDING
from engine.paperwork import drafting, letters
from engine.core.clock import VN_TZ
from engine.core.errors import Conflict, EngineError, Invalid
from engine.data import calendars
from engine.data.agency_model import ProcedureOffer
from engine.data.model import Extension, Procedure, SupplementRequest, User, WorkItem
from engine.law.statuses import SUPPLEMENT
from engine.process import fields as procedure_fields
from . import db, now, tthc
from . import failures, schemaform, signing
from .dossier_view import (can_end, deadline_notes, document_rows, expected_fees, open_items, path_of,
                           remaining_text, steps_of, time_left_text, working_time_text)
from .ui import ACTION_BUTTON, context, install_error_pages, login_required, refusal_text, run

bp = Blueprint("inbox", __name__, url_prefix="/can-bo")
install_error_pages(bp)

SPECIAL_FORMS = {"request_supplement": "supplement", "refuse": "refuse", "request_extension": "extension",
                 "reject_extension": "reason", "issue_apology": "reason"}
MAX_ITEMS = 20


def _calendar(cache: dict, dossier):
    key = dossier.procedure_version_id
    if key not in cache:
        cache[key] = dossiers.calendar_of(db(), dossier, tthc()["settings"])
    return cache[key]


def _row(item: WorkItem, cache: dict) -> dict:
    cal = _calendar(cache, item.dossier)
    at = now()
    state = portal_cases.sla_state(cal, at, item.due_at)  # overdue from the due instant on (D19), time past or not
    return {"item": item, "dossier": item.dossier, "state": state,
            "left": time_left_text(portal_cases.working_time_left(cal, at, item.due_at), cal.day_length,
                                   state == "overdue"),
            "today": item.due_at is not None and item.due_at.astimezone(VN_TZ).date() == at.astimezone(VN_TZ).date()}


@bp.get("/cong-viec")
@login_required("officer")
def inbox():
    """A page of 50 read off the inbox's index (engine.cases.inbox), the tallies in one statement; the whole
    inbox is never read to show a page."""
    args = request.args
    mine, due = args.get("mine") == "1", args.get("due", "")
    due = due if due in ("overdue", "today", "at_risk") else ""
    sort = args.get("sort") if args.get("sort") in paging.SORTS else "due"
    step = args.get("step") if args.get("step") in tasks.OFFICER_STEPS else ""
    procedure = args.get("procedure", "").strip()[:20]
    cal = calendars.calendar_for(db(), tthc()["settings"], g.user.agency.code)
    lo, hi = paging.due_window(due, cal, now())
    try:
        after = paging.parse_cursor(args.get("after"))
    except Invalid:
        after = None  # a stale or edited link: the first page
    procs = list(db().execute(  # what the agency offers, or processes for another (D29)
        select(Procedure.code, Procedure.name).where(Procedure.id.in_(
            select(ProcedureOffer.procedure_id).where((ProcedureOffer.agency_id == g.user.agency_id)
                                                      | (ProcedureOffer.processing_agency_id == g.user.agency_id))))
        .order_by(Procedure.code)))
    if procedure and procedure not in {c for c, _n in procs}:  # an edited link: the list the select then says (all)
        procedure = ""
    page = paging.page(db(), g.user, paging.Filters(mine=mine, procedure=procedure or None, step=step or None,
                                                   due_after=lo, due_before=hi), sort=sort, after=after)
    cache: dict = {}
    rows = [_row(i, cache) for i in page.items]
    filters = {"mine": mine, "due": due, "sort": sort, "step": step, "procedure": procedure}
    kept = {k: v for k, v in {**filters, "mine": "1" if mine else ""}.items() if v and not (k == "sort" and v == "due")}
    return render_template("inbox/inbox.html", rows=rows, counts=paging.counts(db(), g.user, now(), cal), page=page,
                           procedures=procs, filters=filters, to_sign=signing.waiting(),
                           next_url=url_for("inbox.inbox", **kept, after=page.next) if page.next else None,
                           first_url=url_for("inbox.inbox", **kept) if after is not None else None)


@bp.post("/cong-viec/<int:item_id>/nhan")
@login_required("officer")
def claim(item_id: int):
    item = run(tasks.claim, db(), g.user, item_id)
    flash(_("Bạn đã nhận xử lý hồ sơ %(code)s.", code=item.dossier.code), "success")
    return redirect(url_for("inbox.task", item_id=item_id))


@bp.post("/cong-viec/<int:item_id>/tra-lai")
@login_required("officer")
def release(item_id: int):
    item = run(tasks.release, db(), g.user, item_id)
    flash(_("Đã trả lại công việc của hồ sơ %(code)s vào hộp chung.", code=item.dossier.code), "info")
    return redirect(url_for("inbox.inbox"))


# -- the task page ---------------------------------------------------------------------------------------
def _dossier_context(dossier) -> dict:
    settings = tthc()["settings"]
    d = summary.describe(db(), dossier, now=now(), settings=settings)
    d["remaining"] = remaining_text(dossier)  # the page's words
    d["expected_fees"], d["fees_outside"] = expected_fees(dossier)  # D26
    version = dossier.procedure_version
    info = version.info
    items = open_items(dossier)
    return {"d": d, "dossier": dossier, "info": info, "notes": deadline_notes(dossier, d, info),
            "rows": schemaform.rows(version.forms[info["filing_form"]], d["form"]),
            "documents": document_rows(d, info), "items": items,
            "workable": {i.id for i in items if i.role in g.user.roles and i.agency_id == g.user.agency_id
                         and i.step in tasks.OFFICER_STEPS},  # linked to their task page
            "steps": steps_of(info, {i.spec_name for i in items}), "applicant": dossier.applicant,
            "path": path_of(dossier, {i.spec_name for i in items}),
            "can_end": can_end(dossier.status),
            "can_stop": "receiving_officer" in g.user.roles and can_end(dossier.status),
            "can_reissue": "clerk" in g.user.roles and dossier.outcome == "approved" and any(
                r["kind"] == "result" and r.get("state") != "replaced" for r in d["documents"]),
            "reissue_button": ACTION_BUTTON["reissue_result"],
            "stop_labels": {"reason": _("Lý do dừng giải quyết"), "confirm": _("Xác nhận dừng giải quyết")}}


def _issued_number(item: WorkItem, schema: dict) -> tuple[dict, dict]:
    """The clerk's issuing form, filled with the number the register gave the signed result: the result is
    issued with that number (it is printed in the signed document's header), whatever the form would say, so
    the clerk is shown it rather than asked to type one that is not used."""
    signed = signing_requests.signed_result(db(), item.dossier)
    registered = signing_requests.result_register(signed)
    names = procedure_fields.of(item.dossier.procedure_version.info)
    key, date_key = names.document_number, names.document_date
    props = dict(schema.get("properties") or {})
    if registered is None or not isinstance(props.get(key), dict):
        return schema, {}
    props[key] = {**props[key], "description": _(
        "Số đã được cấp khi phê duyệt và in trên văn bản đã ký; kết quả được ban hành với số này.")}
    filled = {key: registered[0]}
    if isinstance(props.get(date_key), dict):  # D34: and the day it was signed, printed in it too
        props[date_key] = {**props[date_key], "description": _(
            "Ngày người có thẩm quyền ký văn bản, in trên văn bản đã ký; kết quả được ban hành với ngày này.")}
        filled[date_key] = drafting.dated_at(signed).astimezone(VN_TZ).date().isoformat()
    return {**schema, "properties": props}, filled


def _action_forms(item: WorkItem, active: str | None, values: dict, errors: dict) -> list[dict]:
    forms, schema = [], tasks.form_schema(item) or {"type": "object", "properties": {}}
    # none while suspended, none whose time has passed (D12, D18); the form just posted stays, as it was typed
    offered_now = tasks.offered(item, now(), tthc()["settings"])
    actions = [a for a in tasks.offered_when_resumed(item) if a == active or a in offered_now]
    for action in actions:
        special = SPECIAL_FORMS.get(action)
        mine = action == active
        form = {"action": action, "label": ACTION_BUTTON.get(action, action), "kind": special or "schema",
                "open": mine, "values": values if mine else {}, "errors": errors if mine else {}}
        if special is None:
            shown, filled = _issued_number(item, schema) if action == "issue_result" else (schema, {})
            if action == "return_result":  # D23: the way the citizen chose, already picked
                filled = returning.chosen_return(item.dossier, schema)
            form["fields"] = schemaform.build(shown, values if mine else filled, errors if mine else {},
                                              id_prefix=action)
        forms.append(form)
    return forms


def _task_page(item_id: int, status: int = 200, active: str | None = None, values: dict | None = None,
               errors: dict | None = None, message: str | None = None, rule: str | None = None):
    item = tasks.get(db(), g.user, item_id)
    dossier = item.dossier
    page = _dossier_context(dossier)
    cal = dossiers.calendar_of(db(), dossier, tthc()["settings"])
    first = db().scalar(select(SupplementRequest).where(SupplementRequest.dossier_id == dossier.id)
                        .order_by(SupplementRequest.id).limit(1))
    short = extension_law.is_short(cal, page["info"]["duration"], dossier.received_at)
    cap = extension_law.cap(cal, page["info"]["duration"], dossier.received_at)  # D18: 1/3 of the processing time
    ext = item.step == "extension_review" and dossier.due_at and db().scalar(
        select(Extension).where(Extension.dossier_id == dossier.id, Extension.state.in_(PENDING)))
    if ext:  # D17-D18: what is confirmed; the due it would give counted as the confirmation does, not written
        amount, due = timedelta(minutes=ext.working_minutes), dossier.due_at
        page["review"] = {"ext": ext, "by": db().get(User, ext.requested_by), "short": short,
                          "amount": working_time_text(amount, cal.day_length),
                          "new_due": extension_law.new_due(cal, due, dossier.original_due_at, amount),
                          "confirm_by": due if short else cal.subtract_working_time(due, cal.day_length)}
    page.update(item=item, forms=_action_forms(item, active, values or {}, errors or {}), message=message,
                labels=_labels(item, values or {}), rule=rule, first_request=first, row=_row(item, {}),
                extension_cap=working_time_text(cap, cal.day_length), extension_in_hours=cap < cal.day_length,
                extension_short=short, taken=item.assignee_id not in (None, g.user.id))
    return render_template("inbox/task.html", **page), status


def _labels(item: WorkItem, values: dict) -> dict[str, str]:
    """Names for the fields of the action forms, to list them in an error summary."""
    names = schemaform.labels(tasks.form_schema(item) or {})
    names.update({"items": _("Các mục cần bổ sung"), "second_reason": _("Lý do yêu cầu bổ sung lần hai"),
                  "second_reason.kind": _("Loại lý do"), "second_reason.unmet_items": _("Các mục chưa đáp ứng"),
                  "second_reason.explanation": _("Giải thích"), "reasons": _("Lý do"), "reason": _("Lý do"),
                  "working_days": _("Thời gian gia hạn"), "working_hours": _("Thời gian gia hạn"),
                  "action": _("Thao tác")})
    for n in range(len(values.get("items") or []) + 3):
        for key, text in (("component", _("Thành phần hồ sơ")), ("problem", _("Thiếu hoặc sai ở đâu")),
                          ("required", _("Cần bổ sung, sửa đổi gì"))):
            names[f"items.{n}.{key}"] = _("Mục %(n)s", n=n + 1) + " › " + text
    reasons = values.get("reasons")
    for n in range(len(_lines(reasons)) if isinstance(reasons, str) else 0):  # a refusal's reasons, a line each
        names[f"reasons.{n}"] = f"{_('Lý do')} {n + 1}"
    return names


@bp.get("/cong-viec/<int:item_id>")
@login_required("officer")
def task(item_id: int):
    return _task_page(item_id)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def action_data(item: WorkItem, action: str, form) -> tuple[dict, dict]:
    """The posted form of ``action`` as the use case's data, and the raw values to show again."""
    kind = SPECIAL_FORMS.get(action)
    if kind == "supplement":
        rows = []
        for n in range(MAX_ITEMS):
            row: dict = {k: form.get(f"items.{n}.{k}", "").strip() for k in ("component", "problem", "required")}
            if any(row.values()):
                if form.get(f"items.{n}.paper") == "on":
                    row["paper"] = True  # paper original at collection (D9)
                rows.append(row)
        data: dict = {"items": rows}
        reason_kind = form.get("second_reason.kind", "")
        if reason_kind:
            reason = {"kind": reason_kind, "explanation": form.get("second_reason.explanation", "").strip()}
            unmet = [u for u in form.getlist("second_reason.unmet_items") if u.strip()]
            if unmet:
                reason["unmet_items"] = unmet
            data["second_reason"] = reason
        return data, {"items": rows, "second_reason": data.get("second_reason", {})}
    if kind == "refuse":
        text = form.get("reasons", "")
        return {"reasons": _lines(text)}, {"reasons": text}
    if kind == "extension":
        unit = form.get("unit") if form.get("unit") in ("working_days", "working_hours") else "working_days"
        raw, reason = form.get("amount", "").strip(), form.get("reason", "").strip()
        data = {"reason": reason}
        if raw:
            try:
                data[unit] = float(raw.replace(",", "."))
                data[unit] = int(data[unit]) if data[unit].is_integer() else data[unit]
            except (ValueError, OverflowError):  # "inf".is_integer() is False; int(inf) would overflow
                data[unit] = raw
        return data, {"amount": raw, "unit": unit, "reason": reason}
    if kind == "reason":
        reason = form.get("reason", "").strip()
        return {"reason": reason}, {"reason": reason}
    data = schemaform.parse(tasks.form_schema(item) or {}, form)
    return data, data


@bp.post("/cong-viec/<int:item_id>/<action>")
@login_required("officer")
def act(item_id: int, action: str):
    try:
        item = tasks.get(db(), g.user, item_id)
    except Conflict as exc:  # the form sent again (a double click, the back button) after the officer's own action
        if exc.code == "task_completed" and tasks.completed_by(db(), g.user, item_id):
            flash(_("Bạn đã thực hiện xong công việc này; lần gửi lại không làm gì thêm."), "info")
            return redirect(url_for("inbox.inbox"))
        raise
    code = item.dossier.code
    data, values = action_data(item, action, request.form)
    try:
        run(tasks.complete, db(), context(), item_id, action, data)
    except Invalid as exc:
        if exc.code == "action_not_offered":  # the use case's answer: no such action here, as a page
            abort(404)
        return _task_page(item_id, 422, action, values, _amount_said(exc.fields), refusal_text(exc), exc.rule)
    except (Conflict, StaleDataError, IntegrityError) as exc:
        # something changed meanwhile (an administrator suspended the dossier, a colleague took the work,
        # another command wrote the dossier first): the task page again with what was typed and why, not an
        # error page that loses it; when the task itself is gone, that page says so instead
        db().rollback()
        failure = failures.failure_of(exc)
        try:
            return _task_page(item_id, 409, action, values, failure.fields or {}, refusal_text(failure), failure.rule)
        except EngineError as gone:  # the task is gone: why (completed by whom and when), not why the write lost
            db().rollback()
            raise gone from None
    flash(_("Đã thực hiện “%(action)s” cho hồ sơ %(code)s.", action=ACTION_BUTTON.get(action, action), code=code),
          "success")
    return redirect(url_for("inbox.inbox"))


AMOUNT_HELP = "Nhập một số ngày hoặc số giờ làm việc, ví dụ 1 hoặc 0,5"


def _amount_said(fields: dict | None) -> dict:
    """An extension's amount that is no number, said as what to type ("abc" was "Sai kiểu dữ liệu")."""
    fields = dict(fields or {})
    for unit in ("working_days", "working_hours"):
        if fields.get(unit) in ("Sai kiểu dữ liệu", "Phải là số", "Phải là số nguyên"):
            fields[unit] = _(AMOUNT_HELP)
    return fields


# -- the dossier page (its routes: engine/web/inbox_dossiers.py) -----------------------------------------
def _dossier_page(code: str, status: int = 200, **extra):
    target = dossiers.visible_dossier(db(), g.user, code)
    page = _dossier_context(target)
    # D19, D29: asked of the head of the agency at fault only (the processing agency's while it holds the dossier)
    page["apology_needed"] = ("head_of_agency" in g.user.roles and apology_law.overdue_apology_needed(
        target, now(), letters.has_overdue_letter(db(), target))
        and g.user.agency_id == apology_step.apologising_agency(db(), target))
    page["desk_fields"] = None  # D5: a desk or post dossier's supplement is handed in to the one-stop
    if (target.status == SUPPLEMENT and "supplement_request" in page["d"]
            and filing.desk_supplements(g.user, target)):
        schema = target.procedure_version.forms[page["info"]["filing_form"]]
        page["desk_fields"] = schemaform.build(schema, extra.pop("desk_data", None) or page["d"]["form"],
                                               extra.get("desk_errors") or {}, id_prefix="desk")
        page["desk_labels"] = {**schemaform.labels(schema), "note": _("Ghi chú"),
                               **{f"file.{c['key']}": c["name"] for c in page["info"]["components"]}}
    return render_template("inbox/dossier.html", **page, **extra), status
