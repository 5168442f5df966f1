"""The officers' inbox a page at a time: open work items of my roles in my agency, in due or arrival order, read
off an index (work_item (agency_id, role, due_at, id) and (agency_id, role, created_at, id)) and never sorted
whole: the cost of a page is the page, whatever the number of open items or dossiers.

Paging is by key (the last row's sort value and id, in an opaque cursor), not by offset: a page never reads the
rows before it, and work that arrives or leaves between two pages shifts nothing. An officer with several roles
gets one indexed read per role, merged. Items without a due time (none today, but the column allows it) come
after the others in due order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta, timezone

from sqlalchemy import Select, and_, bindparam, exists, func, literal, select, tuple_, union_all
from sqlalchemy.orm import Session, defaultload, defer, selectinload

from engine.core.calendar import WorkingCalendar
from engine.core.clock import VN_TZ
from engine.core.errors import Forbidden, Invalid
from engine.data.model import OFFICER_ROLES, Dossier, Procedure, ProcedureVersion, User, WorkItem

PAGE = 50
MAX_PAGE = 500
SORTS = {"due": (WorkItem.due_at, False), "due_desc": (WorkItem.due_at, True),
         "received": (WorkItem.created_at, False), "received_desc": (WorkItem.created_at, True)}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
CURSOR_PATTERN = r"^(v\.\d{1,17}|n\.)\.\d{1,9}$"  # the instant in microseconds since 1970, the item id
FILED_CURSOR_PATTERN = r"^v\.\d{1,17}\.\d{1,9}$"  # the dossiers' list: every dossier has its filing instant
CURSOR_RE = re.compile(r"^([vn])\.(\d{1,17})?\.(\d{1,9})$")


@dataclass(frozen=True)
class Filters:
    """What narrows the inbox; every bound is an instant, so each is a range of the indexed due time."""

    mine: bool = False
    role: str | None = None
    procedure: str | None = None
    step: str | None = None
    due_after: datetime | None = None  # exclusive
    due_before: datetime | None = None  # inclusive


@dataclass
class Page:
    items: list[WorkItem]
    next: str | None  # the cursor of the next page, None on the last
    versions: list[ProcedureVersion] = field(default_factory=list)  # held for the items' dossiers (versions_of)


@dataclass(frozen=True)
class Cursor:
    segment: str  # "v": items with a sort value, "n": items without (due time unset)
    at: datetime | None
    id: int

    def text(self) -> str:
        micros = "" if self.at is None else str((self.at - EPOCH) // timedelta(microseconds=1))
        return f"{self.segment}.{micros}.{self.id}"


def parse_cursor(raw: str | None) -> Cursor | None:
    """The cursor of a page link; a malformed one is refused (422 naming ``after``), never guessed."""
    if raw is None:
        return None
    m = CURSOR_RE.match(raw)
    if m is None or (m.group(1) == "v") != (m.group(2) is not None):
        raise Invalid("Tham số 'after' không hợp lệ (lấy từ liên kết trang sau)",
                      fields={"after": "Con trỏ trang không hợp lệ"})
    at = None
    if m.group(2) is not None:
        try:
            at = EPOCH + timedelta(microseconds=int(m.group(2)))
        except OverflowError:
            raise Invalid("Tham số 'after' không hợp lệ", fields={"after": "Con trỏ trang không hợp lệ"}) from None
    return Cursor(m.group(1), at, int(m.group(3)))


def roles_of(user: User, role: str | None = None) -> list[str]:
    if not user.is_officer or user.agency_id is None:
        raise Forbidden("Chỉ cán bộ có hộp công việc")
    roles = user.roles & OFFICER_ROLES
    return sorted(roles if role is None else roles & {role})


@dataclass(frozen=True)
class _Shape:
    """What a role's key statement filters on (not the values, which are bound at each read): one statement is
    built, compiled and keyed per shape, not per page read."""

    sort: str
    mine: bool
    step: bool
    due_after: bool
    due_before: bool
    procedure: bool
    after: str | None  # the cursor's segment, when the page continues one


_PROCEDURE_VERSIONS = (select(ProcedureVersion.id).join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                       .where(Procedure.code == bindparam("procedure")))


def _conditions(shape: _Shape) -> list:
    where = [WorkItem.agency_id == bindparam("agency_id"), WorkItem.role == bindparam("role")]
    if shape.mine:
        where.append(WorkItem.assignee_id == bindparam("me"))
    if shape.step:
        where.append(WorkItem.step == bindparam("step"))
    if shape.due_after:
        where.append(WorkItem.due_at > bindparam("due_after", type_=WorkItem.due_at.type))
    if shape.due_before:
        where.append(WorkItem.due_at <= bindparam("due_before", type_=WorkItem.due_at.type))
    if shape.procedure:
        where.append(exists().where(Dossier.id == WorkItem.dossier_id,
                                    Dossier.procedure_version_id.in_(_PROCEDURE_VERSIONS)))
    return where


@lru_cache(maxsize=256)
def _key_statement(shape: _Shape):
    """One role's keys of a page, from the cursor on, in one statement: each segment (items with a sort value,
    then those without, or the reverse) is its own index range read in the index's order up to ``n`` rows, the
    two read together (UNION ALL) rather than one after the other. Columns: segment, value, id."""
    column, desc = SORTS[shape.sort]
    segments = ["v", "n"] if not desc else ["n", "v"]
    if shape.after is not None:
        segments = segments[segments.index(shape.after):]
    if column is WorkItem.created_at:
        segments = [s for s in segments if s == "v"]  # never unset
    base = _conditions(shape)
    parts = []
    for segment in segments:
        query: Select = select(literal(segment).label("segment"), column.label("at"), WorkItem.id).where(*base)
        continues = shape.after == segment
        if segment == "v":
            query = query.where(column.is_not(None))
            if continues:
                key = tuple_(column, WorkItem.id)
                mark = tuple_(bindparam("after_at", type_=column.type), bindparam("after_id"))
                query = query.where(key < mark if desc else key > mark)
        else:
            query = query.where(column.is_(None))
            if continues:
                query = query.where(WorkItem.id < bindparam("after_id") if desc else WorkItem.id > bindparam("after_id"))
        # all unset in the second segment: ordered by the column too, so that the plan is the inbox index's
        order = (column.desc(), WorkItem.id.desc()) if desc else (column, WorkItem.id)
        parts.append(query.order_by(*order).limit(bindparam("n")))
    if len(parts) < 2:  # None: nothing left to read (a cursor past the last created item: never unset)
        return parts[0] if parts else None
    return union_all(*(select(*part.subquery().c) for part in parts))


def _keys(session: Session, user: User, filters: Filters, role: str, sort: str, after: Cursor | None,
          n: int) -> list[tuple]:
    """Up to ``n`` (segment, value, id) of one role, in the page's order, from the cursor on."""
    shape = _Shape(sort, filters.mine, bool(filters.step), filters.due_after is not None,
                   filters.due_before is not None, bool(filters.procedure), after.segment if after else None)
    params = {"agency_id": user.agency_id, "role": role, "me": user.id, "step": filters.step,
              "due_after": filters.due_after, "due_before": filters.due_before, "procedure": filters.procedure,
              "after_at": after.at if after else None, "after_id": after.id if after else None, "n": n}
    statement = _key_statement(shape)
    if statement is None:
        return []
    rows = [(segment, at, item_id) for segment, at, item_id in session.execute(statement, params)]
    key, desc = _order(sort)
    rows.sort(key=key, reverse=desc)
    return rows[:n]


def _order(sort: str):
    desc = SORTS[sort][1]
    rank = {"v": 0, "n": 1}

    def key(row):
        segment, at, item_id = row
        return (rank[segment], at.timestamp() if at is not None else 0, item_id)
    return key, desc


def page(session: Session, user: User, filters: Filters = Filters(), *, sort: str = "due", after: Cursor | None = None,
         limit: int = PAGE) -> Page:
    """One page of the inbox and the cursor of the next."""
    if sort not in SORTS:
        raise Invalid("Cách sắp xếp không hợp lệ", fields={"sort": ", ".join(SORTS)})
    keys: list[tuple] = []
    for role in roles_of(user, filters.role):
        keys += _keys(session, user, filters, role, sort, after, limit + 1)
    key, desc = _order(sort)
    keys.sort(key=key, reverse=desc)
    more = len(keys) > limit
    keys = keys[:limit]
    ids = [k[2] for k in keys]
    loaded = {i.id: i for i in session.scalars(_ITEMS, {"ids": ids})} if ids else {}
    items = [loaded[i] for i in ids if i in loaded]
    last = keys[-1] if keys else None
    return Page(items, Cursor(last[0], last[1], last[2]).text() if more and last else None,
                versions_of(session, [i.dossier for i in items]))


# The page's rows, built once: a page read pays neither their construction nor their cache keys.
_ITEMS = (select(WorkItem).where(WorkItem.id.in_(bindparam("ids", expanding=True)))
          .options(selectinload(WorkItem.assignee), defaultload(WorkItem.dossier).lazyload(Dossier.procedure_version)))
# A list reads the versions' catalogue entries (the steps' actions, the fees, the procedure's name), never their
# forms: those are left unread (a task's own page reads its form; it is not a list).
_VERSIONS = (select(ProcedureVersion).where(ProcedureVersion.id.in_(bindparam("ids", expanding=True)))
             .options(defer(ProcedureVersion.forms)))


def versions_of(session: Session, dossiers: list[Dossier]) -> list[ProcedureVersion]:
    """The procedure versions of listed dossiers loaded with ``lazyload(Dossier.procedure_version)``, one query
    and one decoding of each version's forms and catalogue entry for the whole list (joined with every row, they
    were decoded once per row). The caller holds the list while it reads ``dossier.procedure_version``: the
    session's identity map answers those reads without a query while the versions are alive."""
    wanted = sorted({d.procedure_version_id for d in dossiers})
    return list(session.scalars(_VERSIONS, {"ids": wanted})) if wanted else []


def counts(session: Session, user: User, now: datetime, cal: WorkingCalendar) -> dict[str, int]:
    """The inbox's tallies in one statement over the roles' index ranges (no row is sorted or returned)."""
    today = now.astimezone(VN_TZ).date()
    start = datetime.combine(today, datetime.min.time(), VN_TZ)
    risk = at_risk_limit(cal, now)
    due = WorkItem.due_at
    row = session.execute(select(
        func.count(), func.count().filter(WorkItem.assignee_id == user.id), func.count().filter(due <= now),
        func.count().filter(and_(due > now, due <= risk)),
        func.count().filter(and_(due >= start, due < start + timedelta(days=1))))
        .where(WorkItem.agency_id == user.agency_id, WorkItem.role.in_(roles_of(user)))).one()
    return dict(zip(("all", "mine", "overdue", "at_risk", "today"), row))


def at_risk_limit(cal: WorkingCalendar, now: datetime) -> datetime:
    """The last due instant that is "at risk" at ``now``: one working day or less away (D19, as
    portal_cases.sla_state judges a row), i.e. until working time starts again after that day has passed."""
    return cal.next_working_instant(cal.add_working_time(now, cal.day_length))


def due_window(kind: str, cal: WorkingCalendar, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The (exclusive lower, inclusive upper) due bounds of the page's "due" filter."""
    if kind == "overdue":
        return None, now
    if kind == "at_risk":
        return now, at_risk_limit(cal, now)
    if kind == "today":
        start = datetime.combine(now.astimezone(VN_TZ).date(), datetime.min.time(), VN_TZ)
        return start - timedelta(microseconds=1), start + timedelta(days=1) - timedelta(microseconds=1)
    return None, None
