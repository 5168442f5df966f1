"""`tthc calendar`: due instants and days on the working calendar, and the administrator's overrides (which
re-plan the open dossiers whose deadlines run over the changed day)."""
from __future__ import annotations

import re
from datetime import date, datetime

import click

from engine.cases import preflight
from engine.cases.preflight import upgrade_database
from engine.core.calendar import year_problem
from engine.core.clock import VN_TZ, SystemClock
from engine.core.settings import Settings
from engine.data import calendars
from engine.law import deadlines

_settings = preflight.command_settings
_sessions = preflight.command_sessions
clock = SystemClock()  # the time of `set` and `clear` (the tests put a FixedClock here)


@click.group(help="Lịch làm việc (ngày làm việc, giờ hành chính, ngày lễ).")
def calendar() -> None:
    pass


def _agency_code(ctx, param, value: str | None) -> str | None:
    """--agency "": refused before anything is read or written (it said "không có cơ quan mã ", naming nothing)."""
    if value is not None and not value.strip():
        raise click.BadParameter("mã cơ quan trống (bỏ --agency để dùng lịch của toàn tỉnh)")
    return value


def _calendar(settings: Settings, agency: str | None):
    from engine.data import agencies

    configured = calendars.calendar_config(settings).agency_blocks  # office hours of the calendar file, by code
    sessions = _sessions(settings)
    try:
        with sessions() as session:
            if agency is None or agency in configured or agencies.by_code(session, agency) is not None:
                return calendars.calendar_for(session, settings, agency)
    except Exception:  # no database yet: the configured calendar alone
        if agency is None or agency in configured:
            return calendars.calendar_for(None, settings, agency)
    raise click.ClickException(f"không có cơ quan mã {agency}")  # its office hours were silently the province's


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"không phải thời điểm ISO 8601: {text}")
    value = value if value.tzinfo else value.replace(tzinfo=VN_TZ)
    if year_problem(value.astimezone(VN_TZ).year):
        raise click.BadParameter(year_problem(value.astimezone(VN_TZ).year))
    return value


@calendar.command("due", help="In thời hạn (ISO 8601, +07:00) tính từ START.")
@click.argument("start")
@click.option("--working-days", type=float)
@click.option("--working-hours", type=float)
@click.option("--calendar-days", type=float)
@click.option("--same-day", is_flag=True, help="Thủ tục trong ngày (trước 15:00: cuối ngày; sau: ngày kế tiếp).")
@click.option("--agency", default=None, callback=_agency_code, help="Mã định danh cơ quan (giờ làm việc riêng).")
def calendar_due(start: str, working_days, working_hours, calendar_days, same_day, agency) -> None:
    given = [(v, u) for v, u in ((working_days, "working_day"), (working_hours, "working_hour"),
                                 (calendar_days, "calendar_day"), (1 if same_day else None, "same_day"))
             if v is not None]
    if len(given) != 1:
        raise click.UsageError("cần đúng một trong --working-days, --working-hours, --calendar-days, --same-day")
    value, unit = given[0]
    if unit != "same_day" and preflight.duration_problem(value, unit):  # nan, inf and 1e12 overflow the dates
        raise click.BadParameter(preflight.duration_problem(value, unit))  # a usage error (2), as "abc" is
    # 0 of any unit is counted as the engine counts a dossier's deadline (D13, D16): from the intake's clock
    # time, so the start (after the cut-off, the start of the next working day). `--working-days 0` used to be
    # the close of the day, the spelling of a same-day procedure before --same-day, unlike the other two units.
    cal = _calendar(_settings(calendar=True), agency)
    due = deadlines.result_due(cal, _instant(start), {"value": value, "unit": unit}).astimezone(VN_TZ)
    if year_problem(due.year):  # counted with no holiday table (2101-01-07 printed, exit 0), as `calendar day` refuses
        raise click.BadParameter(f"thời hạn rơi vào {due.date().isoformat()}: {year_problem(due.year)}",
                                 param_hint="START")
    click.echo(due.isoformat())


def _not_past(day: date) -> None:
    """`set` and `clear` change today or a later day, not one already past (D15, D19; as the calendar pages and
    engine.cases.calendar_notices.refuse_past): its time was counted, its deadlines told and judged."""
    today = clock.now().astimezone(VN_TZ).date()
    if day < today:
        raise click.BadParameter(f"không sửa được ngày đã qua: {day.isoformat()} (hôm nay là {today.isoformat()})",
                                 param_hint="DAY")


def _day(text: str) -> date:
    try:  # exactly YYYY-MM-DD: Python alone also takes 20260213 and 2026-W07-5
        parsed = date.fromisoformat(text) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise click.BadParameter(f"không phải ngày YYYY-MM-DD: {text}", param_hint="DAY")  # the argument named
    if year_problem(parsed.year):
        raise click.BadParameter(year_problem(parsed.year), param_hint="DAY")
    return parsed


@calendar.command("day", help="In 'working' hoặc 'off' và lý do.")
@click.argument("day")
@click.option("--agency", default=None, callback=_agency_code)
def calendar_day(day: str, agency) -> None:
    settings, parsed = _settings(calendar=True), _day(day)
    info = _calendar(settings, agency).day(parsed)
    note = f"\t{_provisional_note(parsed.year)}" if _provisional(settings, parsed) else ""
    click.echo(f"{'working' if info.working else 'off'}\t{info.reason}{note}")


def _provisional(settings: Settings, day: date) -> bool:
    """Provisional unless the calendar file or an administrator's entered notice has the year (no database
    yet: the file alone, as ``_calendar`` reads it)."""
    try:
        with _sessions(settings)() as session:
            return calendars.provisional(session, settings, day)
    except Exception:  # noqa: BLE001 - no database yet
        return calendars.calendar_config(settings).provisional(day)


def _provisional_note(year: int) -> str:
    return (f"tạm tính: năm {year} chưa có thông báo chính thức về lịch nghỉ (trong tệp cấu hình lịch hoặc do "
            "quản trị viên nhập), ngày nghỉ lấy theo lịch dự kiến")


@calendar.command("set", help="Ghi đè lịch cho một ngày: off (nghỉ), working (làm bù), not_off (bỏ ngày lễ). "
                               "Chỉ hôm nay hoặc một ngày sau. Các hồ sơ đang giải quyết có hạn đi qua ngày đó được "
                               "tính lại hạn.")
@click.argument("day")
@click.argument("kind", type=click.Choice(["off", "working", "not_off"]))
@click.option("--name", required=True, help="Tên, theo thông báo chính thức.")
@click.option("--agency", default=None, callback=_agency_code,
              help="Mã định danh cơ quan: chỉ cơ quan đó và các cơ quan trực thuộc (mặc định: toàn tỉnh).")
def calendar_set(day: str, kind: str, name: str, agency: str | None) -> None:
    from engine.data.model import CalendarOverride

    settings = _settings()
    parsed = _day(day)
    from engine.process.forms import clean_text

    name = clean_text(name, min_length=1, max_length=255)
    if name is None:
        raise click.BadParameter("tên ngày: 1–255 ký tự, không có ký tự điều khiển", param_hint="--name")
    _not_past(parsed)
    upgrade_database(settings)

    def change(session, agency_id) -> None:
        rows = calendars.scope_rows(session, agency_id, parsed, parsed)
        row = rows[0] if rows else CalendarOverride(day=parsed, agency_id=agency_id)
        row.kind, row.name, row.created_by, row.created_at = kind, name, "cli", clock.now()
        session.add(row)

    moved = _override(settings, parsed, agency, change)
    click.echo(f"{parsed.isoformat()}\t{kind}\t{name}")
    click.echo(f"{moved} hồ sơ đang giải quyết được tính lại hạn")


@calendar.command("clear", help="Bỏ ghi đè lịch của một ngày, hôm nay hoặc sau (và tính lại hạn các hồ sơ đi qua "
                                 "ngày đó).")
@click.argument("day")
@click.option("--agency", default=None, callback=_agency_code,
              help="Mã định danh cơ quan (mặc định: ghi đè của toàn tỉnh).")
def calendar_clear(day: str, agency: str | None) -> None:
    settings = _settings()
    parsed = _day(day)
    _not_past(parsed)

    removed = []

    def change(session, agency_id) -> None:
        for row in calendars.scope_rows(session, agency_id, parsed, parsed):
            session.delete(row)
            removed.append(row)

    moved = _override(settings, parsed, agency, change)
    if removed:
        click.echo(f"{parsed.isoformat()}\tcleared")
    else:  # "cleared" said that something was removed; a run again after an interrupted one still re-plans
        click.echo(f"{parsed.isoformat()}\tkhông có ghi đè nào của ngày này" + ("" if moved else "; lịch không đổi"))
    if removed or moved:
        click.echo(f"{moved} hồ sơ đang giải quyết được tính lại hạn")


def _override(settings: Settings, day: date, agency: str | None, change) -> int:
    """Write the override table (audited as an administrative action of the operator), then re-plan the open
    dossiers whose deadlines run over ``day``; returns how many moved. The calendars before the change are taken
    first, to count the old deadlines with.

    The re-planning commits page by page after the table: interrupted (a crash, Ctrl-C, a page made stale too
    often), the same command run again finds the table already changed and nothing to count from. The event
    of each run records the day's row before and after it, so that the re-run takes the calendars before the
    interrupted run back from it and re-plans the dossiers still counted on them (D15: their calendar_version)."""
    from engine.cases import administration, replanning
    from engine.data import agencies

    sessions = _sessions(settings)
    with sessions() as session:
        before = replanning.agency_calendars(session, settings)
    with sessions.begin() as session:
        scope = None
        if agency is not None:
            scope = agencies.by_code(session, agency)
            if scope is None:
                raise click.ClickException(f"không có cơ quan mã {agency}")
        scope_id = scope.id if scope is not None else None
        was = _state(session, scope_id, day)
        change(session, scope_id)
        session.flush()
        now_state = _state(session, scope_id, day)
        resumed = _interrupted_before(session, scope_id, day, now_state) if now_state == was else None
        administration.audit(session, clock.now(), None, "calendar_day", "calendar", day.isoformat(), scope,
                             before=resumed[0] if resumed else was, after=now_state)
    calendars.forget_overrides()
    if resumed:
        with sessions() as session:
            before = replanning.calendars_with(session, settings, day, scope_id, resumed[0])
    return replanning.replan(sessions, settings, day, before, clock.now(), resume=bool(resumed))


def _state(session, scope_id: int | None, day: date) -> list[str] | None:
    """The scope's override of ``day`` as [kind, name] (as the audit event keeps it), None: no row."""
    rows = calendars.scope_rows(session, scope_id, day, day)
    return [rows[0].kind, rows[0].name] if rows else None


def _interrupted_before(session, scope_id: int | None, day: date, state) -> tuple | None:
    """The command changes nothing in the table: the day's row before the run that put it there, as (state,)
    when that run's event recorded it (its re-planning may have been interrupted), else None. One event read,
    by the admin event index on its target."""
    from sqlalchemy import select

    from engine.data.agency_model import AdminEvent

    event = session.scalar(
        select(AdminEvent).where(AdminEvent.target_kind == "calendar", AdminEvent.target == day.isoformat(),
                                 AdminEvent.action == "calendar_day",
                                 AdminEvent.agency_id.is_(None) if scope_id is None
                                 else AdminEvent.agency_id == scope_id)
        .order_by(AdminEvent.id.desc()).limit(1))
    details = event.details if event is not None else {}
    if "before" not in details or details.get("after") != state or details["before"] == state:
        return None
    return (details["before"],)
