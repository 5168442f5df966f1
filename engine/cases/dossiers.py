"""What every use case on a dossier shares: who may see it, its status moves, loading and saving its process with
its open work items, its calendar and timers. The citizen's own commands (file, supplement, withdraw) are
engine.cases.filing. One session in, nothing committed here.

Every change goes the same way: load (with the row's version counter), act on the process, save the state,
the open work items and an audit event. The edge commits once; any error rolls everything back.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, literal, or_, select, tuple_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, lazyload, undefer

from engine.cases import offers
from engine.data import calendars, counters, rowwrite  # noqa: F401 (rowwrite: the dossier row's UPDATE)
from engine.law import deadlines, intake, lateness
from engine.process import procedures, stepkinds
from engine.core.clock import VN_TZ
from engine.core.errors import Conflict, NotFound
from engine.data.model import Agency, DayCounter, Dossier, User, WorkItem
from engine.law.statuses import TERMINAL, Status, can_move
from engine.process.runtime import SERIALIZER_VERSION, Process
from engine.core.settings import Settings
from engine.core.vocabulary import typed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """What every use case needs besides the session: who acts, when, and the settings."""

    user: User | None
    now: datetime
    settings: Settings

    @property
    def script_time_limit(self) -> float:
        return self.settings.script_time_limit


# -- visibility (D2) -------------------------------------------------------------------------------------
# A liên thông sub-dossier (D33) is between agencies: the citizen sees, looks up and is told of its parent only.
# The one condition every citizen's (and the public's) read of dossiers adds, as SQL and for a loaded dossier.
VISIBLE_TO_CITIZEN = Dossier.parent_id.is_(None)


def visible_to_citizen(dossier: Dossier) -> bool:
    return dossier.parent_id is None


def citizen_conditions(user: User) -> list:
    """The dossiers that are ``user``'s as a citizen, as conditions on Dossier to join with OR (each one range
    of an index): filed by them, or owned by their CCCD once a real check tied the account to it (D2, D3, D4);
    each VISIBLE_TO_CITIZEN."""
    found = [(Dossier.applicant_id == user.id) & VISIBLE_TO_CITIZEN]
    if holds_cccd(user):
        found.append((Dossier.owner_cccd == user.cccd) & VISIBLE_TO_CITIZEN)
    return found


def holds_cccd(user: User) -> bool:
    """Whether ``user`` is the person of their CCCD: standardised, and checked by the national e-ID or by an
    officer who saw the card. A CCCD only declared at self-registration was checked by nobody (anyone who knows
    it could type it): such an account sees only what it filed itself."""
    return bool(user.standardised and user.cccd and user.identity_checked)


def can_see(user: User, dossier: Dossier) -> bool:
    roles = user.roles
    mine = dossier.applicant_id == user.id or (holds_cccd(user) and dossier.owner_cccd == user.cccd)
    if "citizen" in roles and visible_to_citizen(dossier) and mine:
        return True
    return officer_of(user, dossier)


def officer_of(user: User, dossier: Dossier) -> bool:
    """Whether ``user`` is one of ``dossier``'s officers (its receiving or processing agency, D2, D29)."""
    return user.is_officer and user.agency_id is not None and user.agency_id in (dossier.agency_id,
                                                                                 dossier.processing_agency_id)


def sees_as_citizen(user: User, dossier: Dossier) -> bool:
    """Whether ``user`` sees ``dossier`` as its citizen does, whatever the face (``issued_to_citizen``): a
    citizen who is not one of its officers. (An administrator acting on a dossier of their subtree, answered
    with it, sees it whole.)"""
    return "citizen" in user.roles and not officer_of(user, dossier)


# The documents of a dossier its citizen is handed, on every face (the portal, the API, downloads, notices): what
# they filed, and what was issued to them, once made. D22: nothing not validly issued (a result's draft signed by
# the leader but not sealed and numbered by the clerk, a letter or re-issue waiting for its signer); D33: not the
# agencies' own papers (the liên thông hand-over slip, the other agency's answer). A kind not listed here stays
# with the officers.
CITIZEN_DOCUMENT_KINDS = frozenset({"filing", "receipt", "supplement_request", "refusal", "stop_notice", "apology",
                                    "result", "fee_receipt"})


def issued_to_citizen(kind: str, state: str | None) -> bool:
    return kind in CITIZEN_DOCUMENT_KINDS and state != "pending_signature"


# the reads of a dossier by code and of its open supplement request: built once, with bind parameters
_BY_CODE = select(Dossier).where(Dossier.code == bindparam("code"))
_BY_CODE_WITH_STATE = _BY_CODE.options(undefer(Dossier.workflow_state))


def typed_code(code: str | None) -> str:
    """A dossier code as a person may type or paste it (lower case, spaces around): codes are upper case."""
    return typed(code).upper()  # NFKC: the full-width letters and digits of some phone keyboards


def visible_dossier(session: Session, user: User, code: str, *, with_state: bool = False) -> Dossier:
    # with_state: the use case will load the process, so the state comes in the same query
    dossier = session.scalar(_BY_CODE_WITH_STATE if with_state else _BY_CODE, {"code": typed_code(code)})
    if dossier is None or not can_see(user, dossier):
        raise NotFound("Không tìm thấy hồ sơ", code="dossier_not_found")
    return dossier


def list_visible(session: Session, user: User, cccd: str | None = None, status: int | None = None,
                 limit: int = 200, before: tuple[datetime, int] | None = None, light: bool = False) -> list[Dossier]:
    """The dossiers ``user`` may see, newest filing first; ``before``: (filed_at, id) of the last row of the
    previous page (a page never reads the rows before it)."""
    query = select(Dossier).order_by(Dossier.filed_at.desc(), Dossier.id.desc()).limit(limit)
    if light:  # the version is read once per list (summary.list_rows), not decoded with every row
        query = query.options(lazyload(Dossier.procedure_version))
    if before is not None:
        query = query.where(tuple_(Dossier.filed_at, Dossier.id) < tuple_(literal(before[0], Dossier.filed_at.type),
                                                                         literal(before[1])))
    branches = []
    if "citizen" in user.roles:
        branches.append(or_(*citizen_conditions(user)))
    if user.is_officer and user.agency_id is not None:  # received there, or processed there (D29)
        branches.append(Dossier.agency_id == user.agency_id)  # ix_dossier_agency_filed
        branches.append((Dossier.processing_agency_id == user.agency_id)  # ix_dossier_processing_filed
                        & (Dossier.agency_id != user.agency_id))
    if not branches:
        return []
    if cccd:
        query = query.where(Dossier.owner_cccd == cccd)
    if status is not None:
        query = query.where(Dossier.status == status)
    if len(branches) == 1:
        return list(session.scalars(query.where(branches[0])))
    # An OR across the agencies' columns is a scan of the whole table, sorted: each branch is read instead off its
    # own index in the list's order, ``limit`` rows at most, and the pages merged here (a dossier found by two
    # branches, an officer's own filing, once).
    found = {dossier.id: dossier for branch in branches for dossier in session.scalars(query.where(branch))}
    return sorted(found.values(), key=lambda dossier: (dossier.filed_at, dossier.id), reverse=True)[:limit]


# -- shared mechanics -------------------------------------------------------------------------------------
def move(dossier: Dossier, to_status: int) -> int:
    """Change the status along the legal transitions only; returns the previous status."""
    before = dossier.status
    if not can_move(before, to_status):
        raise Conflict(f"Không thể chuyển hồ sơ từ trạng thái '{Status(before).label}' "
                       f"sang '{Status(to_status).label}'", code="illegal_transition")
    dossier.status = to_status
    return before


def record_missed(dossier: Dossier, now: datetime) -> None:
    """D7, D19: the deadlines an action at ``now`` finds run out, recorded before it ends their clock, as the timer
    service records them at their instant: a dossier is late by the law, not by the service having run in between
    (a withdrawal the Monday after a Friday deadline is late, the worker up or down over the weekend). A
    dossier ending now needs no apology letter nor anyone told."""
    if dossier.status == Status.SUBMITTED and intake.decided_late(dossier.intake_due_at, now):
        dossier.intake_late = True
    if lateness.ran_out_before(dossier, now):
        mark_late(dossier, dossier.due_at)


def mark_late(dossier: Dossier, overdue_at: datetime | None) -> None:
    """D19: the dossier is late, overdue since ``overdue_at`` (its due instant; the first one recorded is kept)."""
    dossier.late = True
    if dossier.overdue_at is None:
        dossier.overdue_at = overdue_at


def load_process(dossier: Dossier, ctx: Context) -> Process:
    version = dossier.procedure_version
    return Process.load((version.id, version.content_hash), lambda: version.spec_json, dossier.workflow_state,
                        ctx.script_time_limit)


def calendar_of(session: Session, dossier: Dossier, settings: Settings):
    """The receiving agency's working calendar: its deadlines are the ones the citizen is given
    (engine.cases.offers.agency_for, "calendar")."""
    return calendars.calendar_for(session, settings, session.get(Agency, offers.agency_for(dossier, "calendar")).code)


# The hand-over tasks the transaction reached (liên thông, D33), as (settings, parent, work item values, now):
# engine.cases.lienthong opens their sub-dossiers once the step that reached them is recorded, or before the commit.
HANDOVERS = "lienthong"
ENGINE_STEPS = ("handover",)  # drawn, but waiting for the engine (liên thông, D33): in no one's inbox (role "")
# The steps that stay at the receiving agency (the one-stop shop) when another agency processes the dossier.
RECEIVING_STEPS = ("intake", "supplement", "return")
# (step kind, lane role) of a processing step's part that is the one-stop's own: the centre's confirmation of an
# extension the processing agency asked and its department leader confirmed (D17). The processing agency has no
# centre director: its item there was seen by no one and the extension never took effect.
RECEIVING_TASKS = frozenset({("extension_review", "centre_director")})


def work_agency(dossier: Dossier, step: str, role: str = "") -> int:
    """The agency whose officers get a step's work item (of the lane ``role``): the processing agency an offer
    names for the processing steps, the receiving agency for intake, supplement and return and for the
    one-stop's confirmation of an extension (D17, D29)."""
    if dossier.processing_agency_id is None or step in RECEIVING_STEPS or (step, role) in RECEIVING_TASKS:
        return dossier.agency_id
    return dossier.processing_agency_id


def lane_role(task) -> str:
    """The role whose officers get a user task: its lane's (none for a step waiting for the engine)."""
    return "" if task.step in ENGINE_STEPS else procedures.LANE_ROLES.get((task.lane or "").lower(), "")


# The steps the dossier's deadlines do not time (D30: each judged against its own limit, if its task declares one):
# the citizen's supplement; the return, since the result's limit is judged at resolution and a result resolved in
# time and collected later is not late (D19); the engine's hand-over.
UNTIMED_STEPS = ("supplement", "return", *ENGINE_STEPS)


def item_due(dossier: Dossier, step: str) -> datetime | None:
    """The dossier's own due time for a step kind: the intake check's, or the result's (none for UNTIMED_STEPS)."""
    if step in UNTIMED_STEPS:
        return None
    return dossier.intake_due_at if step == "intake" else dossier.due_at


def step_limits(dossier: Dossier) -> dict[str, dict]:
    """The tasks of the dossier's version that declare their own time limit (``duration`` + ``durationUnit``,
    engine.process.lint), by task name; read from the version loaded with the dossier: no query."""
    return {s["id"]: s["duration"] for s in dossier.procedure_version.info.get("steps", ()) if s.get("duration")}


def work_item_due(dossier: Dossier, step: str, spec_name: str, got_at: datetime, limits: dict[str, dict],
                  cal) -> datetime | None:
    """A work item's due time (D30): its task's own limit counted on the dossier's calendar from when the step
    got the dossier (``got_at``, the item's creation), never after the dossier's due time for the step
    (engine.law.deadlines.step_due); without a declared limit, the dossier's (``item_due``)."""
    limit = limits.get(spec_name) if limits else None
    if limit is None:
        return item_due(dossier, step)
    return deadlines.step_due(cal, got_at, limit, item_due(dossier, step))


def readable_process(dossier: Dossier, ctx: Context) -> Process | None:
    """The dossier's process, or None when its stored state cannot be read (corrupt, or of a spec that no longer
    loads): the very dossiers the incidents page lists, which must still end (an administrator's termination, a
    liên thông part stopped with its parent) or be told why a migration cannot be done, rather than meet a 500.
    A database error is no unreadable state: it goes on up."""
    try:
        return load_process(dossier, ctx)
    except SQLAlchemyError:
        raise
    except Exception:  # noqa: BLE001 - whatever the library or zlib/json raise on a damaged state
        log.warning("the workflow state of dossier %s cannot be read", dossier.code, exc_info=True)
        return None


def end_without_process(session: Session, dossier: Dossier, settings: Settings) -> None:
    """What ``save_process`` does for an ended dossier, for one whose process cannot be read: no BPMN timer, no
    open work item, no sweep due."""
    dossier.bpmn_timer_at = None
    session.execute(delete(WorkItem).where(WorkItem.dossier_id == dossier.id))
    plan_timers(session, dossier, settings)


def save_process(session: Session, dossier: Dossier, process: Process, now: datetime, settings: Settings,
                 cal=None, *, new: bool = False) -> None:
    """Store the state, mirror the open user tasks as work item rows, and plan the next timer sweep (``new``: a
    dossier filed in this transaction, which has no work item yet)."""
    dossier.workflow_state = process.dump()
    dossier.path_nodes = process.completed_nodes()  # the diagram's path, read without the workflow (cases.paths)
    dossier.serializer_version = SERIALIZER_VERSION
    dossier.bpmn_timer_at = process.next_timer_at()
    limits = step_limits(dossier)
    if limits and cal is None:  # a step's own limit counts on the dossier's calendar (plan_timers reads it too)
        cal = calendar_of(session, dossier, settings)
    plan_timers(session, dossier, settings, cal)
    for row in _sync_work_items(session, dossier, process.ready_user_tasks(), now, new=new, limits=limits, cal=cal):
        if row["step"] == "handover":  # liên thông (D33): the sub-dossier opens once the action is recorded
            session.info.setdefault(HANDOVERS, []).append((settings, dossier, row, now))


_ITEMS = WorkItem.__table__
# Built once (compiled and keyed once), run on the transaction's connection: the rows are plain data, and the
# unit of work or the ORM's statement handling would cost more than the statements themselves.
_OPEN_ITEMS = (select(_ITEMS.c.id, _ITEMS.c.task_id, _ITEMS.c.step, _ITEMS.c.due_at, _ITEMS.c.spec_name,
                      _ITEMS.c.created_at)
               .where(_ITEMS.c.dossier_id == bindparam("dossier_id")))
_ADD_ITEMS = insert(_ITEMS)
_DROP_ITEMS = delete(_ITEMS).where(_ITEMS.c.id.in_(bindparam("ids", expanding=True)))
_MOVE_ITEM_DUE = update(_ITEMS).where(_ITEMS.c.id == bindparam("item_id")).values(due_at=bindparam("new_due"))


def _sync_work_items(session: Session, dossier: Dossier, open_tasks: list, now: datetime, *,
                     new: bool = False, limits: dict[str, dict] | None = None, cal=None) -> list[dict]:
    """Mirror the process's open user tasks as work item rows with Core statements: drop the rows of finished
    tasks, add the new ones, and move the due time of the others when the deadlines moved (``limits``: the
    tasks' own time limits, ``step_limits``, counted on ``cal``; an item with one keeps its due counted from its
    creation, capped by the dossier's due time as it is now)."""
    conn = session.connection()
    existing = [] if new else conn.execute(_OPEN_ITEMS, {"dossier_id": dossier.id}).all()
    if dossier.status not in TERMINAL:  # work the engine opened (the apology) is no BPMN task: it stays
        existing = [row for row in existing if row.step not in stepkinds.OPENED_BY_ENGINE]
    known = {row.task_id for row in existing}
    added = [{"dossier_id": dossier.id, "task_id": t.task_id, "spec_name": t.spec_name, "name": t.name,
              "step": t.step or "", "role": lane_role(t), "agency_id": work_agency(dossier, t.step or "", lane_role(t)),
              "form_key": t.form_key, "assignee_id": None,
              "created_at": now, "due_at": work_item_due(dossier, t.step or "", t.spec_name, now, limits, cal)}
             for t in open_tasks if t.task_id not in known]
    if added:  # before the deletes: a work item id is never given to another task
        conn.execute(_ADD_ITEMS, added)
    open_ids = {t.task_id for t in open_tasks}
    gone = [row.id for row in existing if row.task_id not in open_ids]
    if gone:
        conn.execute(_DROP_ITEMS, {"ids": gone})
    for row in existing:
        due = work_item_due(dossier, row.step, row.spec_name, row.created_at, limits, cal)
        if limits and row.spec_name in limits and row.due_at is not None and due is not None:
            # a step's own due is never brought earlier here but by its cap: it may have moved later for a wait of
            # the applicant (engine.cases.replanning.after_wait), which counting from the creation does not see
            cap = item_due(dossier, row.step)
            due = max(due, row.due_at if cap is None else min(row.due_at, cap))
        if row.task_id in open_ids and row.due_at != due:
            conn.execute(_MOVE_ITEM_DUE, {"item_id": row.id, "new_due": due})
    return added


def plan_timers(session: Session, dossier: Dossier, settings: Settings, cal=None) -> None:
    if dossier.suspended_at is not None:  # an administrator suspended it: no timer fires (engine.cases.operations)
        dossier.next_timer_at = None
        return
    cal = cal or calendar_of(session, dossier, settings)
    dossier.next_timer_at = deadlines.next_due_work(dossier, cal)


def ensure_not_suspended(dossier: Dossier) -> None:
    """No task of a suspended dossier can be completed (engine.cases.operations)."""
    if dossier.suspended_at is not None:
        raise Conflict("Hồ sơ đang bị quản trị viên tạm dừng; không thể thực hiện công việc cho đến khi hồ sơ được "
                       "tiếp tục", code="dossier_suspended")


def _next_code(session: Session, agency: Agency, now: datetime) -> str:
    """D6: <agency id>-<YYMMDD>-<NNNN>, a daily sequence per agency, safe under concurrency, never reused (taken
    apart from the filing's transaction where the database allows: engine.data.counters.next_value_apart)."""
    day = now.astimezone(VN_TZ).strftime("%y%m%d")
    number = counters.next_value_apart(session, DayCounter, agency_id=agency.id, day=day)
    return f"{agency.code}-{day}-{number:04d}"
