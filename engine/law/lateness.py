"""Lateness (D19, D30, D32): when a deadline is missed, and whether a dossier is late.

A deadline is an instant. Work done at or before it is in time (the control slip's rule, D30); work still
not done when the instant arrives has run out of time: the timer service records an open dossier as
overdue exactly at its due instant (D19). Lateness of the result is judged at resolution: a result resolved
in time and collected later is not late (D19, D23). Once recorded late, a dossier stays late in every report.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from engine.core.clock import VN_TZ
from engine.law.statuses import OPEN_FOR_RESULT

EARLY, ON_TIME, LATE = "early", "on_time", "late"


class ResultFacts(Protocol):
    """What the law reads of a dossier to judge its result's lateness (``Dossier`` has these)."""

    status: int
    due_at: datetime | None
    resolved_at: datetime | None
    late: bool


def has_run_out(due: datetime | None, now: datetime) -> bool:
    """Work still open at ``now`` has run out of time: its due instant has arrived (no deadline never does)."""
    return due is not None and now >= due


def done_late(due: datetime | None, done_at: datetime) -> bool:
    """Work done at ``done_at`` missed ``due``: done after the due instant."""
    return due is not None and done_at > due


def is_late(dossier: ResultFacts, now: datetime | None) -> bool:
    """D19: the result was not (or is not being) resolved by its due instant. A resolved dossier is judged at
    its resolution, never at its collection; an open one while its result's clock runs (not while it waits
    for the applicant); ``now`` None reads the record only. Once recorded late, always late."""
    if dossier.late:
        return True
    if dossier.resolved_at is not None:
        return done_late(dossier.due_at, dossier.resolved_at)
    return now is not None and dossier.status in OPEN_FOR_RESULT and has_run_out(dossier.due_at, now)


def becomes_overdue(dossier: ResultFacts, now: datetime) -> bool:
    """What the timer service records at ``now``: late, and not recorded yet (D19)."""
    return not dossier.late and is_late(dossier, now)


def ran_out_before(dossier: ResultFacts, now: datetime) -> bool:
    """D19: an action at ``now`` that stops the result's clock (a supplement or fee request, a withdrawal, a stop)
    finds its due instant already passed and no overdue recorded: the dossier became late at that instant, whether
    or not the timer service ran in between. Work done at the instant itself is in time."""
    return not dossier.late and dossier.status in OPEN_FOR_RESULT and done_late(dossier.due_at, now)


def timeliness(done: datetime, due: datetime | None) -> str | None:
    """D30, D32: work done at ``done`` against its limit ``due``: late after the due instant, early when done
    on a day before the due day (Vietnam time), on time otherwise; None without a limit."""
    if due is None:
        return None
    if done_late(due, done):
        return LATE
    return EARLY if done.astimezone(VN_TZ).date() < due.astimezone(VN_TZ).date() else ON_TIME
