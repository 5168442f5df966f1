"""Calendar administration (D13–D15, D29): a year's official notice entered for the province or an agency, its
preview (which open deadlines it moves, from what to what: nothing written) and its application; in the pages
(/quan-tri/lich) and the JSON API (/api/v1/calendar)."""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from engine.cases import administration, calendar_notices as notices
from engine.core.calendar import FIRST_YEAR, LAST_YEAR, year_problem
from engine.core.clock import VN_TZ, iso_vn
from engine.core.errors import Invalid, NotFound
from engine.data import agencies, calendars
from engine.data.agency_model import Agency
from . import ASCII_NUMBER, calendar_words, db, now, tthc, unit_of_work
from .apiedge import authenticated, body
from .ui import install_error_pages, login_required

bp = Blueprint("admin_calendar", __name__)
install_error_pages(bp)
api_bp = Blueprint("calendar_api", __name__, url_prefix="/api/v1/calendar")

KIND_TEXT = {"off": _l("Nghỉ"), "working": _l("Làm bù"), "not_off": _l("Không nghỉ")}
SOURCE_TEXT = {"file": _l("Tệp cấu hình"), "province": _l("Toàn tỉnh"), "package": _l("Lịch dự kiến")}
MAKEUP = "Ngày làm bù"  # engine.core.calendar's reason for a make-up working day ("Ngày làm bù: <its name>")


def day_reason(reason: str) -> str:
    """A day's reason in the page's language: the calendar's own words for a make-up day are translated, the name
    the notice gave it (the agency's words) is kept."""
    if reason == MAKEUP:
        return _("Ngày làm bù")
    if reason.startswith(MAKEUP + ": "):
        return f"{_('Ngày làm bù')}: {reason[len(MAKEUP) + 2:]}"
    return reason


PAGE = 50
SAMPLE = "2027-02-04..2027-02-12 nghỉ Tết Nguyên đán\n2027-02-20 làm bù làm bù thứ Bảy cho ngày 12/02"
# The days a notice may set: the working calendar's years (engine.core.calendar.year_problem, as `tthc calendar
# set` and `tthc calendar day`: +07:00 since 1975, the holiday tables end in 2100), not the wider years a request
# may name elsewhere.
YEARS = (FIRST_YEAR, LAST_YEAR)
ROWS = 6  # the rows of the page's form typed one by one
TYPED = ("lines", *(f"{k}{n}" for n in range(1, ROWS + 1) for k in ("from", "to", "kind", "name")))
YEAR_OF = re.compile(r"\s*(?:([0-9]{4})-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/([0-9]{4}))\Z")


def _number(raw, name: str, low: int, high: int, *, json: bool = False, blank: bool = True) -> int | None:
    """A number of a query or a form (ASCII digits), or of a JSON body (an integer, not a string or a boolean).
    A form's empty field is no number (``blank``); the API's ``?year=`` is a wrong one, as its schema says."""
    if raw is None or (raw == "" and not json and blank):
        return None
    digits = isinstance(raw, str) and not json and ASCII_NUMBER.match(raw)
    if json and isinstance(raw, float) and raw.is_integer():  # JSON Schema's integer: 2080.0 is 2080
        raw = int(raw)
    number = isinstance(raw, int) and not isinstance(raw, bool) and json
    if not (digits or number) or not low <= int(raw) <= high:
        raise Invalid("Tham số không hợp lệ", fields={name: f"Một số nguyên từ {low} đến {high}"})
    return int(raw)


def _code(raw, name: str = "agency") -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 60:
        raise Invalid("Mã cơ quan không hợp lệ", fields={name: "Mã định danh cơ quan"})
    return raw


def _this_year() -> int:
    return now().astimezone(VN_TZ).year


def _year_of(text) -> int | None:
    found = YEAR_OF.match(text) if isinstance(text, str) else None
    return int(found.group(1) or found.group(2)) if found else None


def _notice_year(raw, *, json: bool = False) -> int | None:
    """The notice's year: a number of the working calendar's years, told as the command line tells it."""
    year = _number(raw, "year", *notices.YEARS, json=json)
    if year is not None and year_problem(year):
        raise Invalid("Năm ngoài lịch làm việc: " + year_problem(year), code="invalid_calendar",
                      fields={"year": year_problem(year)})
    return year


def _refuse_years(found: list[str], name: str) -> None:
    if found:
        raise Invalid("Thông báo lịch có ngày ngoài lịch làm việc: " + "; ".join(found[:5]), code="invalid_calendar",
                      fields={name: "; ".join(found[:20])})


def _text_years(text: str, typed: list[tuple[int, str]]) -> None:
    """The lines of a notice whose days fall outside the working calendar's years, as parse names them (the rest
    of each line is read, and told, by engine.cases.calendar_notices.parse)."""
    found = []
    for where, raw in notices.numbered(text, typed):
        match = notices.match_line(raw)
        years = {_year_of(match[k]) for k in ("first", "last") if match and match[k]} - {None}
        found += [f"{where}: {year_problem(y)}" for y in sorted(years) if year_problem(y)][:1]
    _refuse_years(found, "lines")


def _json_years(days) -> None:
    """The API's ``days`` whose day, from or to falls outside the working calendar's years."""
    found = []
    for n, item in enumerate(days if isinstance(days, list) else []):
        years = {_year_of(item.get(k)) for k in ("day", "from", "to")} - {None} if isinstance(item, dict) else set()
        found += [f"days.{n}: {year_problem(y)}" for y in sorted(years) if year_problem(y)][:1]
    _refuse_years(found, "days")


# -- API --------------------------------------------------------------------------------------------------
@api_bp.get("")
@authenticated
def year_days():
    # the working calendar's years (YEARS), as `tthc calendar day`: a year it does not hold is no year without days off
    year = _number(request.args.get("year"), "year", *YEARS, blank=False) or _this_year()
    code = _code(request.args.get("agency"))
    agency = agencies.by_code(db(), code) if code is not None else None
    if code is not None and agency is None:
        raise NotFound("Không tìm thấy cơ quan", code="agency_not_found")
    settings = tthc()["settings"]
    return jsonify({"year": year, "agency": code,
                    "provisional": calendars.provisional(db(), settings, date(year, 1, 1)),
                    "days": calendars.year_days(db(), settings, agency, year)})


def _notice_from_body() -> tuple[notices.Notice, dict]:
    administration.scope(db(), g.user)  # who may before what: 403 not_administrator, not a 422 on the body
    data = body()
    year = _notice_year(data.get("year"), json=True)
    _json_years(data.get("days"))
    notice = notices.notice(db(), g.user, _code(data.get("agency")), year, notices.from_json(data.get("days")))
    return notice, data


def describe_plan(plan: notices.Plan) -> list[dict]:
    return [{"day": c.day.isoformat(), "before": _kind_name(c.before), "after": _kind_name(c.after)}
            for c in plan.changes]


def _kind_name(pair) -> dict | None:
    return None if pair is None else {"kind": pair[0], "name": pair[1]}


def describe_move(moved: notices.Moved) -> dict:
    names = ("intake_due_at", "due_at", "original_due_at")
    d = moved.dossier
    return {"code": d.code, "agency": notices.replanning.calendar_code(d), "status": d.status,
            "moves": [{"what": name, "from": iso_vn(a), "to": iso_vn(b)}
                      for name, a, b in zip(names, moved.before, moved.after) if a != b],
            "steps": [{"step": name, "from": iso_vn(a), "to": iso_vn(b)} for name, a, b in moved.items]}


@api_bp.post("/preview")
@authenticated
def preview():
    notice, data = _notice_from_body()
    after = _number(data.get("after"), "after", 0, 2**31 - 1, json=True) or 0
    limit = _number(data.get("limit"), "limit", 1, 200, json=True) or PAGE
    plan = notices.plan(db(), notice, now(), tthc()["settings"])
    rows, following = notices.moves(db(), tthc()["settings"], plan, after, limit)
    db().rollback()
    return jsonify({"agency": notice.scope.code if notice.scope else None, "year": notice.year,
                    "changes": describe_plan(plan), "already_applied": not plan.changes,
                    "dossiers": [describe_move(m) for m in rows], "next": following})


@api_bp.post("/apply")
@authenticated
def apply():
    with unit_of_work() as session:
        notice, _data = _notice_from_body()
        result = notices.apply(session, tthc()["settings"], g.user, notice, now())
    calendars.forget_overrides()
    return jsonify({"agency": notice.scope.code if notice.scope else None, "year": notice.year, **result})


# -- pages ------------------------------------------------------------------------------------------------
def _scopes() -> tuple[list[Agency], bool]:
    """The agencies the administrator may enter a notice for, and whether the province is one of the choices."""
    root = administration.scope(db(), g.user)
    query = select(Agency).where(Agency.id.in_(administration.agency_ids(db(), g.user))).order_by(Agency.path)
    return list(db().scalars(query.limit(500))), root is None


def _as_text(rows) -> str:
    """A scope's rows as notice lines, consecutive days of one kind and name as one range."""
    lines, run = [], []
    for row in rows:
        if run and (row.day - run[-1].day).days == 1 and (row.kind, row.name) == (run[-1].kind, run[-1].name):
            run.append(row)
            continue
        if run:
            lines.append(_line(run))
        run = [row]
    if run:
        lines.append(_line(run))
    return "\n".join(lines)


def _line(run) -> str:
    first, last = run[0].day.isoformat(), run[-1].day.isoformat()
    return f"{first}{'..' + last if last != first else ''} {run[0].kind} {run[0].name}"


def _form_notice() -> notices.Notice:
    year = _notice_year(request.form.get("year")) or _this_year()
    text, typed = request.form.get("lines", ""), []
    for n in range(1, ROWS + 1):  # the rows typed one by one join the pasted text, told by their own number
        first, kind, name = (request.form.get(f"{k}{n}", "").strip() for k in ("from", "kind", "name"))
        last = request.form.get(f"to{n}", "").strip()
        if first or name:
            typed.append((n, f"{first}{'..' + last if last else ''} {kind or 'off'} {name}"))
    if len(text) + sum(len(line) for _n, line in typed) > 50_000:
        raise Invalid("Thông báo quá dài", fields={"lines": "Tối đa 50000 ký tự"})
    _text_years(text, typed)
    lines, code = notices.parse(text, typed), _code(request.form.get("agency"))
    try:
        return notices.notice(db(), g.user, code, year, lines, field="lines")
    except NotFound as exc:  # the form again with what was typed (a bare 404 page lost it)
        raise Invalid(exc.message, code="agency_not_found", fields={"agency": f"Không có cơ quan mã {code}"})


def _page(year: int, code: str | None, *, status: int = 200, error: Invalid | None = None, keep: bool = False):
    """The calendar page of ``year`` for ``code`` (None: the province, or the administrator's own agency); with
    ``error``, the notice refused, what was typed kept in the form; with ``keep``, the form as the preview sent it
    back."""
    scopes, province = _scopes()
    code = code or (None if province else (scopes[0].code if scopes else None))
    scope = notices.resolve(db(), g.user, code)
    rows = calendars.scope_rows(db(), scope.id if scope else None, date(year, 1, 1), date(year, 12, 31))
    typed = {k: request.form.get(k, "") for k in TYPED} if error is not None or keep else {}
    return render_template("admin/calendar/page.html", year=year, scopes=scopes, province=province, scope=scope,
                           rows=rows, text=typed["lines"] if typed else _as_text(rows), sample=SAMPLE,
                           KIND_TEXT=KIND_TEXT, without={r.day: _as_text([o for o in rows if o.day != r.day])
                                                         for r in rows},
                           days=calendars.year_days(db(), tthc()["settings"], scope, year), SOURCE_TEXT=SOURCE_TEXT,
                           day_reason=day_reason, years=YEARS, typed=typed, error=calendar_words.refusal(error.message) if error else None,
                           rows_typed=range(1, ROWS + 1)), status


def _form_scope() -> tuple[int, str | None]:
    """The year and the agency a form sent, as the page may show them (an unknown one: the page's own)."""
    raw = request.form.get("year", "")
    year = int(raw) if ASCII_NUMBER.match(raw) and not year_problem(int(raw)) else _this_year()
    try:
        code = _code(request.form.get("agency"))
    except Invalid:
        code = None
    if code is not None and agencies.by_code(db(), code) is None:
        code = None
    return year, code


def _refused(error: Invalid):
    """A notice the form sent and the engine refused: the page again, its message, and the form as typed (422)."""
    db().rollback()
    year, code = _form_scope()
    return _page(year, code, status=422, error=error)


@bp.get("/quan-tri/lich")
@login_required("administrator")
def page():
    year = _number(request.args.get("nam"), "nam", *YEARS) or _this_year()
    return _page(year, _code(request.args.get("co_quan")))


@bp.post("/quan-tri/lich")
@login_required("administrator")
def back_page():
    """The preview's "Quay lại": the page of the notice's year and agency, the notice back in the form as typed."""
    year, code = _form_scope()
    return _page(year, code, keep=True)


@bp.post("/quan-tri/lich/xem-truoc")
@login_required("administrator")
def preview_page():
    try:
        notice = _form_notice()
        plan = notices.plan(db(), notice, now(), tthc()["settings"])
    except Invalid as exc:
        return _refused(exc)
    after = _number(request.form.get("sau"), "sau", 0, 2**31 - 1) or 0
    rows, following = notices.moves(db(), tthc()["settings"], plan, after, PAGE)
    db().rollback()
    return render_template("admin/calendar/preview.html", notice=notice, plan=plan, rows=rows, following=following,
                           text="\n".join(f"{line.day.isoformat()} {line.kind} {line.name}" for line in notice.lines),
                           KIND_TEXT=KIND_TEXT, first_page=after == 0,
                           typed={k: request.form[k] for k in TYPED if request.form.get(k)})


@bp.post("/quan-tri/lich/ap-dung")
@login_required("administrator")
def apply_page():
    try:
        with unit_of_work() as session:
            notice = _form_notice()
            result = notices.apply(session, tthc()["settings"], g.user, notice, now())
    except Invalid as exc:
        return _refused(exc)
    calendars.forget_overrides()
    if result["already_applied"]:
        flash(_("Thông báo này đã được áp dụng: không có ngày nào thay đổi."), "success")
    else:
        days, moved = result["set"] + result["removed"], result["moved"]  # one count a part: "1 day", "2 days"
        flash(ngettext("Đã áp dụng thông báo: %(n)s ngày thay đổi,", "Đã áp dụng thông báo: %(n)s ngày thay đổi,",
                       days, n=days) + " " + ngettext("%(n)s hồ sơ được tính lại hạn.",
                                                      "%(n)s hồ sơ được tính lại hạn.", moved, n=moved), "success")
    return redirect(url_for("admin_calendar.page", nam=notice.year,
                            co_quan=notice.scope.code if notice.scope else None))


def register(app) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
