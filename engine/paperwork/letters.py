"""Apology letters (Mẫu 04, D20): one letter per event, combining every fault that coincides.

The text comes from a Jinja2 template with StrictUndefined (a missing field is an error, never blank text
in a legal letter); the letter is a PDF signed by the at-fault head (through a signing request, D35) and sealed
by the agency.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.law import apology
from engine.paperwork import authority, issuance, numbers, signers
from engine.paperwork.officialforms import APOLOGY, UNITS, number_text
from engine.core.vocabulary import vn_time
from engine.core.errors import Invalid
from engine.data.model import ROLES, Dossier, Letter, User
from engine.law.statuses import SUPPLEMENT
from engine.data.signing_model import SigningMethod
from engine.core.settings import Settings

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), undefined=StrictUndefined,
                   autoescape=False, keep_trailing_newline=True)

FAULTS = {
    "second_supplement": "Yêu cầu bổ sung hồ sơ lần thứ hai do hướng dẫn lần trước chưa đầy đủ, chưa rõ: {detail}",
    "extension": "Hồ sơ cần thêm thời gian giải quyết: {detail}",
    "overdue": "Hồ sơ chưa được giải quyết đúng hạn: {detail}",
}


def _when(t: datetime | None) -> str:
    return vn_time(t, "formal", missing="chưa xác định")


def signer_for(session: Session, dossier: Dossier, role: str, purpose: str = "ký thư xin lỗi",
               rule: str = "D20", agency_id: int | None = None) -> User:
    """The officer holding ``role`` in agency ``agency_id`` (the dossier's receiving agency unless given: a refusal
    is signed in the agency that held the approval step, D21, D29), who signs what the law gives to that role."""
    agency_id = dossier.agency_id if agency_id is None else agency_id
    user = holder(session, agency_id, role)
    if user is None:
        raise Invalid(f"Cơ quan chưa có tài khoản {ROLES[role]} để {purpose} ({rule})", code="no_signer",
                      rule=rule)
    return user


def holder(session: Session, agency_id: int, role: str, besides: int | None = None) -> User | None:
    """The first officer (by id) of agency ``agency_id`` who holds ``role`` itself (not a role whose name
    contains it) and may still act: not suspended, not cancelled (D21, D35: a suspended head signs nothing);
    ``besides``: an officer left out (the one whose duty is handed over)."""
    query = (select(User).where(User.agency_id == agency_id, User.roles_text.contains(role, autoescape=True),
                                User.locked_reason.is_(None), User.cancelled_at.is_(None))
             .order_by(User.id))
    if besides is not None:
        query = query.where(User.id != besides)
    # the agency's few officers holding a role of that name: the exact role is checked on each
    return next((user for user in session.scalars(query) if role in user.roles), None)


def new_due_rule(dossier: Dossier) -> str | None:
    """What the letter says of the new appointment when no date can be given yet (D20 asks for one): with a
    second supplement request (D11b) the date depends on when the completed dossier comes back (D12: the
    duration restarts then, or the due moves by the time waited), which nobody knows when the letter is
    signed, so the letter says how it will be set; None when no supplement is awaited."""
    if dossier.status != SUPPLEMENT:
        return None
    if dossier.received_at is None:  # asked at intake: the receipt (Mẫu 01) gives the appointment
        return "ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả khi hồ sơ bổ sung được tiếp nhận"
    info = dossier.procedure_version.info
    if info.get("clock_on_supplement", "restart") == "pause" and dossier.paused_at is not None:
        return ("thời hạn trả kết quả nêu trên được kéo dài thêm đúng thời gian chờ Ông/Bà bổ sung "
                "hồ sơ")
    duration = info["duration"]
    span = ("trong ngày làm việc" if duration["unit"] == "same_day"
            else f"đủ {number_text(duration['value'])} {UNITS[duration['unit']]}")
    return f"được tính lại {span} kể từ khi nhận đủ hồ sơ bổ sung"


def render_text(**fields) -> list[str]:
    """The letter's paragraphs; StrictUndefined makes a missing field an error, never a blank."""
    return [line for line in _env.get_template("letters/apology.txt").render(**fields).splitlines() if line.strip()]


def issue(session: Session, settings: Settings, dossier: Dossier, faults: list[tuple[str, str]], signer: User,
          signer_role: str, now: datetime, new_due_at: datetime | None = None,
          notify: dict | None = None) -> Letter:
    """One letter (Mẫu 04) for all ``faults`` (kind, detail): its text and number are fixed now and the letter
    is recorded; its PDF is rendered after the commit, signed by ``signer`` with their own device and consent
    (D35, "Chờ ký số"), then sealed by the agency; ``notify`` (engine.paperwork.issuance.notice) tells the
    citizen once it is signed (engine.cases.signing_requests)."""
    if not faults:
        raise ValueError("a letter needs at least one fault")
    texts = [FAULTS[kind].format(detail=detail) for kind, detail in faults]
    # The signer's agency writes to the citizen and seals the letter (D20: "signer (head of the at-fault unit) and
    # seal"): the receiving agency at intake or for its own dossier, the processing agency its offer names when
    # that agency's head signs; anyone else's letter is the receiving agency's (D29).
    issuer = signer.agency if signer.agency_id in (dossier.agency_id, dossier.processing_agency_id) else dossier.agency
    agency = issuer.name
    paragraphs = render_text(
        agency_name=agency, addressee=dossier.owner_name,
        received_on=vn_time(dossier.received_at or dossier.filed_at, "date"),
        procedure_name=dossier.procedure_version.procedure.name, dossier_code=dossier.code,
        legal_due=_when(dossier.original_due_at or dossier.intake_due_at), faults=texts,
        new_due=_when(new_due_at) if new_due_at else new_due_rule(dossier))
    # numbered in the register of the agency whose name it bears (D20, D29): the processing agency's own series when
    # its head signs, never a number of the receiving agency's register under another agency's name
    number = numbers.allocate(session, issuer.id, APOLOGY.kind, APOLOGY.series, now)
    kinds = [kind for kind, _ in faults]
    letter = Letter(dossier_id=dossier.id, kind="apology", reason="; ".join(texts), faults=kinds, issued_at=now,
                    new_due_at=new_due_at, signer_name=signer.full_name, signer_role=signer_role,
                    violation=apology.is_violation(kinds), document_id=None)
    session.add(letter)
    session.flush()
    method = session.get(SigningMethod, signer.id)
    # the signer's authority and title as on the agency's results (NĐ 30/2020):
    # "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH", never the engine's role name
    payload = {"paragraphs": paragraphs, "agency": agency, "issuer": issuer.id, "signer_title": ROLES[signer_role],
               "signer_authority": authority.signer_block(agency, signer_role),
               "letter": letter.id,
               "name": f"thu-xin-loi-{dossier.code}-{number.seq}-{APOLOGY.series}.pdf", "reason": "Thư xin lỗi"}
    if notify is not None:
        payload["notify"] = notify
    # the request's agency is the register's the number came from (issuance.record): the issuer's
    issuance.record(session, dossier, "apology", now, payload, number=number, signer=signer, role=signer_role,
                    method=method.method if method is not None else signers.DEFAULT_METHOD)
    return letter


def has_overdue_letter(session: Session, dossier: Dossier) -> bool:
    """The fact D19 asks for: an apology for the overdue dossier exists (alone or combined, D20)."""
    letters = session.scalars(select(Letter).where(Letter.dossier_id == dossier.id))
    return any(apology.OVERDUE in (letter.faults or []) for letter in letters)


_ISSUED_LETTERS = select(Letter).where(Letter.dossier_id == bindparam("dossier_id"), Letter.document_id.is_not(None))


def has_signed_overdue_letter(session: Session, dossier: Dossier) -> bool:
    """D19, D22: the apology that goes with a late result is signed and sealed (its document exists)."""
    letters = session.scalars(_ISSUED_LETTERS, {"dossier_id": dossier.id})
    return any(apology.OVERDUE in (letter.faults or []) for letter in letters)
