"""The agency that issues (D29, D34): a dossier's documents are written in the name of, and sealed by, the agency
that processes it (the processing agency its offer names, else the agency that received it), never merely the
agency that published the procedure; the forms of intake (Mẫu 01-03) are the receiving agency's. A procedure
ward 06 publishes and ward 07 offers: a dossier filed at ward 07 gets ward 07's receipt and result, each sealed
with ward 07's certificate; a ward-06 dossier is unchanged; an agency with no seal key leaves its document
pending with a message saying so, never half issued. Real BPMN, real PDFs and PAdES signatures, both databases."""
from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, SAMPLE_CODE, STEP_DATA, make_settings, password_hash
from engine.cases import accounts
from engine.cli.demo import AGENCIES, DEMO_AGENCY
from engine.core.settings import with_secrets
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import Document, DocumentSignature, Dossier, Procedure
from engine.data.signing_model import SigningRequest
from engine.paperwork import documents, results

NAMES = {code: name for code, name, *_ in AGENCIES}
WARD_06, WARD_07, WARD_08, WARD_09 = DEMO_AGENCY[0], "000.00.07.H56", "000.00.08.H56", "000.00.09.H56"
ROLES = {"receiving_officer", "specialist", "department_leader", "head_of_agency", "clerk"}
STAFF = {WARD_07: "px", WARD_08: "kl", WARD_09: "nokey"}  # one officer holding every role, per ward


@pytest.fixture
def settings(database_url, tmp_path):
    """This module's own PKI (keys made by the fixture below): no other test's key for ward 07 is reused."""
    return with_secrets(make_settings(tmp_path / "data", database_url, tmp_path / "pki"))


@pytest.fixture
def wards(app, clock):
    """Wards 07 and 08 of the demo province with their officers, offering the procedure ward 06 publishes;
    every agency gets its seal key and every signer theirs (`tthc pki init`), then ward 09 arrives without."""
    ext = app.extensions["tthc"]
    made = {}
    for codes in ((WARD_07, WARD_08), (WARD_09,)):
        with ext["sessions"].begin() as session:
            for code in codes:
                made[code] = Agency(code=code, name=NAMES.get(code, "Ủy ban nhân dân phường Hương An (kiểm thử)"),
                                    level="commune")
                session.add(made[code])
                session.flush()
                accounts.ensure_officer(session, clock.now(), f"{STAFF[code]}.canbo", f"Cán bộ {STAFF[code]}", ROLES,
                                        made[code], PASSWORD, password_hash=password_hash())
                if code != WARD_08:
                    proc = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
                    session.add(ProcedureOffer(procedure_id=proc.id, agency_id=made[code].id, settings={},
                                               active=True, created_at=clock.now()))
            if codes != (WARD_09,):
                results.ensure_keys(session, ext["settings"], clock.now(), pin=PASSWORD)
    assert not results.pki(ext["settings"]).org_key(WARD_09).exists()  # made after: `tthc pki init` not run
    return made


def _through(api, code: str, receiver: str, specialist: str, leader: str, clerk: str) -> dict:
    api.act(receiver, code, "receive")
    api.act(specialist, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(leader, code, "approve")
    return api.act(clerk, code, "issue_result", STEP_DATA["issue_result"])


def _documents(app, code: str, kind: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each stored document of ``kind``: its PDF text (lower case, one line) and its signatures (field, signer)."""
    ext = app.extensions["tthc"]
    found = []
    with ext["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        for doc in session.scalars(select(Document).where(Document.dossier_id == dossier.id, Document.kind == kind)):
            content = documents.read(ext["settings"].data_dir, doc)
            text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(content)).pages)
            signed = [(s.field, s.signer) for s in session.scalars(
                select(DocumentSignature).where(DocumentSignature.document_id == doc.id)
                .order_by(DocumentSignature.id)) if s.valid]
            found.append((text.lower(), signed))
    return found


def _seal(signed: list[tuple[str, str]]) -> str:
    [name] = [signer for field, signer in signed if field == results.FIELD_ORGANISATION]
    return name


def test_a_dossier_filed_at_ward_07_gets_ward_07s_receipt_and_result_sealed_by_ward_07(api, app, wards):
    filed = api.file(CITIZEN, agency=WARD_07)
    code = filed["code"]
    assert code.startswith(WARD_07) and filed["agency_name"] == NAMES[WARD_07]
    issued = _through(api, code, "px.canbo", "px.canbo", "px.canbo", "px.canbo")
    assert issued["status"] == 9, issued

    [(receipt, receipt_signed)] = _documents(app, code, "receipt")  # Mẫu 01: the receiving agency's
    assert NAMES[WARD_07].lower() in receipt and NAMES[WARD_06].lower() not in receipt
    assert _seal(receipt_signed) == NAMES[WARD_07]

    [(result, result_signed)] = _documents(app, code, "result")
    assert "phường phú xuân" in result and "thuận hóa (demo)" not in result  # the issuing body is ward 07
    assert _seal(result_signed) == NAMES[WARD_07]  # the seal's certificate subject: ward 07's
    assert [f for f, _ in result_signed] == [results.FIELD_PERSONAL, results.FIELD_ORGANISATION]
    assert api.act("px.canbo", code, "return_result", STEP_DATA["return_result"])["status"] == 10


def test_a_ward_06_dossier_is_unchanged(api, app, wards):
    code = api.file(CITIZEN, agency=WARD_06)["code"]
    assert _through(api, code, "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu")["status"] == 9
    [(receipt, receipt_signed)] = _documents(app, code, "receipt")
    assert NAMES[WARD_06].lower() in receipt and _seal(receipt_signed) == NAMES[WARD_06]
    [(result, result_signed)] = _documents(app, code, "result")
    assert "phường thuận hóa" in result and "phú xuân" not in result
    assert _seal(result_signed) == NAMES[WARD_06]


def test_the_processing_agency_its_offer_names_issues_the_result_and_the_receiving_one_the_receipt(
        api, app, wards, clock):
    with app.extensions["tthc"]["sessions"].begin() as session:
        offer = session.scalar(select(ProcedureOffer).where(ProcedureOffer.agency_id == wards[WARD_07].id))
        offer.processing_agency_id = wards[WARD_08].id
    code = api.file(CITIZEN, agency=WARD_07)["code"]
    assert _through(api, code, "px.canbo", "kl.canbo", "kl.canbo", "kl.canbo")["status"] == 9
    [(receipt, receipt_signed)] = _documents(app, code, "receipt")
    assert NAMES[WARD_07].lower() in receipt and _seal(receipt_signed) == NAMES[WARD_07]
    [(result, result_signed)] = _documents(app, code, "result")
    assert "phường kim long" in result and "phú xuân" not in result
    assert _seal(result_signed) == NAMES[WARD_08]


def test_an_agency_without_a_seal_key_leaves_the_document_pending_with_a_clear_message(api, app, wards):
    code = api.file(CITIZEN, agency=WARD_09)["code"]
    received = api.act("nokey.canbo", code, "receive")  # the command succeeds; its Mẫu 01 waits for the key
    assert received["status"] == 4  # received, and processing begins
    assert _documents(app, code, "receipt") == []  # nothing half issued
    with app.extensions["tthc"]["sessions"]() as session:
        [req] = session.scalars(select(SigningRequest).join(Dossier, Dossier.id == SigningRequest.dossier_id)
                                .where(Dossier.code == code, SigningRequest.kind == "receipt")).all()
        assert req.state == "pending" and req.document_id is None
        assert "chưa có khóa con dấu số" in req.last_error and WARD_09 in req.last_error
        assert "Traceback" not in req.last_error and "FileNotFoundError" not in req.last_error


def test_an_apology_is_written_and_sealed_by_the_agency_at_fault_not_the_publisher_D19_D20_D29(api, app, wards, clock):
    """Ward 07 receives on Monday 23/11/2026 09:00 a dossier ward 08 processes (its offer) of a procedure ward 06
    publishes: due Friday 27/11 09:00 (3 working days; Tuesday 24/11 is a day off from 2026, D15). The sweep at
    09:00 opens the apology for the head of ward 08, which holds the assessment (the agency at fault, D19); at 10:00
    the letter names ward 08 and carries ward 08's seal: never the publisher's, nor the receiving ward's, whose
    head is refused."""
    from datetime import datetime

    from conftest import sign_requested
    from engine import timers
    from engine.core.clock import VN_TZ

    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        offer = session.scalar(select(ProcedureOffer).where(ProcedureOffer.agency_id == wards[WARD_07].id))
        offer.processing_agency_id = wards[WARD_08].id
    code = api.file(CITIZEN, agency=WARD_07)["code"]
    assert api.act("px.canbo", code, "receive")["due_at"].startswith("2026-11-27T09:00")
    overdue = timers.sweep(ext["sessions"], ext["settings"], datetime(2026, 11, 27, 9, 0, tzinfo=VN_TZ))
    assert overdue.effects["overdue"] == 1
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=VN_TZ))
    api.tokens.clear()  # tokens expire with time
    letter = {"kind": "overdue", "reason": "Chậm xác minh địa điểm kinh doanh"}
    refused = api.post(f"/api/v1/dossiers/{code}/letters", "px.canbo", json=letter)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "apology_other_agency"
    r = api.post(f"/api/v1/dossiers/{code}/letters", "kl.canbo", json=letter)
    assert r.status_code == 201, r.get_json()
    assert sign_requested(app, code) == 1  # the head's own signature (D35), then the seal after the commit
    [(letter, letter_signed)] = _documents(app, code, "apology")
    assert "phường kim long" in letter and "thuận hóa" not in letter and "phú xuân" not in letter
    assert _seal(letter_signed) == NAMES[WARD_08]
