"""A year's official notice of days off (Tết, substitute days, make-up Saturdays: D13–D15), entered at once for the
province or for one agency (and the agencies below it, D29): what it changes in the override table, which open
dossiers' deadlines it moves and from what to what (computed with the real re-planning, writing nothing), and its
application, in one transaction with the re-planning, audited as an administrative action.

A notice with a year is the whole of that year for its scope: days of the scope's year it does not list are
removed (that is how a day is taken back, through the same preview). Without a year it only sets its days.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from engine.cases import administration, replanning
from engine.cases.dossiers import step_limits
from engine.core.calendar import WorkingCalendar
from engine.core.clock import VN_TZ
from engine.core.errors import Forbidden, Invalid, NotFound
from engine.core.settings import Settings
from engine.data import agencies, calendars
from engine.data.agency_model import Agency
from engine.data.calendar_model import CalendarNoticeYear
from engine.data.model import CalendarOverride, Dossier, User, WorkItem
from engine.process.forms import blank, has_hidden

KINDS = ("off", "working", "not_off")
SPOKEN = {"off": "off", "nghỉ": "off", "nghi": "off", "working": "working", "làm bù": "working", "lam bu": "working",
          "làm việc": "working", "not_off": "not_off", "không nghỉ": "not_off", "khong nghi": "not_off"}
MAX_DAYS, MAX_NAME = 366, 255
YEARS = (1900, 2999)
_DATE = r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}"
_KIND = "|".join(sorted((re.escape(k) for k in SPOKEN), key=len, reverse=True))
LINE = re.compile(rf"\s*(?P<first>{_DATE})(?:\s*(?:\.\.|–|-|đến)\s*(?P<last>{_DATE}))?\s*[|;,\t ]\s*"
                  rf"(?P<kind>{_KIND})\s*(?:[|;,\t ]\s*(?P<name>.*?))?\s*\Z", re.IGNORECASE)


def match_line(raw: str):
    """``LINE`` matched on ``raw`` with its runs of white space made one space: the pattern's spaces around a
    separator could each take them, and a long run before a word that does not fit was tried every way (a line
    of 6,000 spaces took 6 s); one space leaves one way."""
    return LINE.match(" ".join(raw.split()))


@dataclass(frozen=True)
class Line:
    day: date
    kind: str
    name: str


@dataclass
class Notice:
    scope: Agency | None  # None: the whole province
    year: int | None
    lines: list[Line]
    field: str = "days"  # where its days were given: "days" (the API), "lines" (the page's form)


@dataclass(frozen=True)
class Change:
    day: date
    before: tuple[str, str] | None  # (kind, name) in the scope's table now
    after: tuple[str, str] | None   # None: removed


@dataclass
class Plan:
    """What a notice changes: the table's rows, and per agency the chain of calendars the deadlines move along."""
    notice: Notice
    changes: list[Change]
    now_rows: list[tuple]
    candidate: list[tuple]
    paths: dict[str, str]
    now: datetime | None = None  # when it is previewed or applied: the deadlines reached by then stay
    _steps: dict[str, list[replanning.Step]] = field(default_factory=dict)

    @property
    def first_day(self) -> date | None:
        return min((c.day for c in self.changes), default=None)


# -- reading a notice ----------------------------------------------------------------------------------------
def _date(text: str) -> date:
    if "/" in text:
        day, month, year = (int(part) for part in text.split("/"))
        return date(year, month, day)
    year, month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def _iso(text: str) -> date:
    """YYYY-MM-DD exactly (not 20270202 nor 2027-W05-2); the refusal says the form or the day (2026-02-30)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError("ngày phải theo dạng YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"ngày không có thật: {text}") from None


def numbered(text: str, typed: list[tuple[int, str]] = ()) -> list[tuple[str, str]]:
    """The lines of a notice each with the words that point at it: ``text``'s by their number, the page's rows
    typed one by one (``typed``: row number, the line it makes) by their row of the table."""
    return ([(f"Dòng {number}", raw) for number, raw in enumerate(text.splitlines(), start=1)]
            + [(f"Dòng {number} của bảng", raw) for number, raw in typed])


def parse(text: str, typed: list[tuple[int, str]] = ()) -> list[Line]:
    """Lines as an official notice is copied: ``DAY[..DAY] KIND NAME`` (ISO or dd/mm/yyyy, a range with '..', '-'
    or 'đến', the kind in English or Vietnamese: nghỉ, làm bù, không nghỉ). Blank lines and '#' comments pass.
    ``typed``: the page's rows typed one by one (``numbered``)."""
    lines, problems = [], []
    for where, raw in numbered(text, typed):
        if not raw.strip() or raw.strip().startswith("#"):
            continue
        match = match_line(raw)
        if match is None:
            problems.append(f"{where}: cần 'ngày [đến ngày] loại tên', ví dụ 2027-02-05..2027-02-09 nghỉ Tết")
            continue
        try:
            first = _date(wrong := match["first"])
            last = _date(wrong := match["last"]) if match["last"] else first
        except ValueError:  # well written, but 31/02: say so, not how to write a day
            problems.append(f"{where}: ngày không có thật: {wrong}")
            continue
        lines.extend(_checked(first, last, SPOKEN[match["kind"].lower()], (match["name"] or "").strip(),
                              where, problems))
        _refuse_many(lines)
    _refuse(problems, "lines")
    return lines


def from_json(days) -> list[Line]:
    """The API's ``days``: a list of {"day", "kind", "name"}, or {"from", "to", "kind", "name"} for a range."""
    if not isinstance(days, list):
        raise Invalid("Danh sách ngày không hợp lệ", fields={"days": "Một danh sách"})
    lines, problems = [], []
    for n, item in enumerate(days):
        where = f"days.{n}"
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("kind", "name")) \
                or ("day" in item) == ("from" in item) or ("to" in item and "from" not in item) \
                or any(k in item and not isinstance(item[k], str) for k in ("day", "from", "to")):
            problems.append(f"{where}: cần day (hoặc from, to: YYYY-MM-DD), kind và name")
            continue
        try:
            first = _iso(item["day"] if "day" in item else item["from"])
            last = _iso(item["to"]) if "to" in item else first
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if item["kind"] not in KINDS:
            problems.append(f"{where}: loại phải là off, working hoặc not_off")
            continue
        lines.extend(_checked(first, last, item["kind"], item.get("name", "").strip(), where, problems))
        _refuse_many(lines)
    _refuse(problems, "days")
    return lines


def _checked(first: date, last: date, kind: str, name: str, where: str, problems: list[str]) -> list[Line]:
    if not YEARS[0] <= first.year <= YEARS[1] or not YEARS[0] <= last.year <= YEARS[1]:
        problems.append(f"{where}: năm ngoài khoảng {YEARS[0]}–{YEARS[1]}")
    elif last < first or (last - first).days >= 31:
        problems.append(f"{where}: khoảng ngày phải từ ngày đầu đến ngày cuối, tối đa 31 ngày")
    elif blank(name) or len(name) > MAX_NAME or has_hidden(name):  # a zero-width space is no holiday's name
        problems.append(f"{where}: cần tên theo thông báo (tối đa {MAX_NAME} ký tự)")
    else:
        return [Line(first + timedelta(days=n), kind, name) for n in range((last - first).days + 1)]
    return []


def _refuse_many(lines: list[Line]) -> None:
    """More days than a year has, as soon as they are read: a paste of thousands of ranges is not expanded."""
    if len(lines) > MAX_DAYS:
        raise Invalid(f"Tối đa {MAX_DAYS} ngày một lần", code="invalid_calendar", fields={"days": "Quá nhiều ngày"})


def _refuse(problems: list[str], name: str) -> None:
    if problems:
        raise Invalid("Thông báo lịch có dòng không hợp lệ: " + "; ".join(problems[:5]), code="invalid_calendar",
                      fields={name: "; ".join(problems[:20])})


def notice(session: Session, user: User, agency_code: str | None, year: int | None, lines: list[Line],
           field: str = "days") -> Notice:
    """A notice for ``agency_code``'s subtree (None: the province), checked against the administrator's scope."""
    if year is not None and not YEARS[0] <= year <= YEARS[1]:
        raise Invalid("Năm không hợp lệ", fields={"year": f"Từ {YEARS[0]} đến {YEARS[1]}"})
    scope = resolve(session, user, agency_code)
    _refuse_many(lines)
    counted = Counter(line.day for line in lines)
    days = list(counted)
    if len(counted) != len(lines):
        twice = sorted(d for d, n in counted.items() if n > 1)
        raise Invalid("Một ngày có hai dòng", code="invalid_calendar",
                      fields={"days": ", ".join(d.isoformat() for d in twice[:10])})
    if year is not None and any(d.year != year for d in days):
        raise Invalid(f"Mọi ngày phải thuộc năm {year}", code="invalid_calendar", fields={"days": "Ngày khác năm"})
    return Notice(scope, year, sorted(lines, key=lambda line: line.day), field)


def resolve(session: Session, user: User, agency_code: str | None) -> Agency | None:
    """The scope: the province (only its administrators), or an agency of the administrator's subtree."""
    root = administration.scope(session, user)
    if agency_code is None:
        if root is not None:
            raise Forbidden("Chỉ quản trị viên cấp tỉnh được sửa lịch của toàn tỉnh.", code="outside_your_agencies")
        return None
    agency = agencies.by_code(session, agency_code)
    if agency is None:
        raise NotFound("Không tìm thấy cơ quan", code="agency_not_found")
    administration.require(session, user, agency)
    return agency


# -- what it changes --------------------------------------------------------------------------------------
def plan(session: Session, notice: Notice, now: datetime | None = None, settings: Settings | None = None) -> Plan:
    """The changes ``notice`` makes to its scope's rows, read now from the database (not the 2-second cache);
    with ``now``, refused when one changes a day before today (``refuse_past``)."""
    scope_id = notice.scope.id if notice.scope is not None else None
    now_rows = [tuple(row) for row in session.execute(
        select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.name, CalendarOverride.agency_id)
        .order_by(CalendarOverride.day, CalendarOverride.id))]
    mine = {row[0]: (row[1], row[2]) for row in now_rows if row[3] == scope_id}
    wanted = {line.day: (line.kind, line.name) for line in notice.lines}
    changes = [Change(day, mine.get(day), after) for day, after in wanted.items() if mine.get(day) != after]
    if notice.year is not None:
        changes += [Change(day, before, None) for day, before in mine.items()
                    if day.year == notice.year and day not in wanted]
    changes.sort(key=lambda change: change.day)
    changed = {change.day: change.after for change in changes}
    candidate = [row for row in now_rows if not (row[3] == scope_id and row[0] in changed)]
    candidate += [(day, *after, scope_id) for day, after in changed.items() if after is not None]
    paths = {code: path for code, path in session.execute(select(Agency.code, Agency.path))}
    if now is not None:
        refuse_past(notice, changes, now, _same_status(settings, notice, now_rows, candidate, paths))
    return Plan(notice, changes, now_rows, candidate, paths, now)


def _same_status(settings: Settings | None, notice: Notice, now_rows: list, candidate: list, paths: dict):
    """``same(day)``: the scope's calendar works ``day`` (or not) after the notice as before; None: no settings."""
    if settings is None:
        return None
    code = notice.scope.code if notice.scope is not None else None
    before, after = (_built(settings, code, {d: (k, n) for d, k, n in calendars.applicable(rows, paths.get(code))})
                     for rows in (now_rows, candidate))
    return lambda day: before.is_working_day(day) == after.is_working_day(day)


def refuse_past(notice: Notice, changes: list[Change], now: datetime, same=None) -> None:
    """A day before today (Vietnam time) is not changed (D15, D19): its time has passed as it was counted and the
    deadlines over it were told and judged; moving them would make a dossier late at once, or in time again after
    its apology. Today may change (a storm declared in the morning: replanning.new_dates keeps what was reached);
    a day the notice leaves worked or not as it was is no change (``same(day)``: the year's notice entered in
    March lists 01/01 again, a past day's name is corrected)."""
    today = now.astimezone(VN_TZ).date()
    past = [change.day.isoformat() for change in changes
            if change.day < today and (same is None or not same(change.day))]
    if past:
        shown = ", ".join(past[:10]) + (", …" if len(past) > 10 else "")
        raise Invalid(f"Không sửa được ngày đã qua (trước hôm nay {today:%d/%m/%Y}): {shown}",
                      code="invalid_calendar", fields={notice.field: f"Ngày đã qua: {shown}"})


def steps(settings: Settings, plan: Plan, code: str) -> list[replanning.Step]:
    """The chain of ``code``'s calendars from now to the notice applied, one changed day at a time (a day its own
    or a nearer agency's row keeps is no change for it)."""
    if code not in plan._steps:
        path = plan.paths.get(code)
        before = dict((d, (k, n)) for d, k, n in calendars.applicable(plan.now_rows, path))
        after = dict((d, (k, n)) for d, k, n in calendars.applicable(plan.candidate, path))
        chain, current = [], dict(before)
        old = _built(settings, code, current)
        for day in sorted(set(before) | set(after)):
            if before.get(day) == after.get(day):
                continue
            if after.get(day) is None:
                current.pop(day, None)
            else:
                current[day] = after[day]
            new = _built(settings, code, current)
            chain.append(replanning.Step(day, old, new))
            old = new
        plan._steps[code] = chain
    return plan._steps[code]


def _built(settings: Settings, code: str, merged: dict) -> WorkingCalendar:
    return calendars.built(settings, code, tuple((d, *kn) for d, kn in sorted(merged.items())))


def _dossiers(session: Session, plan: Plan, after_id: int, batch: int) -> list[Dossier]:
    query = (select(Dossier).where(Dossier.id > after_id, replanning.affected(plan.first_day))
             .order_by(Dossier.id).limit(batch).options(defer(Dossier.workflow_state), defer(Dossier.form)))
    if plan.notice.scope is not None:
        query = query.where(Dossier.agency_id.in_(agencies.subtree_ids(plan.notice.scope)))
    return list(session.scalars(query))


@dataclass
class Moved:
    dossier: Dossier
    before: tuple
    after: tuple
    items: list[tuple[str, datetime | None, datetime | None]]  # open work items: name, due before, due after


def moves(session: Session, settings: Settings, plan: Plan, after_id: int = 0, limit: int = 50,
          batch: int = 200) -> tuple[list[Moved], int | None]:
    """One page of the open dossiers whose deadlines the notice moves, by id after ``after_id``; nothing is
    written. Returns the page and the id to continue after (None: the last page; a next page may still turn out
    empty when the dossiers left run over the days without moving)."""
    found: list[Moved] = []
    if plan.first_day is None:
        return found, None
    while True:
        rows = _dossiers(session, plan, after_id, batch)
        for dossier in rows:
            after_id = dossier.id
            chain = steps(settings, plan, replanning.calendar_code(dossier))
            if not chain:  # its calendar keeps every day of the notice (a nearer agency's row holds it)
                continue
            before = (dossier.intake_due_at, dossier.due_at, dossier.original_due_at)
            after = replanning.new_dates(session, dossier, chain, plan.now)
            # D30: a step's own limit may move where the dossier's deadlines do not (replanning.write)
            items = _items(session, dossier, after, chain[-1].new) if after != before or step_limits(dossier) else []
            if after != before or items:
                found.append(Moved(dossier, before, after, items))
                if len(found) == limit:  # a next page only if a dossier that may move is left
                    return found, after_id if _dossiers(session, plan, after_id, 1) else None
        if len(rows) < batch:
            return found, None


def _items(session: Session, dossier: Dossier, after: tuple, cal: WorkingCalendar) -> list[tuple]:
    """The open work items the notice moves, as ``replanning.write`` will (a task's own limit counted again
    under ``cal``, the notice applied, with the applicant's waits since the item was opened, D30)."""
    shown, limits, spans = [], step_limits(dossier), None
    for item in session.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id).order_by(WorkItem.id)):
        if item.step == "intake":
            cap = after[0]
        elif item.step not in replanning.OWN_DEADLINE:
            cap = after[1]
        else:
            continue
        limit = limits.get(item.spec_name)
        if limit is not None and spans is None:
            spans = replanning.waits(session, dossier)
        due = replanning.own_due(cal, dossier, item.created_at, limit, cap, spans or [])
        shown.append((item.name, item.due_at, due))
    return [row for row in shown if row[1] != row[2]]


def apply(session: Session, settings: Settings, user: User | None, notice: Notice, now: datetime) -> dict:
    """Write the notice's rows and move every affected open dossier's deadlines, in the caller's transaction,
    audited; returns what was done. The caller commits, then calls calendars.forget_overrides()."""
    done = plan(session, notice, now, settings)
    scope_id = notice.scope.id if notice.scope is not None else None
    if notice.year is not None and notice.scope is None:  # the province's official notice: the year is no longer
        entered = session.get(CalendarNoticeYear, notice.year)  # counted on the package's guess (D15)
        if entered is None:
            session.add(entered := CalendarNoticeYear(year=notice.year, applied_at=now))
        entered.applied_by, entered.applied_at = (user.username if user is not None else "cli"), now
    if not done.changes:
        return {"set": 0, "removed": 0, "moved": 0, "already_applied": True}
    rows = {row.day: row for row in calendars.scope_rows(session, scope_id, done.first_day)}
    actor = user.username if user is not None else "cli"
    for change in done.changes:
        row = rows.get(change.day)
        if change.after is None:
            session.delete(row)
            continue
        if row is None:
            session.add(row := CalendarOverride(day=change.day, agency_id=scope_id))
        row.kind, row.name, row.created_by, row.created_at = *change.after, actor, now
    session.flush()
    moved, after_id = 0, 0
    while True:
        batch = _dossiers(session, done, after_id, replanning.PAGE)
        for dossier in batch:
            after_id = dossier.id
            chain = steps(settings, done, replanning.calendar_code(dossier))
            if chain and replanning.write(session, settings, dossier, chain, now):
                moved += 1
        if len(batch) < replanning.PAGE:
            break
    removed = sum(1 for change in done.changes if change.after is None)
    administration.audit(session, now, user, "calendar_notice", "calendar", str(notice.year or done.first_day),
                         notice.scope, days=[c.day.isoformat() for c in done.changes][:MAX_DAYS],
                         set=len(done.changes) - removed, removed=removed, moved=moved)
    return {"set": len(done.changes) - removed, "removed": removed, "moved": moved, "already_applied": False}
