"""The clerk's ``signing``: the result, validly signed by the competent person, is sealed and numbered (D22);
the dossier is resolved, late if past its due date (D19: lateness is judged at resolution); a late result is
issued only once the head's apology letter is signed, since the issue releases it to the citizen (D19, D23).

A result whose signer's certificate lapsed before it was issued (and no timestamp proves when it was signed) is
not issued, and the refusal is no dead end (D22, D35): the draft goes back to its signer (``send_back``), with the
number the register gave at approval, and the clerk issues it once it is signed again. The refusal rolls back the
clerk's transaction, so the guard only names the request; it is sent back once that transaction has ended
(``_send_back_named``), in a short transaction of its own: on the clerk's own command, at once, the clerk told so
in the refusal, rather than by a sweep of every signed result at the worker's next beat, which would leave the
clerk refused with nothing happening in between and read all signed results to find the few that lapsed.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from engine.cases import signer_duty, signing_attempts, signing_requests
from engine.cases.replanning import fee_waits
from engine.core.clock import VN_TZ
from engine.core.errors import Invalid
from engine.core.vocabulary import vn_time
from engine.data import audit
from engine.data.model import ROLES, SupplementRequest, User
from engine.data.signing_model import SigningRequest
from engine.law import counting, lateness
from engine.law.statuses import PROCESSING, RESOLVED
from engine.paperwork import drafting, issuance, letters, results
from engine.process import fields as procedure_fields

from . import guards
from .declare import Action, Facts, StepKind

# the supplement requests of the processing stage, whose waits the resolution time leaves out (D32) with the fee
# waits the due instant moved by (D26, replanning.fee_waits): built once
_PAUSES = select(SupplementRequest.at, SupplementRequest.answered_at).where(
    SupplementRequest.dossier_id == bindparam("dossier_id"), SupplementRequest.stage == "processing")

def issue_result(f: Facts) -> None:
    """The number is the one the register gave the decision (printed in the header when it was rendered); a
    result decided before signing requests existed keeps the number the clerk types (registered_number)."""
    signed = f.found["signed"]
    registered = signing_requests.result_register(signed)
    if registered is not None:
        number, register = registered
    else:
        named = procedure_fields.of(f.dossier.procedure_version.info)  # the procedure's document-number field
        number, register = str(f.data.get(named.document_number) or ""), None
    # sealed, verified and stored after the commit; the citizen is told then (D22, D28)
    results.issue_result(f.session, f.ctx.settings, f.dossier, number, f.now, register, actor=f.ctx.user,
                         notify=issuance.notice("result_ready", {"outcome": f.dossier.outcome or "approved"}))
    f.dossier.resolved_at = f.now
    if f.dossier.received_at is not None:  # D32: the resolution time, kept for the reports
        pauses = [*f.session.execute(_PAUSES, {"dossier_id": f.dossier.id}).all(), *fee_waits(f.session, f.dossier)]
        worked = counting.resolution_working_time(f.cal.working_time_between, f.dossier.received_at, f.now, pauses)
        f.dossier.resolution_working_minutes = round(worked.total_seconds() / 60)
    # D19: judged at resolution; a late result is issued only with the head's signed letter (the guard), so
    # the apology's work item is done by now, opened by the sweep or by the letter itself
    f.dossier.late = lateness.is_late(f.dossier, f.now)


def personally_signed(f: Facts) -> None:
    """D22, D35: the clerk issues only what its signer has signed; while the signature is awaited, say so."""
    waiting = signing_requests.waiting_signature(f.session, f.dossier)
    if waiting is not None:
        who = waiting.signer.full_name if waiting.signer is not None else ROLES.get(waiting.role, waiting.role)
        raise Invalid(f"Kết quả đang chờ {who} ký số; văn thư ban hành sau khi văn bản được ký "
                      "(theo Nghị định 45/2020/NĐ-CP)", code="result_awaiting_signature", rule="D22")


def registered_number(f: Facts) -> None:
    """D22: the result is issued with the number the register gave the decision, the one printed in the document
    its signer signed: the clerk's form carries it (filled in when the clerk sends none, so the clerk's record
    says what the document says); another number is refused, nothing issued. A result decided before signing
    requests existed has no registered number: the clerk's is required then."""
    f.found["signed"] = signed = signing_requests.signed_result(f.session, f.dossier)
    registered = signing_requests.result_register(signed)
    key = procedure_fields.of(f.info).document_number
    given = f.data.get(key)
    given = given.strip() if isinstance(given, str) else given
    if registered is None:
        if not given:
            raise Invalid("Biểu mẫu chưa hợp lệ: 1 trường cần sửa", code="invalid_form",
                          fields={key: "Trường này là bắt buộc"})
        return
    _document_date(f, signed)
    number = registered[0]
    if given not in (None, "", number):
        raise Invalid(f"Số văn bản {given} khác số {number} đã được cấp khi phê duyệt và in trên văn bản đã ký; "
                      f"kết quả được ban hành với số {number} (theo Nghị định 30/2020/NĐ-CP)",
                      code="document_number_mismatch", rule="D22",
                      fields={key: f"Phải là số đã cấp: {number} (hoặc để trống)"})
    f.data[key] = number


def _document_date(f: Facts, signed) -> None:
    """D22, D34: the result is dated the day its signer signed it, printed in the document; the clerk's form says
    that day (filled in when the clerk sends none) and another is refused, as the number: it was recorded as
    typed while the document said another day."""
    key = procedure_fields.of(f.info).document_date
    given = f.data.get(key)
    day = drafting.dated_at(signed).astimezone(VN_TZ).date()
    if given in (None, ""):
        form = f.dossier.procedure_version.forms.get(f.item.form_key) if f.item.form_key else None
        if key in ((form or {}).get("properties") or {}):  # the form records it: the day the document says
            f.data[key] = day.isoformat()
        return
    if given != day.isoformat():
        shown = vn_time(day, "date")
        raise Invalid(f"Ngày ban hành {given} khác ngày {shown} ghi trên văn bản đã ký; kết quả được ban hành với "
                      f"ngày ký {shown} (theo Nghị định 30/2020/NĐ-CP)", code="document_date_mismatch", rule="D22",
                      fields={key: f"Phải là ngày ký văn bản: {shown} (hoặc để trống)"})


def signature_in_force(f: Facts) -> None:
    """D22: the signer's certificate still holds when the result is issued (a result that cannot be issued at
    all is told so before the apology a late one waits for); when it lapsed, the result goes back to its signer
    once the refused command has ended (the module's docstring says why then), and the clerk is told so."""
    signed = f.found["signed"]
    lapsed = signing_requests.certificate_lapsed(signed, f.now)
    if lapsed:
        f.session.info.setdefault(_SENT_BACK, []).append((signed.id, f.now))
        raise Invalid(f"Kết quả chưa có chữ ký số hợp lệ của người có thẩm quyền ({lapsed}); không thể ban hành. "
                      f"Kết quả đã được chuyển lại để {resigner(f.session, signed).full_name} ký số lại, giữ số "
                      f"{signed.number}; văn thư ban hành sau khi văn bản được ký lại (theo Nghị định "
                      "45/2020/NĐ-CP)", code="result_not_signed", rule="D22")


_SENT_BACK = "signing_sent_back"  # the session's note of the signed requests to send back once it has ended
_NOT_CARRIED = ("certificate_until", "timestamped", drafting.DATED)  # of the former signature: drawn again
log = logging.getLogger(__name__)


def resigner(session: Session, signed: SigningRequest) -> User:
    """Who signs again: the signer, while they may still sign in that role for the agency; else the agency's
    holder of the role now (as engine.cases.signer_duty hands a duty over); else still the signer, whose request
    the administrator's change hands over (signer_duty.adopt)."""
    if signer_duty.why_not(signed, signed.signer) is None:
        return signed.signer
    return letters.holder(session, signed.agency_id, signed.role) or signed.signer


def send_back(session: Session, request_id: int, now: datetime) -> SigningRequest | None:
    """D22, D35: the signed result ``request_id``, whose certificate lapsed, to be signed again: a new personal
    request for the same document, its number and register place (given at approval, never a second), its
    outcome and opinion, for ``resigner``, under "Chờ ký số"; the former signature is kept as it was. Nothing
    when it no longer applies (sent back already, signed again, issued): two refusals send it back once, the
    request held meanwhile (signing_attempts.hold)."""
    signing_attempts.hold(session, request_id)
    old = session.get(SigningRequest, request_id, populate_existing=True)
    if old is None or old.state != "signed" or old.dossier.status != PROCESSING:
        return None
    lapsed = signing_requests.certificate_lapsed(old, now)
    latest = signing_requests.signed_result(session, old.dossier)
    if not lapsed or latest is None or latest.id != old.id or signing_requests.waiting_signature(session, old.dossier):
        return None
    signer = resigner(session, old)
    payload = {k: v for k, v in (old.payload or {}).items() if k not in _NOT_CARRIED}
    new = SigningRequest(dossier_id=old.dossier_id, kind=old.kind, purpose="personal", signer_id=signer.id,
                         agency_id=old.agency_id, role=old.role, method=signing_requests.method_of(session, signer),
                         outcome=old.outcome, opinion=old.opinion, state="pending", number=old.number,
                         register_year=old.register_year, register_seq=old.register_seq, created_at=now, attempts=0,
                         payload=payload or None, message=f"Ký số lại: chữ ký trước không còn hiệu lực ({lapsed})")
    session.add(new)
    session.flush()  # its id, named by the trail
    # D22: the trail says the result went back and to whom, the engine's doing (no person acted); the dossier row
    # is written with it, under its version counter (audit.record), as the clerk's command would have
    audit.record(session, old.dossier, now, None, "signature_sent_back", old.dossier.status,
                 data={"request": new.id, "number": new.number, "signer": signer.full_name, "lapsed": lapsed})
    return new


@event.listens_for(Session, "after_transaction_end")
def _send_back_named(session: Session, transaction) -> None:
    """The requests the clerk's refused command named (``signature_in_force``), sent back once its transaction
    has ended (rolled back, its locks released), each in a transaction of its own. A failure is logged and the
    refusal stands: the clerk's next try names the request again.

    A request sent back marks the refused session as asking for a signature (``session.info["signing_requests"]``,
    as a decision does): its commit happened on the session's behalf, so the edge, which reads the mark after the
    rollback too (engine.web.unit_of_work), wakes the drain and the draft is drawn at once for the signer rather
    than at the worker's next beat."""
    if transaction.parent is not None or not session.info.get(_SENT_BACK):
        return
    named, bind = session.info.pop(_SENT_BACK), session.get_bind()
    for request_id, now in named:
        try:
            with Session(bind=bind, expire_on_commit=False) as fresh, fresh.begin():
                sent = send_back(fresh, request_id, now)
            if sent is not None:  # committed: the drain draws it (engine.web._after_commit)
                session.info["signing_requests"] = True
        except Exception:  # noqa: BLE001 - the clerk's refusal is answered whatever happens here
            log.exception("sending signing request %s back to its signer failed", request_id)


KIND = StepKind("signing", (
    Action("issue_result", frozenset({"clerk"}), frozenset({PROCESSING}), moves=(("issue_result", RESOLVED),),
           # D19: after the signature and the number are settled, the apology a late result goes with
           guards=(personally_signed, registered_number, signature_in_force, guards.apology_before_late_return),
           documents=("result",), handler=issue_result),
))
