"""A filing that repeats one just made: the portal's page asks before filing the same dossier twice.

The page's submit token catches a post sent twice (engine.cases.idempotency). It cannot catch the browser's back
from the receipt and a second press of "Nộp hồ sơ": the page is fetched again with a new token and the browser
fills the typed fields back in. This looks for the dossier that filing would repeat: the same applicant, the
same procedure, the same owner and the same form, filed in the last few minutes. One query on the applicant's
index, bounded by the filing time; the forms are compared here, on the few rows found.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.core.errors import Conflict
from engine.data.model import Dossier, ProcedureVersion, User

WINDOW = timedelta(minutes=10)

_RECENT = (select(Dossier.code, Dossier.filed_at, Dossier.form, Dossier.owner_cccd)
           .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
           .where(Dossier.applicant_id == bindparam("applicant"), Dossier.filed_at >= bindparam("since"),
                  ProcedureVersion.procedure_id == bindparam("procedure"))
           .order_by(Dossier.filed_at.desc(), Dossier.id.desc())
           .limit(20))


def recent_same(session: Session, user: User, procedure_id: int, form, owner_cccd: str | None,
                now: datetime) -> tuple[str, datetime] | None:
    """(code, filed_at) of the newest dossier ``user`` filed for the procedure within WINDOW before ``now`` whose
    form equals ``form`` and whose owner has ``owner_cccd``; None when there is none."""
    rows = session.execute(_RECENT, {"applicant": user.id, "since": now - WINDOW, "procedure": procedure_id})
    for code, filed_at, filed_form, filed_owner in rows:
        if filed_form == form and filed_owner == owner_cccd:
            return code, filed_at
    return None


class Repeated(Conflict):
    """The filing repeats dossier ``dossier`` filed at ``filed_at``: asked again before a second one is filed."""

    def __init__(self, dossier: str, filed_at: datetime):
        super().__init__(f"Đã nộp hồ sơ {dossier} với cùng nội dung", code="repeated_filing")
        self.dossier, self.filed_at = dossier, filed_at


def refuse_repeat(session: Session, user: User, procedure_id: int, form, owner_cccd: str | None,
                  now: datetime) -> None:
    """Raise Repeated when recent_same finds the dossier this filing would repeat."""
    found = recent_same(session, user, procedure_id, form, owner_cccd, now)
    if found is not None:
        raise Repeated(*found)
