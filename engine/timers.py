"""The timer service: a sweep over due work kept in the database, driven by an APScheduler heartbeat.

The database is the only record of what is due (``dossier.next_timer_at``, indexed). A sweep claims a batch
of due dossiers (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share the work), and handles
each in a savepoint: BPMN timers, the intake deadline (D7), the one-day warning and overdue (D19, which opens
the head of agency's apology work item). Every
effect is written in the same transaction as the state that stops it from firing again, so a worker that
dies mid-sweep leaves nothing half-done and a retry does each effect once. A broken dossier becomes an
incident, is retried later, and never blocks the others.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, defer, sessionmaker, undefer

from engine.cases import digests, dispatch, incidents, notices, offers
from engine.data import audit, audit_checkpoints
from engine.law import deadlines, intake, lateness
from engine.cases import lienthong, signing_requests  # noqa: F401 (lienthong: hand-overs)
from engine.cases.steps import apology
from engine.cases.dossiers import Context, calendar_of, lane_role, load_process, plan_timers, save_process, work_agency
from engine.data.model import AuditEvent, Dossier, User, WorkItem
from engine.data.signing_model import OPEN_STATES, SigningRequest
from engine.core.errors import Conflict
from engine.core.settings import Settings
from engine.reports import stocks

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(minutes=15)
DRAIN_SECONDS = 3.0  # `tthc serve`: how often the web process sends the outbox of notices


@dataclass
class SweepResult:
    handled: int = 0
    effects: dict[str, int] = field(default_factory=dict)
    incidents: int = 0

    def count(self, kind: str) -> None:
        self.effects[kind] = self.effects.get(kind, 0) + 1


def _notify(session: Session, settings: Settings, batch: "Batch", dossier: Dossier, roles: set[str], event: str,
            now: datetime, agency_id: int) -> None:
    """One notice per officer of ``agency_id`` holding one of ``roles`` (engine.cases.notices); the officers of
    an agency and their choices are read once per batch, and the batch writes every notice in two statements."""
    notices.notify(session, settings, event, now=now, dossier=dossier, roles=roles, agency_id=agency_id,
                   officers=batch.officers, outbox=batch.outbox)


def _warn(session: Session, settings: Settings, batch: "Batch", dossier: Dossier, leaders: set[str], event: str,
          now: datetime, watcher: int) -> None:
    """D19, D28: the due-soon warning or the overdue to the officers responsible for ``dossier``'s open work and
    to its leaders. A claimed item's holder is warned, not every officer of its role; an unclaimed item (or one
    whose holder can no longer take it: locked, moved, without the role) is nobody's, so every officer of its
    role in its agency who could take it is. ``leaders``: those roles in the agency watching the deadline (every
    department leader of it: domain.md names "the leader" without saying which one). The officer whose signature
    one of its documents waits for (a decision to sign, a letter) is warned too, while they may sign in. The holder
    is on the item's row, the signers and the officers of an agency are read once per batch: no query per dossier.
    One notice per person."""
    officers = batch.officers
    people = {u.id: u for u in officers.holding(session, watcher, leaders)}
    roles = set(leaders)
    for _task, role, agency_id, assignee_id in batch.open_items.get(dossier.id, ()):
        if not role:  # the engine's own steps: nobody's work
            continue
        roles.add(role)
        able = officers.holding(session, agency_id, {role})
        held = [u for u in able if u.id == assignee_id]
        people.update((u.id, u) for u in held or able)
    # D19, D28: a decision or letter waiting for a signature is its signer's work, though no work item holds it
    for role, signer in batch.signers.get(dossier.id, ()):
        if signer.locked_reason is None and signer.cancelled_at is None:
            roles.add(role)  # the role it is signed in: the notice's (a personal request always names one)
            people.setdefault(signer.id, signer)
    notices.notify(session, settings, event, now=now, dossier=dossier, users=[people[i] for i in sorted(people)],
                   roles=roles, officers=officers, outbox=batch.outbox)


@dataclass
class Batch:
    """What a sweep reads once for a whole batch instead of once per dossier."""

    calendars: dict[int, object]
    open_items: dict[int, list[tuple]]  # (task id, role, agency id, assignee id) of each open work item
    signers: dict[int, list[tuple]] = field(default_factory=dict)  # (role, signer) of each open signing request
    officers: notices.Officers = field(default_factory=notices.Officers)
    outbox: notices.Outbox = field(default_factory=notices.Outbox)
    events: list[dict] = field(default_factory=list)

    def write(self, session: Session) -> None:
        """The queued rows of the whole batch, one INSERT statement per table."""
        self.outbox.write(session)
        if self.events:
            session.execute(insert(AuditEvent), self.events)

    @classmethod
    def load(cls, session: Session, settings: Settings, due: list[Dossier]) -> "Batch":
        ids = [d.id for d in due]
        items: dict[int, list[tuple]] = {}
        for dossier_id, *item in session.execute(select(WorkItem.dossier_id, WorkItem.task_id, WorkItem.role,
                                                        WorkItem.agency_id, WorkItem.assignee_id)
                                                 .where(WorkItem.dossier_id.in_(ids))):
            items.setdefault(dossier_id, []).append(tuple(item))
        signers: dict[int, list[tuple]] = {}
        for dossier_id, role, user in session.execute(
                select(SigningRequest.dossier_id, SigningRequest.role, User)
                .join(User, User.id == SigningRequest.signer_id)
                .where(SigningRequest.dossier_id.in_(ids), SigningRequest.state.in_(OPEN_STATES))
                .order_by(SigningRequest.id)):
            signers.setdefault(dossier_id, []).append((role, user))
        calendars = {}
        for dossier in due:
            if dossier.agency_id not in calendars:
                calendars[dossier.agency_id] = calendar_of(session, dossier, settings)
        return cls(calendars, items, signers)


def fire(session: Session, settings: Settings, dossier: Dossier, now: datetime, batch: Batch) -> list[str]:
    """Everything due for one dossier at ``now``; returns the effects."""
    cal = batch.calendars[dossier.agency_id]
    effects = []

    def record(action: str, at: datetime = now) -> None:
        audit.record(session, dossier, at, None, action, dossier.status, pending=batch.events)
        effects.append(action)

    if dossier.bpmn_timer_at is not None and dossier.bpmn_timer_at <= now:
        process = load_process(dossier, Context(user=None, now=now, settings=settings))
        process.fire_timers(now)
        save_process(session, dossier, process, now, settings, cal)
        kept = {item[0]: item for item in batch.open_items.get(dossier.id, ())}  # a claim outlives the timer
        batch.open_items[dossier.id] = [
            kept.get(t.task_id) or (t.task_id, lane_role(t), work_agency(dossier, t.step or "", lane_role(t)), None)
            for t in process.ready_user_tasks()]
        record("timer")
    if intake.alert_due(dossier, now):  # D7: each intake deadline (the check again after a supplement too)
        dossier.intake_late = True
        dossier.intake_alerted_due_at = dossier.intake_due_at  # written with the alert: never alerted twice
        _notify(session, settings, batch, dossier, {"receiving_officer", "centre_director"}, "intake_overdue", now,
                offers.agency_for(dossier, "receipt"))  # the intake check is the receiving agency's work
        record("intake_overdue", min(now, dossier.intake_due_at))  # D7: missed at its instant, not at a restart
    # D19, D29: the result's deadline is watched by the agency processing it (an offer may name another agency
    # than the receiving one): its leaders are warned, with the officers responsible for the open work (_warn)
    watcher = offers.agency_for(dossier, "watch")
    if deadlines.warning_due(dossier, cal, now):
        dossier.warned_at = now
        _warn(session, settings, batch, dossier, {"department_leader"}, "warning", now, watcher)
        record("warning")
    if lateness.becomes_overdue(dossier, now):
        overdue_at = min(now, dossier.due_at)  # D19: at its due instant, a sweep after a stop of the service too
        apology.record_overdue(  # the leaders with the officers holding the open work (_warn); the notices go now
            session, dossier, cal, overdue_at,
            lambda roles, agency: _warn(session, settings, batch, dossier, roles, "overdue", now, agency),
            lambda roles, agency: _notify(session, settings, batch, dossier, roles, "overdue", now, agency))
        record("overdue", overdue_at)
    plan_timers(session, dossier, settings, cal)
    return effects


def _fire_all(session: Session, settings: Settings, due: list[Dossier], now: datetime, result: SweepResult) -> None:
    """The batch in one savepoint (one flush); if anything fails, again one dossier per savepoint."""
    try:
        with session.begin_nested(), session.no_autoflush:
            batch = Batch.load(session, settings, due)
            effects = [fire(session, settings, dossier, now, batch) for dossier in due]
            batch.write(session)
    except Exception:  # find the broken dossier(s): the others must not wait for them
        log.warning("timer batch failed; retrying one dossier at a time", exc_info=True)
    else:
        for kinds in effects:
            for kind in kinds:
                result.count(kind)
        result.handled += len(due)
        incidents.resolve_handled(session, [d.id for d in due], now)
        return
    for dossier_id in [d.id for d in due]:
        try:
            with session.begin_nested(), session.no_autoflush:
                dossier = session.get(Dossier, dossier_id)
                single = Batch.load(session, settings, [dossier])
                kinds = fire(session, settings, dossier, now, single)
                single.write(session)
            for kind in kinds:
                result.count(kind)
            result.handled += 1
            incidents.resolve_handled(session, [dossier_id], now)
        except Exception as exc:  # one broken dossier never blocks the others
            log.exception("timer failed for dossier %s", dossier_id)
            # one open incident per dossier: a failed retry counts an attempt, never a new incident (no flood)
            incidents.record_failure(session, dossier_id, now, f"{type(exc).__name__}: {exc}")
            broken = session.get(Dossier, dossier_id)
            broken.next_timer_at = now + RETRY_AFTER
            result.incidents += 1


def retry(session: Session, settings: Settings, user, incident_id: int, now: datetime) -> tuple[object, str]:
    """An administrator's retry of one incident (engine.cases.incidents): the sweep's handling of that one
    dossier now, in a savepoint of the caller's transaction. Handled: the incident closes as retried. Failed:
    what the handling began is rolled back, the incident stays open with the new error. Either way audited.
    Returns the incident and its dossier's code."""
    incident, dossier, agency = incidents.administered(session, user, incident_id)
    incidents.require_open(incident)
    code = dossier.code
    document = incidents.document_of(session, incident)
    if document is not None:
        return _retry_document(session, settings, user, (incident, agency, code), document, now)
    if dossier.suspended_at is not None:
        raise Conflict("Hồ sơ đang tạm dừng; tiếp tục hồ sơ trước khi chạy lại", code="dossier_suspended")
    try:
        with session.begin_nested(), session.no_autoflush:
            dossier = session.get(Dossier, dossier.id, options=[undefer(Dossier.workflow_state)])
            single = Batch.load(session, settings, [dossier])
            kinds = fire(session, settings, dossier, now, single)
            single.write(session)
    except Exception as exc:
        log.warning("retry of incident %s failed", incident_id, exc_info=True)
        incident, _dossier, agency = incidents.administered(session, user, incident_id)
        incidents.keep_failed(session, user, incident, agency, code, now, f"{type(exc).__name__}: {exc}")
        return incident, code
    incidents.close_retried(session, user, incident, agency, code, now, kinds)
    return incident, code


def _retry_document(session: Session, settings: Settings, user, held: tuple, req: SigningRequest,
                    now: datetime) -> tuple[object, str]:
    """An administrator's retry of a document's incident: its request is tried again at once, whatever its wait,
    by the drain this commit wakes (or the worker's next beat), never inside this transaction: making the PDF (a
    timestamp authority that answers slowly included) must not hold the database's writers. The incident stays
    open and is resolved when the document is made (incidents.resolve_documents), or counts the next failure.
    A document no longer waiting to be made closes it as retried; one a drain is making right now is left to it."""
    incident, agency, code = held
    if req.state == "rendering" and req.claimed_at >= now - signing_requests.CLAIM_EXPIRES:
        raise Conflict("Văn bản đang được phát hành; chạy lại sau ít phút nếu vẫn lỗi", code="document_rendering")
    if req.state in ("pending", "rendering"):
        req.state, req.retry_at = "pending", None  # claimable now (engine.cases.signing_requests.drain)
        session.info["signing_requests"] = True  # the edge wakes the drain after the commit (engine.web)
        incidents.queue_document(session, user, incident, agency, code, now)
        return incident, code
    incidents.close_retried(session, user, incident, agency, code, now, [req.kind])
    return incident, code


def sweep(sessions: sessionmaker, settings: Settings, now: datetime, batch: int | None = None,
          max_batches: int = 10_000) -> SweepResult:
    """Handle every dossier due at ``now``; returns what was done."""
    result = SweepResult()
    size = batch or settings.timer_batch
    for _ in range(max_batches):
        with sessions() as session, session.begin():
            if session.get_bind().dialect.name == "sqlite":
                # SQLite: the batch takes the write lock before it reads (waiting for it, as the busy timeout
                # lets it). A deferred transaction would read a snapshot that an officer's commit makes stale,
                # and then every write of the batch, its one-at-a-time retry and its incidents would fail.
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            query = (select(Dossier).where(Dossier.next_timer_at <= now).order_by(Dossier.next_timer_at)
                     .limit(size).options(defer(Dossier.workflow_state), defer(Dossier.form)))
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Dossier)
            due = list(session.scalars(query))
            if not due:
                return result
            _fire_all(session, settings, due, now, result)
    return result


def render_signing(sessions: sessionmaker, settings: Settings, now: datetime) -> int:
    """Render the documents that decisions asked to be signed (engine.cases.signing_requests.drain): after the
    decision's commit, never inside it. A failure is logged; the request stays pending for a later beat
    (engine.cases.issuing.put_back); the incidents of documents now made are resolved."""
    try:
        done = signing_requests.drain(sessions.begin, settings, now)
        with sessions.begin() as session:
            incidents.resolve_documents(session, now)
        return done
    except Exception:
        log.exception("rendering documents to sign failed")
        return 0


class RenderDrain:
    """`tthc serve`'s drain right after a commit that asked for a signature (``wake``), so that the signer
    finds the document ready at once; the heartbeat renders whatever it missed."""

    def __init__(self, sessions: sessionmaker, settings: Settings, clock):
        self.sessions, self.settings, self.clock = sessions, settings, clock
        self._wanted = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tthc-render", daemon=True)

    def start(self) -> "RenderDrain":
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wanted.set()

    def _run(self) -> None:  # pragma: no cover - a daemon loop; tests call render_signing directly
        while True:
            self._wanted.wait()
            self._wanted.clear()
            render_signing(self.sessions, self.settings, self.clock.now())


def checkpoint(sessions: sessionmaker, settings: Settings, now: datetime) -> None:
    """The signed checkpoint of every audit chain's head, when due; a failure is logged and never stops the
    sweeps (the next beat tries again)."""
    try:
        audit_checkpoints.write_if_due(sessions, settings, now)
    except Exception:
        log.exception("audit checkpoint failed")


def _add_heartbeat(scheduler, sessions: sessionmaker, settings: Settings, clock) -> None:
    """One sweep every ``timer_interval_seconds``; never two at once in this process (max_instances=1)."""

    def beat() -> None:
        try:
            done = sweep(sessions, settings, clock.now())
        except Exception:  # rolled back: the next beat sweeps again; the rest of this beat still runs
            log.exception("timer sweep failed")
        else:
            if done.handled or done.incidents:
                log.info("sweep: %s dossiers, effects %s, incidents %s", done.handled, done.effects, done.incidents)
        render_signing(sessions, settings, clock.now())
        checkpoint(sessions, settings, clock.now())
        digests.send_digests(sessions, settings, clock.now())
        stocks.take_due(sessions, clock.now())  # each day's closing stock of pending dossiers, once (D32)
        sent = dispatch.drain(sessions, settings, clock)
        if sent.claimed:
            log.info("notices: %s", sent.as_dict())

    scheduler.add_job(beat, "interval", seconds=settings.timer_interval_seconds, max_instances=1, coalesce=True,
                      next_run_time=clock.now(), id="tthc-sweep")


def run_worker(sessions: sessionmaker, settings: Settings, clock) -> None:  # pragma: no cover - blocking loop
    """``tthc worker``: the heartbeat in the foreground, for a worker process of its own."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="Asia/Ho_Chi_Minh")
    _add_heartbeat(scheduler, sessions, settings, clock)
    scheduler.start()


def start_background_worker(sessions: sessionmaker, settings: Settings, clock):
    """``tthc serve``: the same heartbeat in a thread of the web process, so that one command runs the whole
    service. Several processes may sweep at once (claims are row locks on PostgreSQL; SQLite has one writer).
    Returns the scheduler (``shutdown()`` stops it)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone="Asia/Ho_Chi_Minh", daemon=True)
    _add_heartbeat(scheduler, sessions, settings, clock)
    # The outbox drained every few seconds besides the beat, so that a notice leaves soon after its event.
    scheduler.add_job(lambda: dispatch.drain(sessions, settings, clock), "interval",
                      seconds=min(DRAIN_SECONDS, settings.timer_interval_seconds), max_instances=1, coalesce=True,
                      id="tthc-notices")
    scheduler.start()
    return scheduler
