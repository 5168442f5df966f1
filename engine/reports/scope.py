"""What a report covers: a period of Vietnam days, a set of agencies, a set of procedures, and how rows group.

The agencies are a set of ids so that an agency's subtree (a later issue) plugs in as the set it expands to;
None means every agency (the province).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.core.clock import VN_TZ

GROUP_BY = ("agency", "procedure", "month")


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
