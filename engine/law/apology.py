"""Apology letters and who signs (D11b, D17, D19, D20, D21).

An apology letter (Mẫu 04) is owed for a second supplement request for another reason than the applicant's
(D11b), for an extension (D17) and for an overdue dossier (D19). Faults that coincide make one combined
letter (D20), signed by the head of the at-fault unit: the centre director for the one-stop's intake stage,
the head of agency for the processing stage. A refusal to resolve is signed by the head of agency whoever
held the approval step (D21). The second supplement and the overdue dossier are violations in reports.
"""
from __future__ import annotations

from datetime import datetime

from engine.core.errors import Conflict, Invalid
from engine.law.lateness import ResultFacts, done_late, is_late
from engine.law.statuses import OPEN_FOR_RESULT, TERMINAL

SECOND_SUPPLEMENT, EXTENSION, OVERDUE = "second_supplement", "extension", "overdue"
FAULTS = (SECOND_SUPPLEMENT, EXTENSION, OVERDUE)
VIOLATIONS = frozenset({SECOND_SUPPLEMENT, OVERDUE})
INTAKE, PROCESSING = "intake", "processing"


def signer_role(fault: str, stage: str = PROCESSING) -> str:
    """The role of the head of the unit at fault, who signs the letter (D11b, D17, D19, D20): the centre
    director for a fault of the one-stop's intake stage, the head of agency otherwise."""
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}")
    return "centre_director" if fault == SECOND_SUPPLEMENT and stage == INTAKE else "head_of_agency"


def refusal_signer_role() -> str:
    """D21: a refusal to resolve is signed by the head of agency (or a deputy signing "KT."), whoever held the
    approval step."""
    return "head_of_agency"


def supplement_letter_faults(second_reason: dict | None, late: bool) -> list[tuple[str, str]]:
    """The faults (kind, detail) of the letter that goes with a supplement request: a second request for
    another reason than the applicant's needs one (D11b); an overdue dossier at that moment is apologised
    for in the same letter (D20). Empty when no letter is owed."""
    reason = second_reason or {}
    if reason.get("kind") != "other":
        return []
    faults = [(SECOND_SUPPLEMENT, str(reason.get("explanation", "")))]
    if late:
        faults.append((OVERDUE, "quá hạn trả kết quả"))
    return faults


def is_violation(faults: list[str] | tuple[str, ...] | set[str]) -> bool:
    """Whether a letter with these fault kinds counts as a violation in reports (D11b, D19)."""
    return bool(VIOLATIONS & set(faults))


def overdue_apology_needed(dossier: ResultFacts, now: datetime, has_overdue_letter: bool) -> bool:
    """D19: the head of the agency owes an overdue apology: the dossier is late, the result not returned
    and the dossier not ended, and no overdue letter exists yet. A result resolved in time and collected
    late owes nothing."""
    return not has_overdue_letter and dossier.status not in TERMINAL and is_late(dossier, now)


def check_overdue_apology(dossier: ResultFacts, now: datetime, has_overdue_letter: bool) -> None:
    """Refuse an overdue apology the law does not ask for (D19)."""
    if has_overdue_letter:
        raise Conflict("Hồ sơ đã có thư xin lỗi vì quá hạn", code="letter_exists")
    if not overdue_apology_needed(dossier, now, has_overdue_letter):
        raise Invalid("Hồ sơ không quá hạn (kết quả được giải quyết đúng hạn hoặc hồ sơ đã kết thúc); không cần "
                      "thư xin lỗi vì quá hạn", code="rule_violation", rule="D19")


def late_result(dossier: ResultFacts, now: datetime) -> bool:
    """D19: whether the result is late, judged at its resolution: a resolved one at its resolution; one being
    resolved now (the clerk's issue, which releases it to the citizen, D23) as resolved at ``now``, so in time
    at the due instant itself, as the issue's own verdict says (engine.cases.steps.signing)."""
    if dossier.resolved_at is None and dossier.status in OPEN_FOR_RESULT:
        return dossier.late or done_late(dossier.due_at, now)
    return is_late(dossier, now)


def return_allowed(dossier: ResultFacts, now: datetime, has_overdue_letter: bool) -> bool:
    """D19: a late result is issued and returned only with the head of agency's apology letter."""
    return has_overdue_letter or not late_result(dossier, now)


def check_return(dossier: ResultFacts, now: datetime, has_overdue_letter: bool) -> None:
    if not return_allowed(dossier, now, has_overdue_letter):
        raise Invalid("Hồ sơ trả kết quả quá hạn phải kèm thư xin lỗi của thủ trưởng cơ quan (theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND). "
                      "Thủ trưởng cơ quan cần ban hành thư xin lỗi trước khi trả kết quả.",
                      code="rule_violation", rule="D19")
