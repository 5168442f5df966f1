"""The guards of the declared actions: each asks one legal question of engine/law about the facts of an action
and refuses with the rule's id before anything changes. Guards read the facts the law needs from the database
and never change the dossier; what a guard learnt for the handler goes into ``facts.found``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.cases import attachments
from engine.core.errors import Conflict, Invalid
from engine.data.model import Extension, SupplementRequest
from engine.law import apology, extension, supplement
from engine.paperwork import letters

from .declare import Facts, Foresight, Guard

PENDING = ("requested", "department_confirmed")


def supplement_allowed(f: Facts) -> None:
    """D10–D12: one request, a second with a recorded reason, never a third; within 3 working days of the
    receipt during processing (engine.law.supplement.check_request)."""
    dossier = f.dossier
    earlier = list(f.session.scalars(select(SupplementRequest).where(SupplementRequest.dossier_id == dossier.id)
                                     .order_by(SupplementRequest.id))) if dossier.supplement_requests else []
    # D12's window opens when the agency holds the complete dossier: its receipt, or the arrival of the
    # supplement the processing stage asked for (the clock restarts or resumes then, engine.law.deadlines)
    arrived = [r.answered_at for r in earlier if r.answered_at is not None and r.stage == supplement.PROCESSING]
    held_since = max([dossier.received_at, *arrived]) if dossier.received_at is not None else None
    f.found["verdict"] = supplement.check_request(
        requests_so_far=dossier.supplement_requests, second_reason=f.data.get("second_reason"),
        first_items=earlier[0].items if earlier else [], stage=f.stage, received_at=held_since, now=f.now,
        cal=f.cal, unit=f.info["duration"]["unit"], components=f.info.get("components", []))


def supplement_still_askable(item, now: datetime, cal) -> bool:
    """The offer's side of ``supplement_allowed`` (an officer is not shown what the law refuses whatever
    they write): D10–D11's count (never a third) and D12's window, judged on the dossier's row alone. A
    supplement the processing stage asked and got back reopens the window, which only its request row says:
    the window of a dossier asked before is left to the guard at completion (offered; the guard decides)."""
    d = item.dossier
    if d.supplement_requests >= supplement.MAX_REQUESTS:
        return False
    if d.supplement_requests:
        return True
    try:
        supplement.check_processing_window(supplement.stage_of(item.step), d.received_at, now, cal,
                                           d.procedure_version.info["duration"]["unit"])
    except Invalid:
        return False
    return True


def no_paper_for_signed(f: Facts) -> None:
    """D9: no paper original asked for a component that carries a valid digital signature."""
    attachments.check_paper_requests(f.session, f.dossier, f.data["items"])


def _pending(f: Facts) -> Extension | None:
    return f.session.scalar(select(Extension).where(Extension.dossier_id == f.dossier.id,
                                                    Extension.state.in_(PENDING)))


def extension_allowed(f: Facts) -> None:
    """D17–D18: once, within 1/3 of the processing time, early enough (engine.law.extension.check_request)."""
    d = f.dossier
    amount = extension.requested_amount(f.data, f.cal)
    f.found["amount"] = amount
    f.found["new_due_at"] = extension.check_request(
        f.cal, f.info["duration"], extensions_so_far=d.extensions, pending=_pending(f) is not None,
        due_at=d.due_at, original_due_at=d.original_due_at, amount=amount, now=f.now,
        field="working_hours" if "working_hours" in f.data else "working_days", received_at=d.received_at)


def extension_still_askable(item, now: datetime, cal) -> bool:
    """The offer's side of ``extension_allowed``: D18's once-only and its time to ask (at least one working
    day before the due instant), judged on the dossier's row alone; the amount asked (the 1/3 cap) is data,
    judged at completion, as is a request still being reviewed (its row is not read for an offer)."""
    d = item.dossier
    if not extension.allowed(d.extensions, pending=False) or d.due_at is None:
        return False
    return extension.in_time(cal, d.procedure_version.info["duration"], d.due_at, now, d.received_at)


def extension_pending(f: Facts) -> None:
    """D17: a confirmation or rejection needs an extension request waiting for it."""
    found = _pending(f)
    if found is None:
        raise Conflict("Không có đề nghị gia hạn đang chờ xác nhận", code="no_extension_pending")
    f.found["extension"] = found


def extension_still_in_time(f: Facts) -> None:
    """D18: the appointment changes at the final confirmation, so that one is still in time; so is the
    department leader's before it (D17): one made after the time would be accepted and go nowhere, the centre's
    refused."""
    extension.check_in_time(f.cal, f.info["duration"], f.dossier.due_at, f.now, f.dossier.received_at)


def apology_before_late_return(f: Facts) -> None:
    """D19: a late result is returned with the head of agency's apology letter; issuing it releases it to the
    citizen (D23: an online dossier's result is in the citizen's account), so the issue asks it too. A liên
    thông answer (a sub-dossier) goes to the agency that asked, never to the citizen (D33): its lateness is that
    agency's share, measured and reported; the citizen's own dossier carries the letter if it is late."""
    if f.dossier.parent_id is not None or not apology.late_result(f.dossier, f.now):
        return  # the letters are read only for a late result (no query for the others, most of them)
    apology.check_return(f.dossier, f.now, letters.has_signed_overdue_letter(f.session, f.dossier))


def overdue_without_letter(f: Facts) -> None:
    """D19: an apology for lateness only for a late dossier, and once."""
    apology.check_overdue_apology(f.dossier, f.now, letters.has_overdue_letter(f.session, f.dossier))


# The offer's side of a guard (engine.cases.steps.catalogue.offered): the part of its rule that neither the
# officer's data nor anything they can do changes (the time, the counts): no offer of what is refused.
FORESIGHT: dict[Guard, Foresight] = {supplement_allowed: supplement_still_askable,
                                     extension_allowed: extension_still_askable}
