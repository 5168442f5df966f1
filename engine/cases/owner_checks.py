"""Filing for another person (D4) under a CCCD with a checked identity (D3) compares the owner's name and birth
date with that identity (engine.cases.filing._verified). Each answer is a yes or a no about a stranger: a citizen
who knows a neighbour's CCCD and name could file again and again, one birth date after another, until one is
accepted. So a citizen's refusal never says which of the two did not match (both fields are flagged), and a
citizen refused LIMIT times in WINDOW may not file for another person's checked CCCD again until the oldest of
them is WINDOW old (429): the person can still file for themself, for a CCCD without a checked identity, or at
the one-stop's desk, where the officer sees the card.

A refusal rolls the filing back, its own record with it: the record is written after the rollback, in its own
transaction (``OwnerMismatch.remember``, run by the web edge's unit of work). Officers at the desk are not
limited: they hold the card, every filing of theirs is audited, and they see the agency's dossiers anyway.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.core.errors import EngineError, Invalid
from engine.core.vocabulary import vn_time
from engine.data.portal_model import OwnerCheckFailure

LIMIT, WINDOW = 5, timedelta(hours=24)
EITHER = "Họ tên hoặc ngày sinh không khớp với danh tính đã xác thực của số CCCD này"
PAUSED = "Chưa thể nộp thay cho người khác: thông tin chủ hồ sơ đã không khớp quá nhiều lần"


class TooManyOwnerMismatches(EngineError):
    """LIMIT refusals in WINDOW: no filing for another person's checked CCCD until ``until``."""

    status, code = 429, "too_many_owner_mismatches"

    def __init__(self, message: str, until: datetime):
        super().__init__(message, fields={"owner.cccd": PAUSED})
        self.until = until


class OwnerMismatch(Invalid):
    """The refusal of a citizen's filing for another person (422 owner_identity_mismatch, rule D4), which is
    counted: ``remember`` records it once the filing is rolled back."""

    def __init__(self, message: str, fields: dict, user_id: int, at: datetime):
        super().__init__(message, code="owner_identity_mismatch", rule="D4", fields=fields)
        self.user_id, self.at = user_id, at

    def remember(self, session: Session) -> None:
        """Record the refusal (the caller commits), and forget this filer's records older than the window."""
        session.execute(delete(OwnerCheckFailure).where(OwnerCheckFailure.user_id == self.user_id,
                                                        OwnerCheckFailure.at <= self.at - WINDOW))
        session.add(OwnerCheckFailure(user_id=self.user_id, at=self.at))
        session.flush()


def limited(user) -> bool:
    """Whether ``user``'s refusals are counted: a citizen's; a receiving officer at the desk holds the card."""
    return "receiving_officer" not in user.roles


def refuse_if_blocked(session: Session, user_id: int, now: datetime) -> None:
    """TooManyOwnerMismatches when the filer was refused LIMIT times in WINDOW (before any comparison: the next
    answer would tell as much as the others)."""
    recent = list(session.scalars(select(OwnerCheckFailure.at).where(
        OwnerCheckFailure.user_id == user_id, OwnerCheckFailure.at > now - WINDOW)
        .order_by(OwnerCheckFailure.at.desc()).limit(LIMIT)))
    if len(recent) >= LIMIT:
        until = recent[-1] + WINDOW
        raise TooManyOwnerMismatches(
            f"Thông tin chủ hồ sơ đã không khớp {LIMIT} lần trong 24 giờ; chưa thể nộp thay cho người khác đến "
            f"{vn_time(until, 'at')}. Hãy kiểm tra lại giấy tờ của chủ hồ sơ, hoặc nộp tại Bộ phận Một cửa, nơi "
            "cán bộ đối chiếu thẻ CCCD (theo Nghị định 45/2020/NĐ-CP)", until)
