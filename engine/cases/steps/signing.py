"""The clerk's ``signing``: the result, validly signed by the competent person, is sealed and numbered (D22);
the dossier is resolved, late if past its due date (D19: lateness is judged at resolution); a late result is
issued only once the head's apology letter is signed, since the issue releases it to the citizen (D19, D23)."""
from __future__ import annotations

from sqlalchemy import bindparam, select

from engine.cases import signing_requests
from engine.cases.replanning import fee_waits
from engine.core.errors import Invalid
from engine.data.model import ROLES, SupplementRequest
from engine.law import counting, lateness
from engine.law.statuses import PROCESSING, RESOLVED
from engine.paperwork import issuance, results
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
    number = registered[0]
    if given not in (None, "", number):
        raise Invalid(f"Số văn bản {given} khác số {number} đã được cấp khi phê duyệt và in trên văn bản đã ký; "
                      f"kết quả được ban hành với số {number} (theo Nghị định 30/2020/NĐ-CP)",
                      code="document_number_mismatch", rule="D22",
                      fields={key: f"Phải là số đã cấp: {number} (hoặc để trống)"})
    f.data[key] = number


def signature_in_force(f: Facts) -> None:
    """D22: the signer's certificate still holds when the result is issued (a result that cannot be issued at
    all is told so before the apology a late one waits for)."""
    lapsed = signing_requests.certificate_lapsed(f.found["signed"], f.now)
    if lapsed:
        raise Invalid(f"Kết quả chưa có chữ ký số hợp lệ của người có thẩm quyền ({lapsed}); không thể ban hành "
                      "(theo Nghị định 45/2020/NĐ-CP)", code="result_not_signed", rule="D22")


KIND = StepKind("signing", (
    Action("issue_result", frozenset({"clerk"}), frozenset({PROCESSING}), moves=(("issue_result", RESOLVED),),
           # D19: after the signature and the number are settled, the apology a late result goes with
           guards=(personally_signed, registered_number, signature_in_force, guards.apology_before_late_return),
           documents=("result",), handler=issue_result),
))
