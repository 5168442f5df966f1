"""Intake (D7): an online dossier is checked within one working hour of its filing.

The figure is configurable per province (``intake_working_hours`` in config/calendar.toml). Filings outside
office hours count from the start of the next working period. Lateness has the boundary of every deadline
(engine.law.lateness): a decision at the due instant is in time; at that instant an unchecked dossier is late.
Online counts the post too (D5: registered by the postal operator for the citizen); a desk dossier is checked
by the officer who registers it while the citizen is there, and has no intake hour (no deadline to miss).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from engine.core.calendar import WorkingCalendar
from engine.law.lateness import done_late, has_run_out
from engine.law.statuses import SUBMITTED

DEFAULT_INTAKE_WORKING_HOURS = 1.0
HOURLY_CHANNELS = ("online", "post")  # D5: online, whoever registered it on the portal (the postal operator too)


class IntakeFacts(Protocol):
    status: int
    intake_due_at: datetime | None
    intake_late: bool
    intake_alerted_due_at: datetime | None


def intake_due(cal: WorkingCalendar, filed_at: datetime,
               working_hours: float = DEFAULT_INTAKE_WORKING_HOURS) -> datetime:
    """D7: when the intake check of a dossier filed (or completed by the applicant) at ``filed_at`` is due."""
    return cal.add_working_time(filed_at, timedelta(hours=working_hours))


def has_intake_hour(channel: str | None) -> bool:
    """D5, D7: whether a dossier filed on ``channel`` has an intake check due within the hour (not at the desk)."""
    return channel in HOURLY_CHANNELS


def is_intake_late(dossier: IntakeFacts, now: datetime) -> bool:
    """D7: the dossier was not checked by its intake deadline. Judged while it waits for the check
    (status 1); once recorded, kept."""
    return dossier.intake_late or (dossier.status == SUBMITTED and has_run_out(dossier.intake_due_at, now))


def decided_late(intake_due_at: datetime | None, decided_at: datetime) -> bool:
    """D7: an intake decision (receive, supplement request, refusal) made at ``decided_at`` was late."""
    return done_late(intake_due_at, decided_at)


def alert_due(dossier: IntakeFacts, now: datetime) -> bool:
    """D7, D28: the intake check the dossier waits for has run out and its overdue was not alerted yet. Each
    intake deadline is alerted once: a new one (the check again after a supplement) is watched again, though the
    dossier stays recorded as checked late before (``intake_late``)."""
    return (dossier.status == SUBMITTED and has_run_out(dossier.intake_due_at, now)
            and dossier.intake_alerted_due_at != dossier.intake_due_at)


def watched_due(dossier: IntakeFacts) -> datetime | None:
    """The intake deadline the timers wait for: the current one while the dossier waits for its check, until its
    overdue is alerted (none at the desk)."""
    if dossier.status != SUBMITTED or dossier.intake_alerted_due_at == dossier.intake_due_at:
        return None
    return dossier.intake_due_at
