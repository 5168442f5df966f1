"""What a report covers: a period of Vietnam days, a set of agencies, a set of procedures, and how rows group.

The agencies are a set of ids: one agency, or an agency with every unit below it (``subtree``, D29: a centre with
its branches, a province's department with its offices), or None for every agency (the province).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.core.clock import VN_TZ

GROUP_BY = ("agency", "procedure", "month")
SANE_YEARS = (1900, 2999)  # dates a request may name (as the web faces: farther ones overflow time arithmetic)


@dataclass(frozen=True)
class Scope:
    """A report's period (``start`` and ``end`` inclusive, Vietnam days), agencies (ids; None: all),
    procedures (codes; None: all) and grouping (agency, procedure or month)."""

    start: date
    end: date
    agencies: frozenset[int] | None = None
    procedures: frozenset[str] | None = None
    group_by: str = "agency"

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The period as instants: from the start day's midnight to the midnight after the end day (Vietnam
        time), half open."""
        return (datetime.combine(self.start, time.min, VN_TZ),
                datetime.combine(self.end + timedelta(days=1), time.min, VN_TZ))

    def months(self) -> list[tuple[str, datetime, datetime]]:
        """The calendar months the period touches, each as (``YYYY-MM``, start, end) clipped to the period."""
        first, last = self.window
        found, day = [], self.start.replace(day=1)
        while day <= self.end:
            following = (day + timedelta(days=32)).replace(day=1)
            lo = max(first, datetime.combine(day, time.min, VN_TZ))
            hi = min(last, datetime.combine(following, time.min, VN_TZ))
            found.append((f"{day:%Y-%m}", lo, hi))
            day = following
        return found


def day(raw: str | None) -> date | None:
    """A typed day (YYYY-MM-DD) a report may name, or None (unreadable, or outside SANE_YEARS)."""
    from engine.process.forms import parse_day

    found = parse_day(raw) if isinstance(raw, str) else None
    return found if found is not None and SANE_YEARS[0] <= found.year <= SANE_YEARS[1] else None


def period_fault(first: date, last: date, max_days: int) -> str | None:
    """What is wrong with a period, the one rule of the API, the command and the pages: "reversed" (the start
    after the end), "too_long" (more than ``max_days`` days, both ends counted) or None."""
    if first > last:
        return "reversed"
    return "too_long" if (last - first).days + 1 > max_days else None


def real_day(raw: str) -> bool:
    """A real day written YYYY-MM-DD, whatever its year (9999-12-31): told apart from a day that is no day."""
    try:
        return isinstance(raw, str) and len(raw) == 10 and raw.isascii() and bool(date.fromisoformat(raw))
    except ValueError:
        return False


def _day(raw: str | None, name: str, errors: dict) -> date | None:
    if raw is None or raw == "":
        errors[name] = "Bắt buộc (YYYY-MM-DD): báo cáo phải có khoảng thời gian"
        return None
    found = day(raw)
    if found is None:
        errors[name] = (f"Năm phải từ {SANE_YEARS[0]} đến {SANE_YEARS[1]}" if real_day(raw)
                        else "Ngày không hợp lệ (YYYY-MM-DD)")
    return found


def flag(raw: str | None, name: str, errors: dict) -> bool:
    """A yes/no value of a query, as the task filters take it (engine.core.vocabulary.FLAGS; absent: no)."""
    from engine.core.vocabulary import FLAG_FIELD, FLAGS

    if raw is None or raw == "":
        return False
    if raw not in FLAGS:
        errors[name] = FLAG_FIELD
        return False
    return FLAGS[raw]


def asked(session, max_days: int, start: str | None, end: str | None, agency: str | None = None,
          procedure: str | None = None, group_by: str | None = None,
          subtree: bool = False) -> tuple[Scope, int | None]:
    """A report's scope from what a person typed (the API's query, the command's options): the period is
    required both ways, not reversed and at most ``max_days`` long; the agency (its electronic id) and the
    procedure (its code) must exist; Invalid names every bad field. Returns the scope (agencies: the named one,
    or None; with ``subtree``, it and every unit below it) and the named agency's id."""
    from sqlalchemy import select

    from engine.core.errors import Invalid
    from engine.data.model import Agency, Procedure

    errors: dict[str, str] = {}
    first, last = _day(start, "from", errors), _day(end, "to", errors)
    fault = period_fault(first, last, max_days) if first and last else None
    if fault == "reversed":
        errors["from"] = "Ngày bắt đầu sau ngày kết thúc"
    elif fault == "too_long":
        errors["to"] = f"Mỗi báo cáo tối đa {max_days} ngày"
    agency_id = None
    if agency is not None:
        agency_id = session.scalar(select(Agency.id).where(Agency.code == agency))
        if agency_id is None:
            errors["agency"] = "Không có cơ quan với mã định danh này"
    if procedure is not None and session.scalar(select(Procedure.id).where(Procedure.code == procedure)) is None:
        errors["procedure"] = "Không có thủ tục với mã này"
    grouping = "agency" if group_by is None else group_by
    if grouping not in GROUP_BY:
        errors["group_by"] = " hoặc ".join(GROUP_BY)
    if errors:
        raise Invalid("Yêu cầu báo cáo chưa hợp lệ", fields=errors)
    agency_ids = None if agency_id is None else frozenset({agency_id})
    if agency_id is not None and subtree:
        from engine.data import agencies

        agency_ids = frozenset(session.scalars(agencies.subtree_ids(session.get(Agency, agency_id))))
    return (Scope(first, last, agency_ids, None if procedure is None else frozenset({procedure}), grouping),
            agency_id)
