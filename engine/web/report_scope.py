"""What a statistics request asks for, read once for the leaders' pages and the report-form API: the period
(a month, or from/to), the agency, the procedure and the grouping, and whether the user may see it.

Leaders (department leader, head of agency, centre director) and an agency's administrators see their own
agency only; an administrator of no agency (the province's) sees any agency, or the whole province when they
name none (the rule of the statistics API, engine/web/reports.py). A period is at most ``report_max_days``. A bad value is an Invalid naming the field (the API answers
422 with it, the page shows it next to the form); another agency than one's own is Forbidden. The messages go
through Flask-Babel: Vietnamese for the API, the page's language on the pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import Forbidden, Invalid
from engine.data.model import Agency, Procedure, User
from engine.process.forms import parse_day
from engine.reports.reportform import PROVINCE
from engine.reports.scope import GROUP_BY, Scope

from . import SANE_YEARS, tthc

LEADERS = frozenset({"department_leader", "head_of_agency", "centre_director"})
READERS = LEADERS | {"administrator"}
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}\Z")


def may_read(user: User | None) -> bool:
    return user is not None and bool(user.roles & READERS)


def of_province(user: User) -> bool:
    """An administrator of no agency: the province's, who may see every agency."""
    return "administrator" in user.roles and user.agency_id is None


@dataclass(frozen=True)
class Asked:
    scope: Scope
    agency: Agency | None      # None: every agency (administrators only)
    procedure: Procedure | None
    month: str | None          # "YYYY-MM" when the period is one month

    @property
    def reporter(self) -> str:
        """Who reports: the agency's name, or the province's committee for every agency."""
        return self.agency.name if self.agency else PROVINCE


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
        day = parse_day(raw)
        if day is None or not SANE_YEARS[0] <= day.year <= SANE_YEARS[1]:
            errors[name] = _("Ngày không hợp lệ (YYYY-MM-DD)")
        else:
            days[name] = day
    end = days.get("to", today)
    start = days.get("from", end.replace(day=1))
    if not errors and start > end:
        errors["from"] = _("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc")
    elif not errors and (end - start).days + 1 > tthc()["settings"].report_max_days:
        errors["to"] = _("Mỗi lần xem tối đa %(days)s ngày", days=tthc()["settings"].report_max_days)
    return start, end, None


def _agency(session: Session, user: User, code: str | None, errors: dict) -> Agency | None:
    if code is not None:
        agency = session.scalar(select(Agency).where(Agency.code == code))
        if agency is None:
            errors["agency"] = _("Không có cơ quan mã %(code)s", code=code)
            return None
        if not of_province(user) and agency.id != user.agency_id:
            raise Forbidden(_("Chỉ xem được thống kê của cơ quan mình"), code="other_agency")
        return agency
    return None if of_province(user) else session.get(Agency, user.agency_id)


def read(session: Session, user: User, args, today: date, *, group_by: str | None = None) -> Asked:
    """The request of ``user`` in ``args`` (a query string's values; an empty value is a wrong value, the pages
    drop their form's empty fields first); raises Invalid or Forbidden."""
    if not may_read(user) or (user.agency_id is None and not of_province(user)):
        raise Forbidden(_("Chỉ lãnh đạo và quản trị hệ thống được xem thống kê"), code="not_a_leader")
    errors: dict[str, str] = {}
    start, end, month = _period(args, today, errors)
    agency = _agency(session, user, args.get("agency"), errors)
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
    scope = Scope(start, end, frozenset({agency.id}) if agency else None,
                  frozenset({procedure.code}) if procedure else None, grouping)
    return Asked(scope, agency, procedure, month)
