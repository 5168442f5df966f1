"""A dossier as api.md shows it: its dates, letters, documents with their signatures, history and the open
supplement request, read in a fixed number of queries however long the list (no query per dossier)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from engine.cases import lienthong, payment_refunds, payments
from engine.cases.dossiers import calendar_of, issued_to_citizen, sees_as_citizen
from engine.core.clock import VN_TZ, iso_vn
from engine.core.settings import Settings
from engine.data.model import (
    Agency, AuditEvent, Document, DocumentSignature, Dossier, Letter, ProcedureVersion, SupplementRequest, User)
from engine.data import calendars
from engine.data.payment_model import Payment, PaymentRefund
from engine.law import deadlines, intake, lateness
from engine.law.statuses import SUBMITTED, SUPPLEMENT, Status
from engine.paperwork.registers import withdrawn_letter


def _signature(s: DocumentSignature) -> dict:
    return {"signer": s.signer, "organisation": s.organisation, "signed_at": iso_vn(s.signed_at), "valid": s.valid,
            "status": s.status, "message": s.message}


def _state(doc: Document, sigs: list[DocumentSignature]) -> str | None:
    """A re-issued result replaces an earlier one, which stays (engine.paperwork.reissues); a draft rendered for
    its signer waits for the signature (engine.cases.signing_requests), unless its request was withdrawn: by the
    clerk or the signer (engine.cases.reissue), or with its dossier (engine.data.signing_model.withdraw_personal),
    both writing the draft ``withdrawn``: shown so, never as pending issue (D22)."""
    if doc.replaced_by_id:
        return "replaced"
    if doc.state in ("pending_signature", "withdrawn"):
        return doc.state
    return "signed" if sigs else None


def _document(doc: Document, sigs: list[DocumentSignature]) -> dict:
    return {"id": doc.id, "kind": doc.kind, "name": doc.name, "media_type": doc.media_type, "size": doc.size,
            "sha256": doc.sha256, "component": doc.component, "number": doc.number,
            "signatures": [_signature(s) for s in sigs], "url": f"/api/v1/documents/{doc.id}",
            "state": _state(doc, sigs), "replaces": doc.replaces_id, "replaced_by": doc.replaced_by_id}


def describe_documents(session: Session, docs: list[Document]) -> list[dict]:
    """``describe_document`` for many (a page of the citizen's store, which offers no draft): their signatures in
    one query per 500."""
    sigs = _grouped(session.connection(), _SIGNATURE, "document_id", [doc.id for doc in docs])
    return [_document(doc, sigs.get(doc.id, [])) for doc in docs]


def describe_document(session: Session, doc: Document) -> dict:
    sigs = session.scalars(select(DocumentSignature).where(DocumentSignature.document_id == doc.id)
                           .order_by(DocumentSignature.id))
    return _document(doc, list(sigs))


def _grouped(conn, query, column: str, ids: list[int]) -> dict[int, list]:
    """Rows of ``query`` (built once, its ``ids`` bound at each call) whose ``column`` is in ``ids``, grouped by
    it, in chunks any database accepts. The queries name their columns: plain rows (read by attribute like the
    entities) cost far less than entities, and a statement built once is compiled and keyed once."""
    groups: dict[int, list] = {}
    for start in range(0, len(ids), 500):
        for row in conn.execute(query, {"ids": ids[start:start + 500]}):
            groups.setdefault(getattr(row, column), []).append(row)
    return groups


def _of(column, *columns, order):
    return select(column, *columns).where(column.in_(bindparam("ids", expanding=True))).order_by(order)


# What a dossier's description reads of each row, and nothing more (no hash chain, no event data, no file).
# A letter whose signature was withdrawn with the dossier was never issued (D20, D22): nobody is shown it.
_LETTER = _of(Letter.dossier_id, Letter.kind, Letter.reason, Letter.faults, Letter.issued_at, Letter.new_due_at,
              Letter.signer_name, Letter.signer_role, Letter.violation, Letter.document_id,
              order=Letter.id).where(~withdrawn_letter())
_DOCUMENT = _of(Document.dossier_id, Document.id, Document.kind, Document.name, Document.media_type,
                Document.size, Document.sha256, Document.component, Document.number, Document.state,
                Document.replaces_id, Document.replaced_by_id, order=Document.id)
_SIGNATURE = _of(DocumentSignature.document_id, DocumentSignature.signer, DocumentSignature.organisation,
                 DocumentSignature.signed_at, DocumentSignature.valid, DocumentSignature.status,
                 DocumentSignature.message, order=DocumentSignature.id)
_EVENT = _of(AuditEvent.dossier_id, AuditEvent.at, AuditEvent.actor_name, AuditEvent.action,
             AuditEvent.to_status, AuditEvent.step, AuditEvent.actor_id, order=AuditEvent.id)
_OPEN_REQUEST = _of(SupplementRequest.dossier_id, SupplementRequest.stage, SupplementRequest.items,
                    SupplementRequest.at, order=SupplementRequest.id).where(SupplementRequest.answered_at.is_(None))
# with its refund, when one is owed (api.md "Payments": the money taken twice, or after the dossier ended)
_PAYMENT = _of(Payment.dossier_id, *payment_refunds.DESCRIBED, order=Payment.id).outerjoin(
    PaymentRefund, PaymentRefund.payment_id == Payment.id)
_AGENCY = select(Agency.id, Agency.code, Agency.name).where(Agency.id.in_(bindparam("ids", expanding=True)))


def describe(session: Session, dossier: Dossier, *, with_form: bool = True, now: datetime | None = None,
             settings: Settings | None = None, viewer: User | None = None) -> dict:
    """The dossier as api.md shows it (plus the working time left when ``now`` and ``settings`` are given); as
    ``viewer`` may see it when given (``describe_many``)."""
    return describe_many(session, [dossier], with_form=with_form, now=now, settings=settings, viewer=viewer)[0]


def describe_many(session: Session, rows: list[Dossier], *, with_form: bool = True, now: datetime | None = None,
                  settings: Settings | None = None, viewer: User | None = None) -> list[dict]:
    """``describe`` for a list: six queries for the whole list (letters, documents, their signatures, history,
    open supplement requests, payments), not six per dossier. ``viewer``: the person it is shown to; its citizen
    sees it as on every other face (``for_citizen``), its officers whole."""
    ids = [d.id for d in rows]
    session.flush()  # what the command wrote, then plain statements on its connection (no unit of work to run)
    conn = session.connection()
    letters_of = _grouped(conn, _LETTER, "dossier_id", ids)
    documents_of = _grouped(conn, _DOCUMENT, "dossier_id", ids)
    doc_ids = [doc.id for docs in documents_of.values() for doc in docs]
    signatures_of = _grouped(conn, _SIGNATURE, "document_id", doc_ids)
    events_of = _grouped(conn, _EVENT, "dossier_id", ids)
    # an open request is shown only while the dossier waits for it (``_describe``): read for those alone
    requests_of = _grouped(conn, _OPEN_REQUEST, "dossier_id", [d.id for d in rows if d.status == SUPPLEMENT])
    payments_of = _grouped(conn, _PAYMENT, "dossier_id", ids)
    described = [_describe(session, d, letters_of.get(d.id, []),
                      [_document(doc, signatures_of.get(doc.id, []))
                       for doc in documents_of.get(d.id, [])],
                      events_of.get(d.id, []), requests_of.get(d.id, []), with_form, now, settings) for d in rows]
    agencies = _agencies(session, conn, {d.agency_id for d in rows}
                         | {d.processing_agency_id for d in rows if d.processing_agency_id is not None})
    handovers = lienthong.describe(session, ids)
    for d, result in zip(rows, described):  # api.md "Payments"
        result["handovers"] = handovers.get(d.id, [])  # liên thông (D33): each agency's part, its stage
        result["stage"] = lienthong.stage(result["handovers"])
        result["payments"] = [payments.describe(p) for p in payments_of.get(d.id, [])]
        # D29: where it was filed (its code's agency), and the agency processing it when another one does
        result["agency"], result["agency_name"] = agencies[d.agency_id].code, agencies[d.agency_id].name
        other = agencies.get(d.processing_agency_id)
        result["processing_agency"] = other.code if other is not None else None
        if viewer is not None and sees_as_citizen(viewer, d):
            for_citizen(result)
    return described


def _agencies(session: Session, conn, wanted: set[int]) -> dict[int, object]:
    """By id: the code and name of the ``wanted`` agencies. Those the session already holds (a command has read its
    dossier's agency) are taken from it; one query reads the others."""
    found: dict[int, object] = {}
    for agency_id in wanted:
        held = session.identity_map.get(identity_key(Agency, agency_id))
        if held is not None:
            found[agency_id] = held
    missing = sorted(wanted - found.keys())
    if missing:
        found.update((a.id, a) for a in conn.execute(_AGENCY, {"ids": missing}))
    return found


# History entries of the officers' own machinery, not of the citizen's dossier: the warning one working day before
# a due date goes to the officers (D19, D28), and a process timer's firing is the engine's.
OFFICERS_ONLY_EVENTS = frozenset({"warning", "timer"})


def for_citizen(described: dict) -> dict:
    """What the citizen is shown of a described dossier (engine.cases.dossiers.issued_to_citizen): the documents
    issued to them, the liên thông hand-overs without the other agency's answer, which stays between the
    agencies (D33), and the history without the officers' warnings and the process's timers."""
    described["documents"] = [d for d in described["documents"] if issued_to_citizen(d["kind"], d["state"])]
    described["history"] = [e for e in described["history"] if e["action"] not in OFFICERS_ONLY_EVENTS]
    described["handovers"] = [{**h, "document": None} for h in described["handovers"]]
    return described


def list_rows(session: Session, rows: list[Dossier], now: datetime, settings: Settings) -> list[dict]:
    """What a list of dossiers shows of each (code, owner, procedure, status, filing, due, working time left): no
    history, documents or letters, which only the dossier's own page reads. The rows come with
    ``lazyload(Dossier.procedure_version)``: each version is read and decoded once (held in ``versions``)."""
    versions = list(session.scalars(select(ProcedureVersion).where(  # held while the rows read them
        ProcedureVersion.id.in_({d.procedure_version_id for d in rows} or {-1}))))
    out = []
    for d in rows:
        cal = calendar_of(session, d, settings)
        out.append({"code": d.code, "procedure_name": d.procedure_version.procedure.name, "status": d.status,
                    "owner": {"full_name": d.owner_name, "cccd": d.owner_cccd}, "filed_at": iso_vn(d.filed_at),
                    "due_at": iso_vn(d.due_at), "due_provisional": _provisional(session, d, settings),
                    # not received yet: the hour the one-stop has to check it is the date the citizen waits for
                    "intake_due_at": iso_vn(d.intake_due_at) if d.status == SUBMITTED else None,
                    # the result's working time left (a page words it in its language) and the day it counts in
                    "time_left": deadlines.time_left(d, cal, now), "day_length": cal.day_length})
    del versions
    return out


def _provisional(session: Session, dossier: Dossier, settings: Settings | None) -> bool:
    """Whether the due instant shown (the result's, else the intake's) lies in a year without an official
    calendar notice: it was counted on the package's holidays and may move."""
    due = dossier.due_at or (dossier.intake_due_at if dossier.status == SUBMITTED else None)
    if due is None or settings is None:
        return False
    return calendars.provisional(session, settings, due.astimezone(VN_TZ).date())


def _describe(session: Session, dossier: Dossier, letter_rows: list, documents: list[dict],
              events: list, open_requests: list, with_form: bool,
              now: datetime | None, settings: Settings | None) -> dict:
    version: ProcedureVersion = dossier.procedure_version
    result = {
        "code": dossier.code,
        "procedure": version.procedure.code,
        "procedure_name": version.procedure.name,
        "procedure_version": version.version,
        "status": dossier.status,
        "status_name": Status(dossier.status).label,
        "channel": dossier.channel,
        "return_channel": dossier.return_via,  # D23: how the result comes back (the filing's channel by default)
        "return_address": dossier.return_address,
        "owner": {"full_name": dossier.owner_name, "cccd": dossier.owner_cccd,
                  "birth_date": dossier.owner_birth_date.isoformat() if dossier.owner_birth_date else None},
        "filed_at": iso_vn(dossier.filed_at),
        "intake_due_at": iso_vn(dossier.intake_due_at),
        "received_at": iso_vn(dossier.received_at),
        "due_at": iso_vn(dossier.due_at),
        "original_due_at": iso_vn(dossier.original_due_at),
        "resolved_at": iso_vn(dossier.resolved_at),
        "returned_at": iso_vn(dossier.returned_at),
        "suspended_at": iso_vn(dossier.suspended_at),  # an administrator suspended it (engine.cases.operations)
        "late": lateness.is_late(dossier, now) if now is not None else dossier.late,
        "outcome": dossier.outcome,
        "supplement_requests": dossier.supplement_requests,
        "extensions": dossier.extensions,
        "intake_late": intake.is_intake_late(dossier, now) if now is not None else dossier.intake_late,
        "calendar_version": dossier.calendar_version,
        "due_provisional": _provisional(session, dossier, settings),
        "letters": [{"kind": ltr.kind, "reason": ltr.reason, "faults": ltr.faults, "issued_at": iso_vn(ltr.issued_at),
                     "new_due_at": iso_vn(ltr.new_due_at), "signer": ltr.signer_name, "signer_role": ltr.signer_role,
                     "violation": ltr.violation, "document": ltr.document_id} for ltr in letter_rows],
        "documents": documents,
        # system: the engine's own event (no person acted; audit.record names it "Hệ thống"), told apart
        # from a person who bears that name
        "history": [{"at": iso_vn(e.at), "actor": e.actor_name, "action": e.action, "status": e.to_status,
                     "step": e.step, "system": e.actor_id is None} for e in events],
    }
    open_request = open_requests[0] if open_requests else None
    if open_request is not None and dossier.status == SUPPLEMENT:  # a withdrawn dossier waits for nothing
        # an item names its component by name or by key, as asked (attachments.canonical_items): the pages show
        # the procedure's name of it (``component_name``), as the notice and Mẫu 02 do
        names = {c["key"]: c["name"] for c in version.info.get("components", ())}
        items = [{**it, "component_name": names.get(it.get("component"), it.get("component"))}
                 for it in open_request.items]
        result["supplement_request"] = {"stage": open_request.stage, "items": items,
                                        "requested_at": iso_vn(open_request.at)}
    if now is not None and settings is not None:
        result["remaining"] = deadlines.remaining(dossier, calendar_of(session, dossier, settings), now)
    if with_form:
        result["form"] = dossier.form
    return result
