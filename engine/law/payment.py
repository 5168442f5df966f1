"""Fees (D26): when a declared fee falls due, where the dossier waits for it, what the clock does meanwhile,
when a paid fee is refunded, and what online payment means for the service level (D27).

Pure rules on the dossier's facts; the use cases (engine.cases.payments) act on them.

The moments of payment a procedure may declare:

* ``filing``: with the online filing, before the one-stop's intake check. The dossier waits in status 6
  (payment) instead of 1 and comes back to 1 when paid; the intake check's hour starts again at the payment.
* ``intake`` ("nộp khi tiếp nhận", "thu trước"): when the dossier is received. It goes on to processing and
  waits there in status 6 until paid (processing → payment → processing).
* ``before_result`` ("thu sau"): when the result is approved, before it is issued (same loop).

The clock: waiting for the applicant's payment is the applicant's time, as a supplement is (D12: no processing
time passes while the applicant completes the dossier). The result's clock pauses when the dossier enters 6 and
resumes when the fee is paid: the due instant moves by the working time spent waiting.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from engine.core.calendar import WorkingCalendar
from engine.law import deadlines, intake
from engine.law.statuses import PAYMENT, PROCESSING, REFUSED, STOPPED, SUBMITTED, WITHDRAWN

MOMENTS = ("filing", "intake", "before_result")
ALIASES = {"at_filing": "filing", "at_intake": "intake"}  # the older spelling of the declarations
METHODS = ("online", "cash", "card")
STATES = ("pending", "paid", "failed", "refunded", "exempted")
# Which completed action brings each moment's fees due (step kind, action); filing is the filing itself.
DUE_AFTER = {("intake", "receive"): "intake", ("approval", "approve"): "before_result"}


def moment_of(text: str) -> str | None:
    """The moment a declaration names, or None when it names none of them."""
    text = ALIASES.get(text, text)
    return text if text in MOMENTS else None


def waiting_status(moment: str) -> int:
    """Where the dossier goes back to once paid: the intake check for a filing fee, processing otherwise."""
    return SUBMITTED if moment == "filing" else PROCESSING


def on_payment_requested(dossier, now: datetime) -> None:
    """D26 and the clock: the dossier waits for the applicant; the result's clock stops (its due instant moves
    when the fee is paid). A filing fee comes before intake: the intake hour has not started."""
    dossier.paused_at = now


def fee_waits(changes: Iterable[tuple]) -> list[tuple[datetime, datetime]]:
    """The finished waits for a fee that moved the result's due instant (``on_paid``), from a dossier's status
    changes in their order (``changes``: at, from status, to status, the event's data): a fee asked after the
    intake or before the result, from its request to its settlement (the dossier entering status 6 and leaving it
    back to processing). A fee asked with the filing is not one (the result's clock had not started), nor one the
    dossier left unpaid, withdrawn or stopped (nothing moved). The one rule of the due date, of a step's own limit
    (engine.cases.replanning) and of the resolution time the reports keep (D32)."""
    spans, start = [], None
    for at, from_status, to_status, data in changes:
        if to_status == PAYMENT and from_status != PAYMENT:
            start = at if (data or {}).get("moment") != "filing" else None
        elif from_status == PAYMENT and to_status != PAYMENT:
            if start is not None and to_status == PROCESSING:
                spans.append((start, at))
            start = None
    return spans


def on_paid(dossier, cal: WorkingCalendar, moment: str, now: datetime,
            intake_hours: float = intake.DEFAULT_INTAKE_WORKING_HOURS) -> None:
    """Paid: a filing fee starts the intake check's hour now (D7); otherwise the result's due instant (and the
    original one) moves by the counting time spent waiting for the payment (engine.law.deadlines.waited_time: none
    before the clock started, e.g. from a receipt after the 15:00 cut-off to the next working day, D16)."""
    if moment == "filing":  # a desk dossier's check has no hour (D5, D7): paying does not give it one
        if intake.has_intake_hour(dossier.channel):
            dossier.intake_due_at = intake.intake_due(cal, now, intake_hours)
    elif dossier.paused_at is not None and dossier.due_at is not None:
        waited = deadlines.waited_time(cal, dossier, dossier.paused_at, now)
        if waited:  # none: the dates stay as they are (17:00 is not written as 07:00 of the next working day)
            dossier.due_at = cal.add_working_time(dossier.due_at, waited)
            if dossier.original_due_at is not None:
                dossier.original_due_at = cal.add_working_time(dossier.original_due_at, waited)
        deadlines.rewarn_after_move(dossier, cal, now)  # D19, D28: warned again only if its new instant is to come
    dossier.paused_at = None
    dossier.calendar_version = cal.version


def refund_due(ended_as: int) -> bool:
    """A paid fee is given back when the agency never processed the dossier: refused at the intake check,
    or withdrawn or stopped (NĐ 118 Điều 21) before a result; a dossier's fee for a service rendered is not."""
    return ended_as in (REFUSED, WITHDRAWN, STOPPED)


def counts_online_payment(declared_online: bool, has_fees: bool, gateway_configured: bool) -> bool:
    """D27: "fees can be paid online" holds for a procedure without fees, and for one with fees only when the
    procedure declares it and the agency has a payment gateway configured to take them."""
    if not has_fees:
        return True
    return declared_online and gateway_configured

