"""D32 counters per agency, procedure or month over a period.

Row shape (``Report.rows``, and ``Report.total`` without ``key``/``label``): ``{"key": agency code | procedure
code | "YYYY-MM", "label": agency name | procedure name | "MM/YYYY", <counter>: int | float | None, ...}``
with the counters of ``COUNTERS`` (the names of api.md "Reports").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from engine.core.settings import Settings
from engine.reports.scope import GROUP_BY, Scope

COUNTERS = (
    "received", "received_online", "received_desk", "received_post",
    "resolved", "resolved_early", "resolved_on_time", "resolved_late",
    "pending_in_time", "pending_overdue",
    "avg_resolution_working_hours",
    "supplement_first", "supplement_second", "supplement_second_not_met", "supplement_second_other",
    "extensions", "apologies", "violations", "paid_online",
    "digitised", "reused",
    "rating_count", "rating_avg",
)
AVERAGES = ("avg_resolution_working_hours", "rating_avg")  # None when nothing was measured


@dataclass
class Report:
    scope: Scope
    generated_at: datetime
    rows: list[dict] = field(default_factory=list)
    total: dict = field(default_factory=dict)
    # The reasons given for second supplement requests of the period (D11), most frequent first.
    second_reasons: list[dict] = field(default_factory=list)


def statistics(session: Session, settings: Settings, scope: Scope, now: datetime) -> Report:
    """The counters of ``scope``, one row per agency, procedure or month and a total."""
    raise NotImplementedError


__all__ = ["AVERAGES", "COUNTERS", "GROUP_BY", "Report", "Scope", "statistics"]
