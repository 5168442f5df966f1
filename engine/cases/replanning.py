"""Re-planning after a calendar change: the open dossiers whose deadlines run over the changed day get them
counted again under the new calendar (D13–D16).

An administrator's override (`tthc calendar set/clear`) changes one day. A deadline ending before that day
cannot move; one ending on it or later is counted again (engine.core.calendar.moved): the result's due
instant and the original one, the intake deadline of a dossier waiting for its check, the work items' due
times and the next timer. The dossiers are read in pages by id, one transaction per page, so that the
command never holds the whole table in memory nor one long transaction.

A year's notice changes several days at once (engine.cases.calendar_notices): it is a chain of calendars, each
differing from the one before on one day (``Step``), and each deadline is moved along the chain; the dates are
computed first (``new_dates``, which writes nothing: the notice's preview) and then written (``write``).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session, defer, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.cases import notices, offers
from engine.cases.dossiers import item_due, plan_timers, step_limits
from engine.core.calendar import WorkingCalendar, moved
from engine.core.clock import VN_TZ, iso_vn
from engine.core.settings import Settings
from engine.data import audit, calendars
from engine.data.page_indexes import DEADLINES_RUN
from engine.data.model import Agency, AuditEvent, CalendarOverride, Dossier, SupplementRequest, WorkItem
from engine.law import deadlines, payment
from engine.law.statuses import PAYMENT, PROCESSING, RECEIVED, SUBMITTED, SUPPLEMENT
from engine.process import stepkinds

OPEN = (SUBMITTED, RECEIVED, PROCESSING, SUPPLEMENT, PAYMENT)  # a deadline still runs (or is paused)
PAGE = 500


def agency_calendars(session: Session, settings: Settings) -> dict[str, WorkingCalendar]:
    """Every agency's calendar as it is now: taken before a change, to count the old deadlines with."""
    return {code: calendars.calendar_for(session, settings, code) for code in session.scalars(select(Agency.code))}


class Step(NamedTuple):
    """One day changed: the calendar before and after it."""
    day: date
    old: WorkingCalendar
    new: WorkingCalendar


def calendar_code(dossier: Dossier) -> str:
    """The agency whose calendar counts the dossier's deadlines (engine.cases.offers.agency_for, "calendar")."""
    agency_id = offers.agency_for(dossier, "calendar")
    if agency_id == dossier.agency_id:
        return dossier.agency.code  # loaded with the dossier
    return Session.object_session(dossier).get(Agency, agency_id).code


def affected(changed: date):
    """The open dossiers whose deadlines may run over ``changed`` (a condition on Dossier)."""
    midnight = datetime.combine(changed, time(0), VN_TZ)
    # OPEN as its partial index's very predicate: the walks by id read the open dossiers only, never the history
    return and_(text(DEADLINES_RUN), or_(Dossier.due_at >= midnight, Dossier.original_due_at >= midnight,
                                         (Dossier.status == SUBMITTED) & (Dossier.intake_due_at >= midnight)))


def replan(sessions: sessionmaker, settings: Settings, changed: date, before: dict[str, WorkingCalendar],
           now: datetime, page: int = PAGE, resume: bool = False) -> int:
    """Count again the deadlines of the open dossiers that run over ``changed``; returns how many moved.

    Each page is its own transaction: one that an officer's commit made stale (StaleDataError: a dossier of
    the page changed after it was read) is read again and counted again, else the rest of the pages would stay
    on the old calendar (D15). ``resume``: the change was committed by a run that did not finish; the
    dossiers that already record the calendar in force (D15: ``calendar_version``) were moved by it and are
    left as they are, the others are counted again from ``before``."""
    moved_count, last_id = 0, 0
    while True:
        for attempt in range(1, RETRIES + 1):
            try:
                with sessions.begin() as session:
                    read, moved_here = _replan_page(session, settings, changed, before, now, last_id, page, resume)
                break
            except StaleDataError:
                if attempt == RETRIES:
                    raise
        if read is None:
            return moved_count
        last_id, moved_count = read, moved_count + moved_here


RETRIES = 5  # a page made stale this many times in a row: the command fails, and its re-run goes on (resume)


def _replan_page(session: Session, settings: Settings, changed: date, before: dict[str, WorkingCalendar],
                 now: datetime, last_id: int, page: int, resume: bool) -> tuple[int | None, int]:
    """One page of ``replan`` after ``last_id``: (the last id read, None when there was none; how many moved)."""
    rows = list(session.scalars(
        select(Dossier).where(Dossier.id > last_id, affected(changed))
        .order_by(Dossier.id).limit(page).options(defer(Dossier.workflow_state), defer(Dossier.form))))
    if not rows:
        return None, 0
    moved_count = 0
    for dossier in rows:
        code = calendar_code(dossier)
        old = before.get(code)
        if old is None:
            continue
        new = calendars.calendar_for(session, settings, code)
        if resume and dossier.calendar_version == new.version:
            continue  # counted on the calendar in force already, by the run interrupted
        if write(session, settings, dossier, [Step(changed, old, new)], now):
            moved_count += 1
    return rows[-1].id, moved_count


def calendars_with(session: Session, settings: Settings, day: date, scope_id: int | None,
                   state: tuple[str, str] | None) -> dict[str, WorkingCalendar]:
    """Every agency's calendar as it is now but with the override of ``day`` in the scope ``scope_id`` (None:
    the province) as ``state`` ((kind, name); None: no row): the calendars before a change whose re-planning was
    interrupted, for its re-run. The override table holds a few days a year per scope (read whole, as
    engine.data.calendars reads it)."""
    rows = [tuple(row) for row in session.execute(
        select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.name, CalendarOverride.agency_id)
        .order_by(CalendarOverride.day, CalendarOverride.id)) if not (row[0] == day and row[3] == scope_id)]
    if state is not None:
        rows.append((day, state[0], state[1], scope_id))
    found = {}
    for code, path in session.execute(select(Agency.code, Agency.path)):
        blocks = calendars.calendar_for(session, settings, code).blocks  # its office hours, as in force
        found[code] = calendars.built(settings, code, calendars.applicable(rows, path), blocks)
    return found


def _answered(session: Session, dossier: Dossier, stage: str) -> datetime | None:
    """When the applicant last completed the dossier at ``stage``: the count (re)started then (D12). At most
    two requests a dossier (D10, D11), counted on the dossier: none asked, none to look for."""
    if not dossier.supplement_requests:
        return None
    return session.scalar(select(func.max(SupplementRequest.answered_at))
                          .where(SupplementRequest.dossier_id == dossier.id, SupplementRequest.stage == stage))


Dates = tuple  # (intake_due_at, due_at, original_due_at)


def new_dates(session: Session, dossier: Dossier, steps: list[Step], now: datetime | None = None) -> Dates:
    """The dossier's deadlines counted again along ``steps``; nothing is written.

    ``now``: a deadline already reached, or any of a dossier already recorded late (D19: its apology letter is
    open, it counts late in the reports), is left as it is: a day off declared after it is no reason to make it
    in time again. One still to come never moves before ``now`` (engine.core.calendar.moved counts the time
    left from ``now`` when the changed day is today; a day made working cannot bring it into the past)."""
    intake, due, original = dossier.intake_due_at, dossier.due_at, dossier.original_due_at
    steps = [step for step in steps if step.old.version != step.new.version]
    if not steps or (now is not None and dossier.late):
        return intake, due, original
    kept = (intake, due, original)
    unit, value = (dossier.procedure_version.info["duration"][k] for k in ("unit", "value"))
    intake_anchor = None
    if dossier.status == SUBMITTED and intake is not None:
        intake_anchor = max(dossier.filed_at, _answered(session, dossier, "intake") or dossier.filed_at)
    anchor = dossier.received_at or dossier.filed_at
    anchor = max(anchor, _answered(session, dossier, "processing") or anchor)  # the count restarted there
    for day, old, new in steps:
        if intake_anchor is not None:
            intake = moved(old, new, intake, intake_anchor, day, "working_hour", now=now)
        if unit in NOMINAL and due is not None and original is not None and due != original:
            # D18: the extension (or a wait, D12, D26) is working time after the nominal end: that end counted
            # again, then the same working time after it under the new calendar (counted from ``now`` once the
            # nominal end is past)
            if now is None or original > now:
                extra = old.working_time_between(original, due)
                original = _count(old, new, original, anchor, day, unit, value, now)
                due = new.add_working_time(original, extra)
            else:
                due = moved(old, new, due, original, day, "working_hour", now=now)
            continue
        if due is not None:
            due = _count(old, new, due, anchor, day, unit, value, now)
        if original is not None:
            original = _count(old, new, original, anchor, day, unit, value, now)
    if now is None:
        return intake, due, original
    # reached already: kept; and none moved to ``now`` or before it (the citizen was told the later one)
    return tuple(was if was is None or was <= now or after is None or after <= now else after
                 for was, after in zip(kept, (intake, due, original)))


NOMINAL = ("calendar_day", "same_day")  # their end is a day's clock time or close, not an amount of working time


def _count(old: WorkingCalendar, new: WorkingCalendar, due: datetime, anchor: datetime, day: date, unit: str,
           value, now: datetime | None) -> datetime:
    """One deadline counted from ``anchor`` under ``old`` counted again under ``new``: a same-day one that is the
    close of its day under ``old`` is the close of its day under ``new`` (D16: received on a day now off, the
    close of the next working day), the others as engine.core.calendar.moved counts them.

    A same-day one that would so land on ``day`` when ``day`` is today (a Saturday made working at 16:00 that
    Saturday, for a receipt Fri 15:30) is counted as if received at ``now``, the moment the day became working
    (D16 applied to ``now``), and never later than it was: the working time of the day before ``now`` was never
    there to work in, as engine.core.calendar.moved keeps it for the other units. Declared at 16:00, after the
    cut-off, it stays at the close of the next working day (Mon 17:00) rather than Sat 17:00, one hour away;
    declared before the cut-off (10:00) it is due at that Saturday's close, as a receipt at 10:00 would be."""
    if unit == "same_day" and due == deadlines.same_day_due(old, anchor):
        after = deadlines.same_day_due(new, anchor)
        if now is not None and after.date() == day == now.astimezone(VN_TZ).date():
            return min(due, deadlines.same_day_due(new, now))
        return after
    return moved(old, new, due, anchor, day, unit, value, now)


def write(session: Session, settings: Settings, dossier: Dossier, steps: list[Step], now: datetime,
          dates: Dates | None = None) -> bool:
    """Move the dossier's deadlines along ``steps`` (``dates``: already computed by ``new_dates``), its work
    items' and its next timer, audited (the steps whose own limit moved are named in the event, also when they
    moved alone); False when nothing moved."""
    before = (dossier.intake_due_at, dossier.due_at, dossier.original_due_at)
    after = dates if dates is not None else new_dates(session, dossier, steps, now)
    if after == before:
        # D30: a step's own limit in working days moves with a changed day even where the dossier's deadlines do
        # not (a procedure counted in calendar days keeps its due instant unless that day lies from its nominal end
        # to it: engine.core.calendar.moved)
        if not any(step.old.version != step.new.version for step in steps):
            return False
        changed = own_limits(session, dossier, steps[-1].new)
        if not changed:
            return False
        _audit(session, dossier, steps, now, changed)
        return True
    new = steps[-1].new
    was = _limited_dues(session, dossier)  # before the items are set to the moved due time below
    dossier.intake_due_at, dossier.due_at, dossier.original_due_at = after
    dossier.calendar_version = new.version
    deadlines.rewarn_after_move(dossier, new, now)  # a warning before a day was added is due again, later
    plan_timers(session, dossier, settings, new)
    items = update(WorkItem).where(WorkItem.dossier_id == dossier.id)
    session.execute(items.where(WorkItem.step == "intake").values(due_at=dossier.intake_due_at))
    session.execute(items.where(WorkItem.step.not_in(OWN_DEADLINE)).values(due_at=dossier.due_at))
    _audit(session, dossier, steps, now, own_limits(session, dossier, new, was))
    if before[1] is not None and dossier.due_at != before[1]:  # D28: the appointment the citizen was given moved
        notices.notify(session, settings, "replanned", now=now, dossier=dossier, context={"was": before[1]})
    return True


def _audit(session: Session, dossier: Dossier, steps: list[Step], now: datetime, changed: list[tuple]) -> None:
    """The dossier's ``replanned`` event: the days, the calendar, its deadlines as they are now, and the open work
    items whose own limit (D30) moved (``changed``: name, due before, due after), so that its history says why
    an officer's due time moved."""
    days = [step.day.isoformat() for step in steps]
    moved_steps = [{"step": name, "from": iso_vn(was), "to": iso_vn(due)} for name, was, due in changed]
    audit.record(session, dossier, now, None, "replanned", dossier.status,
                 data={"day": days[0], **({"days": days} if len(days) > 1 else {}),
                       "calendar_version": steps[-1].new.version, "due_at": iso_vn(dossier.due_at),
                       "intake_due_at": iso_vn(dossier.intake_due_at), **({"steps": moved_steps} if changed else {})})


OWN_DEADLINE = ("intake", "supplement", *stepkinds.OPENED_BY_ENGINE)  # the apology keeps its own (D19)


# -- a step's own limit (D30) and the applicant's time ------------------------------------------------------
Span = tuple  # (from, to): a finished wait of the result's clock for the applicant, its real instants


def waits(session: Session, dossier: Dossier) -> list[Span]:
    """The finished waits for the applicant during which the result's clock stood still (D12, D26): the fees'
    (``fee_waits``) and the supplements' under the "pause" policy (``supplement_waits``). The time each cost is
    the dossier's counting time in it (engine.law.deadlines.waited_time), not the whole span."""
    return fee_waits(session, dossier) + supplement_waits(session, dossier)


def fee_waits(session: Session, dossier: Dossier) -> list[Span]:
    """The finished waits for a fee that moved the result's due instant (D26, engine.law.payment.on_paid): a fee
    asked after the intake or before the result, from its request to its settlement (the dossier's entering and
    leaving status 6 back to processing). A fee asked with the filing is not one (the result's clock had not
    started), nor one the dossier left unpaid, withdrawn or stopped (nothing moved): engine.law.payment.fee_waits."""
    return payment.fee_waits(session.execute(
        select(AuditEvent.at, AuditEvent.from_status, AuditEvent.to_status, AuditEvent.data)
        .where(AuditEvent.dossier_id == dossier.id,
               or_(AuditEvent.to_status == PAYMENT, AuditEvent.from_status == PAYMENT))
        .order_by(AuditEvent.id)))


def supplement_waits(session: Session, dossier: Dossier) -> list[Span]:
    """The supplements asked during processing under the "pause" policy and answered, from the request to the
    answer (engine.law.deadlines.on_supplemented, which moved the due instant by deadlines.waited_time of each);
    none asked, none looked for."""
    spans = []
    if dossier.supplement_requests and dossier.procedure_version.info.get("clock_on_supplement") == "pause":
        # read as objects, answered_at checked here: the answer given in this transaction may not be flushed yet
        for request in session.scalars(select(SupplementRequest).where(SupplementRequest.dossier_id == dossier.id,
                                                                       SupplementRequest.stage == "processing")):
            if request.answered_at is not None:
                spans.append((request.at, request.answered_at))
    return spans


def own_due(cal: WorkingCalendar, dossier: Dossier, created_at: datetime, limit: dict | None,
            cap: datetime | None, spans: list[Span]) -> datetime | None:
    """The due time of an open work item (D30): its task's own limit counted under ``cal`` from the item's
    creation (engine.law.deadlines.step_due), moved by the time the dossier's clock then stood still for the
    applicant (``spans``, from ``waits``): the same time as the dossier's due time moved
    (engine.law.deadlines.waited_time, as engine.law.payment.on_paid and engine.law.deadlines.on_supplemented
    count it: none before the result's clock started), only since the item's creation, and never after ``cap``
    (the dossier's due time for the step)."""
    due = deadlines.step_due(cal, created_at, limit, cap)
    if limit is None or cap is None:
        return due
    waited = sum((deadlines.waited_time(cal, dossier, max(start, created_at), end)
                  for start, end in spans if end > created_at), timedelta())
    if not waited:
        return due
    return min(cal.add_working_time(deadlines.result_due(cal, created_at, limit), waited), cap)


def _limited_dues(session: Session, dossier: Dossier) -> dict[int, datetime | None]:
    limits = step_limits(dossier)
    if not limits:
        return {}
    return dict(session.execute(select(WorkItem.id, WorkItem.due_at).where(
        WorkItem.dossier_id == dossier.id, WorkItem.spec_name.in_(limits))).all())


def own_limits(session: Session, dossier: Dossier, cal: WorkingCalendar,
               was: dict[int, datetime | None] | None = None) -> list[tuple[str, datetime | None, datetime | None]]:
    """The open items of the tasks that declare their own time limit (D30) count it again under ``cal`` from
    their creation, with the applicant's waits since (``own_due``), capped by the dossier's due time; returns the
    items whose due time moved (name, before, after; ``was``: their due times before, when the caller has
    changed them already). A version without such a task costs no query."""
    limits = step_limits(dossier)
    if not limits:
        return []
    rows = session.execute(select(WorkItem.id, WorkItem.name, WorkItem.step, WorkItem.spec_name,
                                  WorkItem.created_at, WorkItem.due_at)
                           .where(WorkItem.dossier_id == dossier.id, WorkItem.spec_name.in_(limits),
                                  WorkItem.step.not_in(stepkinds.OPENED_BY_ENGINE))).all()
    if not rows:
        return []
    spans = waits(session, dossier)
    changed = []
    for row in rows:
        due = own_due(cal, dossier, row.created_at, limits[row.spec_name], item_due(dossier, row.step), spans)
        before = was.get(row.id, row.due_at) if was is not None else row.due_at
        if due != row.due_at:
            session.execute(update(WorkItem).where(WorkItem.id == row.id).values(due_at=due))
        if due != before:
            changed.append((row.name, before, due))
    return changed


def after_wait(session: Session, dossier: Dossier, cal: WorkingCalendar) -> None:
    """The applicant's wait is over (a fee settled, a supplement given under the "pause" policy): the open items
    that waited with the dossier keep their own limit moved by the same working time as the dossier's due time
    (``own_limits``), else an item open across the wait would be shown overdue, and its step judged late on the
    control slip, for the time the applicant held the dossier. Called after the process is saved (which counts
    the items again from their creation) and after the event that ends the wait is recorded."""
    own_limits(session, dossier, cal)
