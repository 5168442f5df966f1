"""The citizen's own dossiers on the portal: the list (a page of PAGE), a dossier's page, and what the citizen
does there: supplement, withdrawal (D16), the return channel (D23), rating. Routes of the ``portal`` blueprint
of engine/web/portal.py (same URLs, same endpoint names: ``portal.dossier``...), apart from the catalogue and
the filing so that the portal keeps room; it uses the filing page's helpers (store, labels, return channel)
from there. Imported by the application factory (engine/web/__init__.py) before the blueprint is registered.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import (
    dossiers, filing, idempotency, inbox as paging, portal_cases, signing_requests, summary)
from engine.core.errors import Invalid
from engine.law.statuses import SUPPLEMENT, TERMINAL
from . import db, now, schemaform, tthc, uploads
from .dossier_view import (RESULT_KINDS, can_end, deadline_notes, document_rows, end_from_form, expected_fees,
                           remaining_text, time_left_text)
from .portal import _kind_text, _labels, _return_back, _return_payload, _reuses, _store_choices, bp
from .ui import context, login_required, refusal_text, run

PAGE = 50  # dossiers a page of the citizen's list


@bp.get("/ca-nhan/ho-so")
@login_required("citizen")
def my_dossiers():
    """50 a page, newest filing first (a cursor of the last row's filing time and id); each row as the list
    shows it, without the history and documents of the dossier's own page."""
    try:
        after = paging.parse_cursor(request.args.get("after"))
    except Invalid:
        after = None  # a stale or edited link: the first page
    found = dossiers.list_visible(db(), g.user, limit=PAGE + 1, light=True,
                                  before=(after.at, after.id) if after is not None and after.at else None)
    more, found = len(found) > PAGE, found[:PAGE]
    at = now()
    rows = summary.list_rows(db(), found, at, tthc()["settings"])
    for row in rows:  # the time left in the page's language; overdue from the due instant on (D19)
        row["remaining"] = time_left_text(row["time_left"], row["day_length"],
                                          row["due_at"] is not None and datetime.fromisoformat(row["due_at"]) <= at)
    after_last = paging.Cursor("v", found[-1].filed_at, found[-1].id).text() if more else None
    return render_template("portal/my_dossiers.html", rows=rows,
                           next_url=url_for("portal.my_dossiers", after=after_last) if after_last else None,
                           first_url=url_for("portal.my_dossiers") if after is not None else None)


def _dossier_page(code: str, status: int = 200, **extra):
    dossier = dossiers.visible_dossier(db(), g.user, code)
    d = summary.describe(db(), dossier, now=now(), settings=tthc()["settings"], viewer=g.user)
    d["remaining"] = remaining_text(dossier)  # the page's words
    d["expected_fees"], d["fees_outside"] = expected_fees(dossier)  # D26
    version = dossier.procedure_version
    schema = version.forms[version.info["filing_form"]]
    supplement_fields, store = None, []
    if "supplement_request" in d and can_end(dossier.status):
        supplement_fields = schemaform.build(schema, extra.pop("supplement_data", None) or d["form"],
                                             extra.get("supplement_errors") or {})
        store = _store_choices()
    return render_template("portal/dossier.html", d=d, info=version.info, rows=schemaform.rows(schema, d["form"]),
                           can_withdraw=can_end(dossier.status), store=store, reuse=extra.pop("reuse", {}),
                           can_change_return=dossier.status not in TERMINAL and dossier.suspended_at is None,
                           withdraw_labels={"reason": _("Lý do rút hồ sơ"), "confirm": _("Xác nhận rút hồ sơ")},
                           notes=deadline_notes(dossier, d, version.info),
                           results=[{**r, "kind_text": _kind_text(r["kind"], dossier.outcome)}
                                    for r in document_rows(d, version.info, RESULT_KINDS)],
                           issuing=[_kind_text(k, dossier.outcome)
                                    for k in signing_requests.being_issued(db(), dossier)],
                           filings=document_rows(d, version.info, ("filing",)),
                           supplement_fields=supplement_fields, rating=portal_cases.rating_of(db(), dossier),
                           refusal=portal_cases.refusal_reasons(db(), dossier), rater=portal_cases.owner_rates(db(), g.user, dossier),
                           labels=_labels(version), desk_only=filing.result_at_desk(version),
                           submit_token=extra.pop("submit_token", None) or secrets.token_urlsafe(24),
                           **extra), status


@bp.get("/ca-nhan/ho-so/<code>")
@login_required("citizen")
def dossier(code: str):
    return _dossier_page(code)


@bp.post("/ca-nhan/ho-so/<code>/bo-sung")
@login_required("citizen")
def supplement(code: str):
    target = dossiers.visible_dossier(db(), g.user, code)
    version = target.procedure_version
    schema = version.forms[version.info["filing_form"]]
    data = schemaform.parse(schema, request.form)
    note = request.form.get("note", "").strip()
    reuses = _reuses(version.info["components"])
    token = request.form.get("submit_token", "")

    chosen, kept = uploads.posted(version.info["components"]), uploads.kept()  # now, and held from a refusal
    if target.status == SUPPLEMENT and not (chosen or kept or reuses or note) and data == target.form \
            and request.form.get("confirm_nothing_new") != "1":
        # D10: the request is answered once; nothing chosen, typed or changed is asked about before it is sent
        return _dossier_page(code, 422, supplement_data=data, supplement_error=_(NOTHING_NEW), note=note,
                             reuse=reuses, submit_token=token, confirm_nothing_new=True)

    def supplement_with_uploads() -> bool:
        """Submit-once, as the filing form (engine.web.portal.file): a second post of the same page (a double
        click, a resend, the back button) is told that the supplement was sent, not that none is asked any more.
        False: that page was sent already."""
        claimed = None
        if token:
            claimed = idempotency.claim(db(), g.user, f"form:{token}", idempotency.fingerprint(request.path),
                                        now())
            if claimed.replay is not None:
                return False
        # while the request is open, then answer it
        uploads.attach_before_form(code, chosen, kept, schema, data, reuses)
        filing.supplement(db(), context(), code, {"form": data, **({"note": note} if note else {})})
        if claimed is not None:
            idempotency.remember(db(), claimed, 303, {"dossier": target.code})
        return True

    try:
        sent = run(supplement_with_uploads)
    except Invalid as exc:
        return _dossier_page(code, 422, supplement_data=data, supplement_errors=exc.fields,
                             supplement_error=refusal_text(exc), note=note, reuse=reuses, submit_token=token,
                             held=uploads.hold_refused(chosen, kept, exc.fields))
    if sent:
        flash(_("Đã gửi hồ sơ bổ sung. Hồ sơ được kiểm tra lại theo thời hạn mới."), "success")
    else:
        flash(_("Hồ sơ bổ sung này đã được gửi; không gửi lại lần nữa."), "info")
    return redirect(url_for("portal.dossier", code=target.code))


NOTHING_NEW = ("Bạn chưa chọn tệp nào, chưa sửa tờ khai và chưa ghi chú: hồ sơ sẽ được kiểm tra lại đúng như đã nộp, "
               "và chỉ được yêu cầu bổ sung một lần. Hãy bổ sung các mục được yêu cầu; nếu đã nộp bản giấy hoặc "
               "chắc chắn gửi như vậy, bấm “Gửi hồ sơ bổ sung” lần nữa.")


@bp.post("/ca-nhan/ho-so/<code>/rut")
@login_required("citizen")
def withdraw(code: str):
    """The citizen withdraws a dossier that has no result yet (D16, NĐ 118 Điều 21), after confirming."""
    return end_from_form(code, "withdraw", _dossier_page, {
        "confirm": _("Đánh dấu ô “Tôi xác nhận rút hồ sơ” để rút hồ sơ"),
        "reason": _("Nhập lý do rút hồ sơ"),
        "unconfirmed": _("Chưa xác nhận rút hồ sơ"),
        "done": _("Đã rút hồ sơ %(code)s. Thông báo dừng giải quyết hồ sơ ở mục “Kết quả và văn bản”.", code=code),
    }, "portal.dossier")


@bp.post("/ca-nhan/ho-so/<code>/nhan-ket-qua")
@login_required("citizen")
def change_return(code: str):
    """D23: the citizen changes how the result comes back, until it is returned."""
    back = _return_back("")
    try:
        run(filing.change_return, db(), context(), code, _return_payload(back))
    except Invalid as exc:
        return _dossier_page(code, 422, return_error=refusal_text(exc), return_errors=exc.fields, return_back=back)
    flash(_("Đã lưu cách nhận kết quả."), "success")
    return redirect(url_for("portal.dossier", code=code))


@bp.post("/ca-nhan/ho-so/<code>/danh-gia")
@login_required("citizen")
def rate(code: str):
    score, comment = request.form.get("score"), request.form.get("comment", "")
    try:
        run(portal_cases.rate, db(), context(), code, score, comment)
    except Invalid as exc:
        return _dossier_page(code, 422, rating_error=refusal_text(exc), rating_errors=exc.fields,
                             rating_score=(score or "").strip(), rating_comment=comment)  # what was typed, again
    flash(_("Cảm ơn bạn đã đánh giá."), "success")
    return redirect(url_for("portal.dossier", code=code))
