"""A filing that repeats one just made: the portal's page asks before filing the same dossier twice.

The page's submit token catches a post sent twice (engine.cases.idempotency). It cannot catch the browser's back
from the receipt and a second press of "Nộp hồ sơ": the page is fetched again with a new token and the browser
fills the typed fields back in. This looks for the dossier that filing would repeat: the same applicant, the
same procedure, the same owner and the same form, filed in the last few minutes. One query on the applicant's
index, bounded by the filing time; the forms are compared here, on the few rows found. At the desk, a dossier of
the same owner and procedure still open at the officer's agency is asked about too, whoever filed it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.core.errors import Conflict
from engine.data.model import Dossier, ProcedureVersion, User
from engine.law.statuses import HAS_RESULT, TERMINAL

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


_OPEN_FOR_OWNER = (select(Dossier.code, Dossier.filed_at)
                   .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                   .where(Dossier.owner_cccd == bindparam("cccd"), Dossier.agency_id == bindparam("agency"),
                          Dossier.parent_id.is_(None), Dossier.status.not_in(sorted(TERMINAL | HAS_RESULT)),
                          ProcedureVersion.procedure_id == bindparam("procedure"))
                   .order_by(Dossier.filed_at.desc(), Dossier.id.desc())
                   .limit(1))


def open_for_owner(session: Session, user: User, procedure_id: int, owner_cccd: str | None
                   ) -> tuple[str, datetime] | None:
    """(code, filed_at) of a dossier of the procedure the owner of ``owner_cccd`` has at the officer's agency and
    that is still being dealt with, its result not yet made (whoever filed it: the citizen online, another officer
    at the desk); None when there is none. The owner's index (ix_dossier_owner_cccd), a few rows."""
    if not owner_cccd or user.agency_id is None:
        return None
    found = session.execute(_OPEN_FOR_OWNER, {"cccd": owner_cccd, "agency": user.agency_id,
                                              "procedure": procedure_id}).first()
    return None if found is None else (found[0], found[1])


class Repeated(Conflict):
    """The filing repeats dossier ``dossier`` filed at ``filed_at``: asked again before a second one is filed.
    ``same_form``: the very form filed again; else a dossier of the same owner and procedure still open."""

    def __init__(self, dossier: str, filed_at: datetime, same_form: bool = True):
        said = (f"Đã nộp hồ sơ {dossier} với cùng nội dung" if same_form
                else f"Chủ hồ sơ đang có hồ sơ {dossier} của thủ tục này chưa giải quyết xong")
        super().__init__(said, code="repeated_filing")
        self.dossier, self.filed_at, self.same_form = dossier, filed_at, same_form


def refuse_repeat(session: Session, user: User, procedure_id: int, form, owner_cccd: str | None,
                  now: datetime) -> None:
    """Raise Repeated when recent_same finds the dossier this filing would repeat."""
    found = recent_same(session, user, procedure_id, form, owner_cccd, now)
    if found is not None:
        raise Repeated(*found)


def refuse_open_for_owner(session: Session, user: User, procedure_id: int, owner_cccd: str | None) -> None:
    """At the desk (D5): raise Repeated when the owner already has a dossier of the procedure open at the officer's
    agency, so that a paper dossier brought in for one already filed online (or registered by a colleague) is
    asked about before a second one is filed."""
    found = open_for_owner(session, user, procedure_id, owner_cccd)
    if found is not None:
        raise Repeated(*found, same_form=False)
