"""JSON API v1: reports a province sends upward (api.md "Reports"): D32 statistics (JSON, CSV, XLSX), the
QĐ 766 indicators and where the processing time goes.

Who may read: leaders (department leader, head of agency, centre director), for their own agency, and
administrators, for the agencies they administer (engine.cases.administration.scope: the province's, every
agency); engine.web.report_scope.reach, the statistics pages' rule. Everyone else: 403.
A period is required both ways (``from`` and ``to``), not reversed and at most ``report_max_days`` long;
an unknown agency or procedure, a bad grouping or format: 422 naming the field. Reports read on the
read-only report session (engine.reports.readonly): a report over its time limit answers 503.
"""
from __future__ import annotations

from dataclasses import asdict, replace

from flask import Blueprint, Response, g, jsonify, request
from engine.core.clock import iso_vn
from engine.core.errors import Forbidden, Invalid
from engine.reports import exports, indicators, readonly, statistics, steptimes
from engine.reports.scope import Scope, asked, flag
from . import db, now, report_scope, tthc
from .apiedge import authenticated
from .headers import FILE_POLICY

bp = Blueprint("reports", __name__, url_prefix="/api/v1/reports")

LEADERS = frozenset({"department_leader", "head_of_agency", "centre_director"})
READERS = LEADERS | {"administrator"}
FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def asked_scope(group_by: bool = True, procedure: bool = True) -> Scope:
    """The request's scope for the caller, or Invalid naming every bad field / Forbidden."""
    user = g.user
    if not (user.roles & READERS):
        raise Forbidden("Chỉ lãnh đạo và quản trị của cơ quan được xem báo cáo thống kê")
    args = request.args
    errors: dict[str, str] = {}
    subtree = flag(args.get("subtree"), "subtree", errors)  # the agency with the units below it (D29)
    if subtree and not args.get("agency"):  # every agency one may see is counted already (as the command says)
        errors["subtree"] = "Chỉ dùng cùng agency (cơ quan có đơn vị trực thuộc)"
    try:
        scope, agency_id = asked(db(), tthc()["settings"].report_max_days, args.get("from"), args.get("to"),
                                 args.get("agency"), args.get("procedure") if procedure else None,
                                 args.get("group_by") if group_by else None)
    except Invalid as exc:  # every bad field at once
        raise Invalid(exc.message, fields={**(exc.fields or {}), **errors}) from None
    if errors:
        raise Invalid("Yêu cầu báo cáo chưa hợp lệ", fields=errors)
    if user.agency_id is None and "administrator" not in user.roles:
        raise Forbidden("Chỉ lãnh đạo và quản trị của cơ quan được xem báo cáo thống kê")
    # the pages' rule of who sees what: of a subtree, the units the user may see
    return replace(scope, agencies=report_scope.within(db(), user, agency_id, subtree=subtree))


def _file(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, content_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store", "Content-Security-Policy": FILE_POLICY})


def _head(scope: Scope) -> dict:
    return {"from": scope.start.isoformat(), "to": scope.end.isoformat(), "group_by": scope.group_by,
            "agency": request.args.get("agency"), "subtree": bool(request.args.get("agency")) and len(scope.agencies or ()) > 1,
            "procedure": request.args.get("procedure"),
            "generated_at": iso_vn(now())}


@bp.get("/statistics")
@authenticated
def statistics_report():
    """D32 counters per agency, procedure or month, with the total (api.md "Reports")."""
    kind = request.args.get("format", "json")
    scope = asked_scope()
    if kind not in FORMATS:
        raise Invalid("Định dạng không hợp lệ", fields={"format": "json, csv hoặc xlsx"})
    settings = tthc()["settings"]
    with readonly.report_session(settings) as session:
        report = statistics.statistics(session, settings, scope, now())
    name = f"thong-ke-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}"
    if kind == "csv":
        return _file(exports.csv_bytes(report), "text/csv; charset=utf-8", name + ".csv")
    if kind == "xlsx":
        return _file(exports.xlsx_bytes(report), XLSX, name + ".xlsx")
    return jsonify({**_head(scope), "counters": list(statistics.COUNTERS), "rows": report.rows,
                    "total": report.total,
                    "second_supplement_reasons": [{**r, "at": iso_vn(r["at"])} for r in report.second_reasons]})


@bp.get("/indicators")
@authenticated
def indicators_report():
    """QĐ 766 indicators with their formulas' inputs (api.md "Reports")."""
    scope = asked_scope(group_by=False, procedure=False)
    settings = tthc()["settings"]
    with readonly.report_session(settings) as session:
        found = indicators.indicators(session, settings, scope, now())
    return jsonify({**_head(scope), "indicators": [asdict(i) for i in found]})


@bp.get("/step-times")
@authenticated
def step_times_report():
    """Where time goes: time spent per step and procedure, and the steps that most often run late."""
    scope = asked_scope(group_by=False)
    settings = tthc()["settings"]
    with readonly.report_session(settings) as session:
        rows = steptimes.step_times(session, settings, scope, now())
    return jsonify({**_head(scope), "steps": [asdict(r) for r in rows],
                    "most_often_late": [asdict(r) for r in steptimes.most_often_late(rows)]})
