"""Apology letters (Mẫu 04, D20): one letter per event, combining every fault that coincides.

Rendered with Jinja2 and StrictUndefined: a missing field is an error, never blank text in a legal letter.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import documents
from .clock import VN_TZ
from .errors import Invalid
from .model import ROLES, Dossier, Letter, Notification, User

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), undefined=StrictUndefined,
                   autoescape=select_autoescape(["html"]))

FAULTS = {
    "second_supplement": "Yêu cầu bổ sung hồ sơ lần thứ hai do hướng dẫn lần trước chưa đầy đủ, chưa rõ: {detail}",
    "extension": "Hồ sơ cần thêm thời gian giải quyết: {detail}",
    "overdue": "Hồ sơ chưa được giải quyết đúng hạn: {detail}",
}
VIOLATIONS = {"second_supplement", "overdue"}


def _when(t: datetime | None) -> str:
    return t.astimezone(VN_TZ).strftime("%H giờ %M phút, ngày %d/%m/%Y") if t else "chưa xác định"


def signer_for(session: Session, dossier: Dossier, role: str) -> User:
    user = session.scalar(select(User).where(User.agency_id == dossier.agency_id, User.roles_text.contains(role))
                          .order_by(User.id).limit(1))
    if user is None or role not in user.roles:
        raise Invalid(f"Cơ quan chưa có tài khoản {ROLES[role]} để ký thư xin lỗi (D20)", code="no_signer",
                      rule="D20")
    return user


def issue(session: Session, data_dir: Path, dossier: Dossier, faults: list[tuple[str, str]], signer: User,
          signer_role: str, now: datetime, new_due_at: datetime | None = None) -> Letter:
    """One letter for all ``faults`` (kind, detail), stored as a document and announced to the citizen."""
    if not faults:
        raise ValueError("a letter needs at least one fault")
    texts = [FAULTS[kind].format(detail=detail) for kind, detail in faults]
    count = session.scalar(select(Letter.id).where(Letter.dossier_id == dossier.id).order_by(Letter.id.desc())
                           .limit(1)) or 0
    issued = now.astimezone(VN_TZ)
    html = _env.get_template("letters/apology.html").render(
        agency_name=dossier.procedure_version.procedure.agency.name, number=f"{count + 1}/PXL-{dossier.code}",
        place="Thừa Thiên Huế", issued=issued, addressee=dossier.owner_name,
        received_on=(dossier.received_at or dossier.filed_at).astimezone(VN_TZ).strftime("%d/%m/%Y"),
        procedure_name=dossier.procedure_version.procedure.name, dossier_code=dossier.code,
        legal_due=_when(dossier.original_due_at or dossier.intake_due_at), faults=texts,
        new_due=_when(new_due_at) if new_due_at else None, signer_title=ROLES[signer_role],
        signer_name=signer.full_name)
    doc = documents.add(session, data_dir, dossier, "apology", f"thu-xin-loi-{dossier.code}-{count + 1}.html",
                        "text/html", html.encode("utf-8"), now)
    kinds = [kind for kind, _ in faults]
    letter = Letter(dossier_id=dossier.id, kind="apology", reason="; ".join(texts), faults=kinds, issued_at=now,
                    new_due_at=new_due_at, signer_name=signer.full_name, signer_role=signer_role,
                    violation=bool(VIOLATIONS & set(kinds)), document_id=doc.id)
    session.add(letter)
    session.add(Notification(dossier_id=dossier.id, user_id=dossier.applicant_id, kind="letter", at=now,
                             text=f"Hồ sơ {dossier.code}: thư xin lỗi" +
                                  (f", hẹn trả kết quả mới {_when(new_due_at)}" if new_due_at else "")))
    session.flush()
    return letter


def has_overdue_letter(session: Session, dossier: Dossier) -> bool:
    letters = session.scalars(select(Letter).where(Letter.dossier_id == dossier.id))
    return any("overdue" in (letter.faults or []) for letter in letters)
