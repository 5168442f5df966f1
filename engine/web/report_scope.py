"""What a statistics request asks for, read once for the leaders' pages and the report-form API: the period
(a month, or from/to), the agency, the procedure and the grouping, and whether the user may see it.

Which agencies a user may see is one rule (``reach``), the statistics API's (engine/web/reports.py) and the
pages': leaders (department leader, head of agency, centre director) see their own agency; administrators the
agencies they administer (engine.cases.administration.scope: their agency's subtree, every agency for the
province's). The period follows the reports' own rule (engine.reports.scope: a real day, not reversed, at most
``report_max_days``). A bad value is an Invalid naming the field (the API answers 422 with it, the page shows it
next to the form); an agency outside the user's reach is Forbidden. The messages go through Flask-Babel:
Vietnamese for the API, the page's language on the pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import administration
from engine.core.errors import Forbidden, Invalid
from engine.data import agencies
from engine.data.model import Agency, Procedure, User
from engine.reports.reportform import province
from engine.reports.scope import GROUP_BY, Scope, day, flag, period_fault, real_day

from . import SANE_YEARS, tthc
from .numbers import number

LEADERS = frozenset({"department_leader", "head_of_agency", "centre_director"})
READERS = LEADERS | {"administrator"}
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}\Z")


def may_read(user: User | None) -> bool:
    return user is not None and bool(user.roles & READERS)


def reach(session: Session, user: User) -> tuple[Agency | None, frozenset[int] | None]:
    """The agency ``user`` reports for and the ids of the agencies whose statistics they may see; (None, None):
    every agency (the province's administrator). Forbidden for a user who may read none."""
    if not may_read(user):
        raise Forbidden(_("Chỉ lãnh đạo và quản trị hệ thống được xem thống kê"), code="not_a_leader")
    if administration.ADMIN in user.roles:
        root = administration.scope(session, user)
        return root, None if root is None else frozenset(session.scalars(agencies.subtree_ids(root)))
    own = session.get(Agency, user.agency_id) if user.agency_id is not None else None
    if own is None:
        raise Forbidden(_("Chỉ lãnh đạo và quản trị hệ thống được xem thống kê"), code="not_a_leader")
    return own, frozenset({own.id})


def within(session: Session, user: User, agency_id: int | None, *, subtree: bool = False) -> frozenset[int] | None:
    """The agencies a report of ``user`` counts: the named one (``agency_id``; Forbidden outside their reach), with
    ``subtree`` it and the units below it that they may see, or every one they may see (None: all)."""
    _root, ids = reach(session, user)
    if agency_id is None:
        return ids
    if ids is not None and agency_id not in ids:
        raise Forbidden(_("Chỉ xem được thống kê của cơ quan mình"), code="other_agency")
    if not subtree:
        return frozenset({agency_id})
    below = frozenset(session.scalars(agencies.subtree_ids(session.get(Agency, agency_id))))
    return below if ids is None else below & ids


@dataclass(frozen=True)
class Asked:
    scope: Scope
    agency: Agency | None      # the one agency counted; None: several (an administrator's, or every one)
    procedure: Procedure | None
    month: str | None          # "YYYY-MM" when the period is one month
    root: Agency | None = None  # the agency the user reports for; None: the province
    subtree: Agency | None = None  # the agency named with the units below it ("subtree"), counted together

    def reporter(self, session) -> str:
        """Who reports: the agency's name (named with its units, or alone), the administered agency's, or the
        province's committee (the tree's root)."""
        named = self.agency or self.subtree
        return named.name if named else self.root.name if self.root else province(session)


def month_bounds(text: str) -> tuple[date, date] | None:
    """``YYYY-MM`` as its first and last day, or None."""
    if not isinstance(text, str) or not MONTH.match(text):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not (SANE_YEARS[0] <= year <= SANE_YEARS[1] and 1 <= month <= 12):
        return None
    first = date(year, month, 1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _period(args, today: date, errors: dict) -> tuple[date, date, str | None]:
    month = args.get("month")
    if month is not None:
        bounds = month_bounds(month)
        if bounds is None:
            errors["month"] = _("Tháng không hợp lệ (YYYY-MM)")
            return today.replace(day=1), today, None
        return bounds[0], bounds[1], month
    days = {}
    for name in ("from", "to"):
        raw = args.get(name)
        if raw is None:
            continue
        found = day(raw)
        if found is None:  # a real day of a year out of reach is told so (engine.reports.scope's rule)
            errors[name] = (_("Năm phải từ %(first)s đến %(last)s", first=SANE_YEARS[0], last=SANE_YEARS[1])
                            if real_day(raw) else _("Ngày không hợp lệ (YYYY-MM-DD)"))
        else:
            days[name] = found
    end = days.get("to", today)
    start = days.get("from", end.replace(day=1))
    max_days = tthc()["settings"].report_max_days
    fault = None if errors else period_fault(start, end, max_days)
    if fault == "reversed":
        errors["from"] = _("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc")
    elif fault == "too_long":
        errors["to"] = _("Mỗi lần xem tối đa %(days)s ngày", days=number(max_days))  # 1.830, 1,830
    return start, end, None


def _agency(session: Session, code: str | None, errors: dict) -> Agency | None:
    if code is None:
        return None
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        errors["agency"] = _("Không có cơ quan mã %(code)s", code=code)
    return agency


def read(session: Session, user: User, args, today: date, *, group_by: str | None = None) -> Asked:
    """The request of ``user`` in ``args`` (a query string's values; an empty value is a wrong value, the pages
    drop their form's empty fields first); raises Invalid or Forbidden."""
    root, ids = reach(session, user)
    errors: dict[str, str] = {}
    start, end, month = _period(args, today, errors)
    agency = _agency(session, args.get("agency"), errors)
    with_units = flag(args.get("subtree"), "subtree", errors)
    subtree = None
    if agency is not None:
        ids = within(session, user, agency.id, subtree=with_units)
        if len(ids) > 1:  # the agency with units below it: several agencies, each its row
            agency, subtree = None, agency
    elif ids is not None and len(ids) == 1 and root is not None and root.id in ids:
        agency = root  # an agency with none below it: the one agency counted
    procedure = None
    code = args.get("procedure")
    if code is not None:
        procedure = session.scalar(select(Procedure).where(Procedure.code == code))
        if procedure is None:
            errors["procedure"] = _("Không có thủ tục mã %(code)s", code=code)
    grouping = args.get("group_by", group_by or ("agency" if agency is None else "procedure"))
    if grouping not in GROUP_BY:
        errors["group_by"] = _("Cách nhóm không hợp lệ (agency, procedure hoặc month)")
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    scope = Scope(start, end, ids, frozenset({procedure.code}) if procedure else None, grouping)
    return Asked(scope, agency, procedure, month, root, subtree)
