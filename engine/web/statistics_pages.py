"""The leaders' statistics page (D32, QĐ 766): the counters of a period as a table, three charts with their
tables (the monthly trend, on-time share per agency, the slowest steps), the indicators, downloads (CSV and
XLSX of the counters, the periodic report form as XLSX and PDF); and the public results page (no login): per
agency, the on-time share and the satisfaction of a month, as a province publishes them.

Every number comes from engine.reports (indexed aggregates over the period, on the reports' read-only
connection); the pages only arrange them. The public page keeps each month's answer for a few minutes in the
process (``PUBLIC_SECONDS``): it is the same for everybody, asked often, and a few minutes late is as the
province publishes it anyway. As anyone may ask any month, a month is computed once however many ask at once,
two at most at a time, and only the last PUBLIC_KEPT months asked are kept (engine.core.kept). The trend chart
counts only what it draws (received and resolved per month, engine.reports.trend) and keeps the closed months in
the process: a view counts the current month alone.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta

from flask import Blueprint, Response, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engine.core.collation import vn_sort_key
from engine.core.kept import KeptAnswers
from engine.core.clock import VN_TZ
from engine.core.errors import Invalid
from engine.data.model import Agency, Procedure
from engine.reports import exports, readonly, reportform
from engine.reports.indicators import indicators
from engine.reports.scope import Scope
from engine.reports.statistics import statistics
from engine.reports.steptimes import step_times
from engine.reports.trend import Kept, monthly

from . import charts, db, now, report_scope, tthc
from .headers import FILE_POLICY
from .numbers import number, percent
from .ui import install_error_pages, login_required

bp = Blueprint("statistics", __name__)
install_error_pages(bp)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TREND_MONTHS = 6   # the trend shows at least the six months up to the period's end
PUBLIC_SECONDS = 300
PUBLIC_KEPT = 36     # the months the public page keeps (any month may be asked: the kept ones are let go)
PUBLIC_AT_ONCE = 2   # the months it computes at a time, whoever asks (anyone may, without a login)
# The counters shown in the page's table, in groups: (group, [(counter, label, kind)]); kind: count, hours, score.
COUNTER_GROUPS = (
    (_l("Tiếp nhận"), (("received_online", _l("Trực tuyến"), "count"), ("received_desk", _l("Trực tiếp"), "count"),
                       ("received_post", _l("Bưu chính"), "count"))),
    (_l("Đã giải quyết"), (("resolved_early", _l("Trước hạn"), "count"), ("resolved_on_time", _l("Đúng hạn"), "count"),
                           ("resolved_late", _l("Quá hạn"), "count"),
                           ("avg_resolution_working_hours", _l("Trung bình (giờ làm việc)"), "hours"))),
    (_l("Đang giải quyết"), (("pending_in_time", _l("Trong hạn"), "count"),
                             ("pending_overdue", _l("Quá hạn"), "count"))),
    (_l("Bổ sung, gia hạn, xin lỗi"), (("supplement_first", _l("Bổ sung lần 1"), "count"),
                                       ("supplement_second", _l("Bổ sung lần 2"), "count"),
                                       ("extensions", _l("Gia hạn"), "count"), ("apologies", _l("Thư xin lỗi"), "count"))),
    (_l("Khác"), (("paid_online", _l("Thanh toán trực tuyến"), "count"),
                  ("rating_avg", _l("Điểm hài lòng (1–5)"), "score"))),
    # the agency's share of other agencies' procedures (liên thông), apart from the citizens' dossiers above
    (_l("Yêu cầu liên thông từ cơ quan khác"), (("handovers_received", _l("Tiếp nhận"), "count"),
                                               ("handovers_answered", _l("Đã trả lời"), "count"),
                                               ("handovers_answered_late", _l("Trả lời quá hạn"), "count"),
                                               ("handovers_pending", _l("Đang xử lý"), "count"))),
)


def reading():
    """The session reports read through: read-only, time-limited, on the replica when there is one."""
    return readonly.report_session(tthc()["settings"])


def _today() -> date:
    return now().astimezone(VN_TZ).date()


def _asked() -> report_scope.Asked:
    """The page's request: the form's empty fields mean "not chosen"."""
    args = {k: v for k, v in request.args.items() if v != ""}
    return report_scope.read(db(), g.user, args, _today())


def cell(row: dict, key: str, kind: str) -> str:
    value = row.get(key)
    if kind == "count":
        return number(value or 0)
    return number(value, 1)


def on_time_share(row: dict) -> charts.Share:
    """QĐ 766 2a as the notes give it: resolved early or on time over resolved plus pending already overdue."""
    on_time = int(row.get("resolved_early") or 0) + int(row.get("resolved_on_time") or 0)
    counted = on_time + int(row.get("resolved_late") or 0) + int(row.get("pending_overdue") or 0)
    return charts.Share(row.get("label") or row.get("key") or "", on_time, counted)


def chart_words() -> dict:
    return {key: _(text) for key, text in charts.WORDS.items()}


def _month_label(key: str) -> str:
    return f"{key[5:7]}/{key[:4]}" if len(key) == 7 else key


def _trend_scope(scope: Scope) -> Scope:
    first = scope.end.replace(day=1)
    for _n in range(TREND_MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return replace(scope, start=min(scope.start, first), group_by="month")


def _charts(session, settings, asked: report_scope.Asked, report, at) -> list[charts.Chart]:
    words = chart_words()
    scope = asked.scope
    # only the chart's two counts, the closed months kept by the application (engine.reports.trend)
    kept = tthc().setdefault("trend_months", Kept())
    months = [charts.Month(_month_label(key), received, resolved)
              for key, received, resolved in monthly(session, _trend_scope(scope), at, kept)]
    if asked.agency is not None:  # one agency: its total is its row
        agency_rows = [dict(report.total, key=asked.agency.code, label=asked.agency.name)]
    elif scope.group_by == "agency":
        agency_rows = report.rows
    else:
        agency_rows = statistics(session, settings, replace(scope, group_by="agency"), at).rows
    steps = step_times(session, settings, scope, at)
    several = len({s.procedure for s in steps}) > 1
    bars = [charts.Step(f"{s.procedure_name}: {s.task_name}" if several else s.task_name, s.avg_working_hours,
                        s.max_working_hours, s.late_share, s.count) for s in steps]
    return [charts.monthly_trend("chart-trend", months, words),
            charts.on_time_by_agency("chart-on-time", [on_time_share(r) for r in agency_rows], words),
            charts.slowest_steps("chart-steps", bars, words)]


def _choices(session, user) -> dict:
    """What the form offers: the agencies the user may choose (``whole``: the choice of all of them, named), and
    the procedures."""
    root, ids = report_scope.reach(session, user)
    query = select(Agency.code, Agency.name).order_by(Agency.name)
    agencies = sorted(session.execute(query if ids is None else query.where(Agency.id.in_(ids))),
                      key=lambda agency: vn_sort_key(agency.name))  # Vietnamese order (engine.core.collation)
    whole = _("Toàn tỉnh") if root is None else root.name if len(ids) > 1 else None
    procedures = list(session.execute(select(Procedure.code, Procedure.name).order_by(Procedure.code)))
    # an agency with units below it can be counted with them: offered to those who may see several agencies
    return {"agencies": agencies, "procedures": procedures, "whole": whole, "units": ids is None or len(ids) > 1}


def _form_values(args, asked: report_scope.Asked | None, today: date) -> dict:
    values = {k: args.get(k, "") for k in ("month", "from", "to", "agency", "procedure", "group_by", "subtree")}
    if asked is not None:
        named = asked.agency or asked.subtree
        values.update({"from": asked.scope.start.isoformat(), "to": asked.scope.end.isoformat(),
                       "group_by": asked.scope.group_by, "agency": named.code if named else "",
                       "subtree": "1" if asked.subtree else "",  # "Toàn tỉnh" ticked counts every agency already
                       "month": asked.month or ("" if args.get("from") or args.get("to") else f"{today:%Y-%m}")})
    return values


def _query(asked: report_scope.Asked) -> dict:
    """The request again as a query string's values (for the download links)."""
    query = {"from": asked.scope.start.isoformat(), "to": asked.scope.end.isoformat(),
             "group_by": asked.scope.group_by}
    if asked.agency:
        query["agency"] = asked.agency.code
    if asked.subtree:
        query.update(agency=asked.subtree.code, subtree="1")
    if asked.procedure:
        query["procedure"] = asked.procedure.code
    return query


@bp.get("/can-bo/thong-ke")
@login_required(*report_scope.READERS)
def leaders():
    today, settings, at = _today(), tthc()["settings"], now()
    page = {"choices": _choices(db(), g.user), "groups": COUNTER_GROUPS, "cell": cell, "errors": {},
            "formula_text": FORMULA_TEXT, "input_text": INPUT_TEXT, "official_number": official_number,
            "max_days": number(settings.report_max_days)}  # "1.830" on a Vietnamese page, "1,830" on an English one
    try:
        asked = _asked()
    except Invalid as exc:
        page.update(values=_form_values(request.args, None, today), errors=exc.fields, message=exc.message)
        return render_template("reports/statistics.html", **page), 422
    with reading() as session:
        report = statistics(session, settings, asked.scope, at)
        page.update(asked=asked, report=report, charts=_charts(session, settings, asked, report, at),
                    indicators=indicators(session, settings, asked.scope, at),
                    values=_form_values(request.args, asked, today), query=_query(asked))
    return render_template("reports/statistics.html", **page)


# The variants of a QĐ 766 indicator the engine computes another way, by the end of its id, in the page's words
VARIANT_TEXT = {"late": _l("cách tính của tỉnh")}


def official_number(indicator_id: str) -> str:
    """The indicator's number in QĐ 766/QĐ-TTg as the page shows it beside its name, not the engine's id:
    "2a-late", the province's late share, is the province's way of computing 2a (on time = 100 − late), so
    "2a (cách tính của tỉnh)", the official 2a's row keeping "2a" alone. The id stays the API's and the row's
    data-indicator."""
    number, _dash, variant = indicator_id.partition("-")
    return f"{number} ({VARIANT_TEXT[variant]})" if variant in VARIANT_TEXT else number


# The QĐ 766 indicators' formulas and inputs in the page's words (engine.reports.indicators keeps the API's names).
FORMULA_TEXT = {
    "2a": _l("(trước hạn + đúng hạn) / (đã giải quyết + đang giải quyết quá hạn) × 100"),
    "2a-late": _l("(đang giải quyết quá hạn + giải quyết quá hạn) / (tiếp nhận mới + kỳ trước chuyển sang) × 100"),
    "2b": _l("Σ giờ làm việc từ tiếp nhận đến khi có kết quả, không tính thời gian chờ công dân (bổ sung hồ sơ khi "
             "đang giải quyết, nộp phí, lệ phí) / đã giải quyết"),
    "3a": _l("số hóa / tiếp nhận mới × 100 (hồ sơ có ít nhất một thành phần điện tử)"),
    "3b": _l("kết quả điện tử / đã giải quyết × 100"),
    "3c": _l("tái sử dụng dữ liệu / tiếp nhận mới × 100"),
    "4c": _l("tiếp nhận trực tuyến / tiếp nhận mới × 100"),
    "4d": _l("thanh toán trực tuyến / lượt thanh toán × 100"),
    "5c": _l("(lượt đánh giá − không hài lòng) / lượt đánh giá × 100 (không hài lòng: 1 hoặc 2 điểm trên 5)"),
}
INPUT_TEXT = {
    "resolved_early": _l("trước hạn"), "resolved_on_time": _l("đúng hạn"), "resolved": _l("đã giải quyết"),
    "pending_overdue": _l("đang giải quyết quá hạn"), "resolved_late": _l("giải quyết quá hạn"),
    "received": _l("tiếp nhận mới"), "carried_over": _l("kỳ trước chuyển sang"), "working_hours": _l("giờ làm việc"),
    "digitised": _l("số hóa"), "electronic_results": _l("kết quả điện tử"), "reused": _l("tái sử dụng dữ liệu"),
    "received_online": _l("tiếp nhận trực tuyến"), "paid_online": _l("thanh toán trực tuyến"),
    "payments": _l("lượt thanh toán"), "rating_count": _l("lượt đánh giá"), "dissatisfied": _l("không hài lòng"),
}


def _file(content, media_type: str, name: str) -> Response:
    return Response(content, content_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"", "Cache-Control": "no-store",
        "Content-Security-Policy": FILE_POLICY})


def _name(stem: str, scope: Scope) -> str:
    return f"{stem}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}"


@bp.get("/can-bo/thong-ke/tai-ve")
@login_required(*report_scope.READERS)
def download():
    """The counters as the API exports them (CSV or XLSX), for the signed-in leader."""
    asked = _asked()
    kind = request.args.get("format", "xlsx")
    if kind not in ("csv", "xlsx"):
        raise Invalid(_("Định dạng không hợp lệ"), fields={"format": "csv, xlsx"})
    with reading() as session:
        report = statistics(session, tthc()["settings"], asked.scope, now())
    name = _name("thong-ke", asked.scope)
    if kind == "csv":
        return _file(exports.csv_bytes(report), "text/csv; charset=utf-8", name + ".csv")
    return _file(exports.xlsx_bytes(report), XLSX, name + ".xlsx")


def report_form_file(scope: Scope, reporter: str, kind: str) -> Response:
    """The periodic report form of ``scope`` as XLSX or PDF (the page's button and the API)."""
    if kind not in ("xlsx", "pdf"):
        raise Invalid(_("Định dạng không hợp lệ"), fields={"format": "xlsx, pdf"})
    settings = tthc()["settings"]
    with reading() as session:
        form = reportform.build(session, settings, scope, reporter, now())
    name = _name("bao-cao-tthc", scope)
    if kind == "pdf":
        return _file(reportform.to_pdf(settings, form, now()), "application/pdf", name + ".pdf")
    return _file(reportform.to_xlsx(form), XLSX, name + ".xlsx")


@bp.get("/can-bo/thong-ke/bieu-mau")
@login_required(*report_scope.READERS)
def report_form():
    asked = _asked()
    return report_form_file(asked.scope, asked.reporter(db()), request.args.get("format", "xlsx"))


# -- the public results page ---------------------------------------------------------------------------------------
_public_lock = threading.Lock()


def _last_month(today: date) -> str:
    return f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"


def public_answers() -> KeptAnswers:
    """The application's kept months of the public page: each computed once however many ask at once, two months
    at most computed at a time, PUBLIC_KEPT months kept PUBLIC_SECONDS each (engine.core.kept)."""
    kept = tthc().get("public_results")
    if kept is None:
        with _public_lock:
            kept = tthc().setdefault("public_results", KeptAnswers(PUBLIC_SECONDS, PUBLIC_KEPT, PUBLIC_AT_ONCE))
    return kept


def public_rows(month: str, first: date, last: date) -> tuple[list[dict], dict]:
    """Per agency and in total: on-time share and satisfaction of the month (kept PUBLIC_SECONDS)."""
    return public_answers().get(month, lambda: _public_rows(first, last))


def _public_rows(first: date, last: date) -> tuple[list[dict], dict]:
    with reading() as session:
        report = statistics(session, tthc()["settings"], Scope(first, last, None, None, "agency"), now())
    rows = []
    for row in report.rows + [dict(report.total, label=_("Toàn tỉnh"), key="")]:
        share = on_time_share(row)
        rows.append({"name": row.get("label") or "", "share": share, "rating_avg": row.get("rating_avg"),
                     "rating_count": int(row.get("rating_count") or 0),
                     "received": sum(int(row.get(k) or 0) for k in ("received_online", "received_desk",
                                                                      "received_post"))})
    total = rows.pop()
    return rows, total


@bp.get("/ket-qua-giai-quyet")
def public():
    today = _today()
    month = request.args.get("month") or _last_month(today)
    bounds = report_scope.month_bounds(month)
    if bounds is None or bounds[0] > today:
        message = _("Tháng không hợp lệ (YYYY-MM)") if bounds is None else _("Tháng này chưa bắt đầu")
        return render_template("reports/public.html", month=month, error=message, rows=[], total=None,
                               chart=None, latest=f"{today:%Y-%m}"), 422
    rows, total = public_rows(month, *bounds)
    chart = charts.on_time_by_agency("chart-public", [r["share"] for r in rows], chart_words())
    return render_template("reports/public.html", month=month, rows=rows, total=total, chart=chart, error=None,
                           label=f"{month[5:]}/{month[:4]}", latest=f"{today:%Y-%m}", percent=percent,
                           number=number)
