"""What reports count (D5, D19, D32): the flags of one dossier, decided here once for every report.

D5: a dossier counts as *online* when it was registered on the portal or app: by the citizen, by an officer
helping the citizen there, or by the postal operator on the citizen's behalf. A desk filing typed in by the
receiving officer is not online. D19: a late dossier counts as late in every report. D11b, D19: a second
supplement request for another reason and an overdue dossier are violations.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.law.apology import is_violation
from engine.law.lateness import EARLY, LATE, ON_TIME, ResultFacts, is_late, timeliness
from engine.law.statuses import HAS_RESULT, OPEN_FOR_RESULT

CHANNELS = ("online", "desk", "post")


def is_online(channel: str, registered_on_portal: bool = False) -> bool:
    """D5: registered on the portal or app (the ``online`` channel, or a postal or assisted filing that was
    registered there on the citizen's behalf)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    return channel == "online" or registered_on_portal


@dataclass(frozen=True)
class Flags:
    """One dossier as reports count it."""

    online: bool
    late: bool
    violation: bool
    resolution: str | None  # early / on_time / late once resolved (D32)
    pending: str | None     # in_time / overdue while the result's clock runs (D32)


def flags(dossier: ResultFacts, channel: str, letter_faults: list[list[str]], now: datetime,
          registered_on_portal: bool = False) -> Flags:
    """The counters' flags of a dossier at ``now``; ``letter_faults`` are the fault kinds of each of its
    apology letters."""
    late = is_late(dossier, now)
    resolution = pending = None
    if dossier.status in HAS_RESULT and dossier.resolved_at is not None:
        resolution = LATE if late else timeliness(dossier.resolved_at, dossier.due_at) or ON_TIME
    elif dossier.status in OPEN_FOR_RESULT:
        pending = "overdue" if late else "in_time"
    violation = late or any(is_violation(faults) for faults in letter_faults)
    return Flags(is_online(channel, registered_on_portal), late, violation, resolution, pending)


def resolution_working_time(between: Callable[[datetime, datetime], timedelta], received_at: datetime,
                            resolved_at: datetime, pauses: Iterable[tuple[datetime, datetime | None]]) -> timedelta:
    """D32: the resolution time of a dossier, in working time (``between``: the working calendar's measure),
    from its receipt to its result, less the intervals it waited for the applicant (``pauses``: each wait's start
    and end, None for one still open at the result): a supplement asked during processing, a fee asked after the
    intake or before the result (engine.law.payment.fee_waits, the waits the due instant moved by).

    The time is measured from the receipt itself, so each wait is taken out as its whole span clipped to
    [receipt, result], not as deadlines.waited_time (which starts at the due date's clock_start: a fee asked at a
    receipt after the 15:00 cut-off costs the due date nothing until the next working day, but the receipt-to-
    result time counts that evening, and the applicant held the dossier then). Overlapping waits are merged first:
    no working minute is taken out twice. Never negative."""
    spans = sorted((max(start, received_at), min(end or resolved_at, resolved_at)) for start, end in pauses)
    worked, reached = between(received_at, resolved_at), received_at
    for lo, hi in spans:
        lo = max(lo, reached)
        if hi > lo:
            worked -= between(lo, hi)
            reached = hi
    return max(worked, timedelta(0))


def resolution(recorded_late: bool, after_due: bool, before_due_day: bool) -> str:
    """D19, D32, as reports read a resolved dossier in bulk: late when recorded late or resolved after the due
    instant; early when resolved on a Vietnam day before the due day; on time otherwise (the verdict of
    ``flags`` and ``lateness.timeliness``, from the three facts a grouped query gives)."""
    if recorded_late or after_due:
        return LATE
    return EARLY if before_due_day else ON_TIME


def pending(run_out: bool, waiting_for_applicant: bool, recorded_overdue: bool = False) -> str:
    """D19, D32: a dossier received and not resolved at the end of a period is overdue when its due instant
    has arrived by then, unless it was waiting for the applicant (a supplement asked during processing, or a fee
    asked and not yet paid, D26): no processing time passes, and its due instant moves when the wait ends. One
    recorded overdue by then stays overdue ("counts as late in every report"), waiting or with a due moved since."""
    return "overdue" if recorded_overdue or (run_out and not waiting_for_applicant) else "in_time"


__all__ = ["CHANNELS", "EARLY", "Flags", "LATE", "ON_TIME", "flags", "is_online", "pending", "resolution", "resolution_working_time"]
