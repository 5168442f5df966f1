"""The refusal to resolve of a dossier another agency processes (D21, D29): ward A (UBND phường An Cựu) receives,
the Sở Công Thương processes (its offer). The Sở held the approval step, so its head signs the notice, which is
issued in its name ("GIÁM ĐỐC", the Sở's seal); the ward's chairman gets nothing. A dossier no other agency
processes is refused by its own agency's head, as before. Real SQLite, real BPMN, real PDFs and PAdES signatures,
signed through the signing API with the demo PIN."""
from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA, make_settings, password_hash, vn
from test_offers import DEMO, DEPT, WARD_A, put_offers
from test_offers import province  # noqa: F401
from engine.cases import accounts
from engine.core.settings import with_secrets
from engine.data import agencies
from engine.data.agency_model import Agency
from engine.data.model import Document, DocumentSignature, Dossier, NumberRegister, User
from engine.data.signing_model import SigningRequest
from engine.paperwork import documents, results

REASONS = {"reasons": ["Ngành nghề cấm kinh doanh"]}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def settings(database_url, tmp_path):
    """This module's own PKI: the Sở's head and seal get keys made here, no other test's are reused."""
    return with_secrets(make_settings(tmp_path / "data", database_url, tmp_path / "pki"))


def _heads_apart(app, clock, code: str, head: str, name: str) -> None:
    """The agency's leader (x.canbo) keeps every role but the head's; ``head`` is its head; then every agency
    and signer gets its key (`tthc pki init`)."""
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        agency = agencies.by_code(session, code)
        leader = session.scalar(select(User).where(User.agency_id == agency.id, User.username.like("%.canbo")))
        leader.roles_text = leader.roles_text.replace("head_of_agency", "clerk")
        accounts.ensure_officer(session, clock.now(), head, name, {"head_of_agency"}, agency, PASSWORD,
                                password_hash=password_hash())
        results.ensure_keys(session, ext["settings"], clock.now(), pin=PASSWORD)


def _refused(api, clock, leader: str) -> str:
    """Mon 23/11/2026 09:00 filed at and received by ward A; 10:00 ``leader`` proposes and decides the refusal."""
    clock.set(vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    api.act("a.canbo", code, "receive")
    clock.set(vn(2026, 11, 23, 10, 0))
    api.tokens.clear()  # tokens expire with time
    api.act(leader, code, "propose_refusal", STEP_DATA["propose_refusal"])
    r = api.post(f"/api/v1/tasks/{api.task_for(leader, code)['id']}/complete", leader,
                 json={"action": "refuse", "data": REASONS})
    assert r.status_code == 200, r.get_json()
    return code


def _mine(api, user: str, code: str) -> list[dict]:
    return [r for r in api.get("/api/v1/signing-requests", user).get_json() if r["dossier"] == code]


def _registers(app) -> dict[str, int]:
    """The last number of each agency's result register, by agency code."""
    with app.extensions["tthc"]["sessions"]() as session:
        return dict(session.execute(select(Agency.code, NumberRegister.last).join(
            Agency, Agency.id == NumberRegister.agency_id).where(NumberRegister.kind == "result")).all())


def test_the_processing_agencys_head_signs_the_refusal_in_its_name(api, app, clock, province):  # noqa: F811
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    _heads_apart(app, clock, DEPT, "d.giamdoc", "Giám đốc Sở Công Thương")
    code = _refused(api, clock, "d.canbo")

    assert _mine(api, "a.canbo", code) == []  # the receiving ward's chairman signs nothing
    [request] = _mine(api, "d.giamdoc", code)
    assert request["role"] == "head_of_agency" and request["outcome"] == "refused"
    assert request["number"] == "1/TB-UBND"
    assert _registers(app) == {DEPT: 1}  # numbered in the Sở's own register, not the receiving ward's

    r = api.post(f"/api/v1/signing-requests/{request['id']}/sign", "d.giamdoc", json={"pin": PASSWORD})
    assert r.status_code == 200 and r.get_json()["state"] == "signed", r.get_json()
    issued = api.act("d.canbo", code, "issue_result", STEP_DATA["issue_result"])
    assert issued["status"] == 9, issued

    seen = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    [result] = [d for d in seen["documents"] if d["kind"] == "result"]
    assert result["number"] == "1/TB-UBND" and all(s["valid"] for s in result["signatures"])
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        doc = session.scalar(select(Document).where(Document.dossier_id == dossier.id, Document.kind == "result"))
        signed = [(s.field, s.signer) for s in session.scalars(
            select(DocumentSignature).where(DocumentSignature.document_id == doc.id).order_by(DocumentSignature.id))]
        content = documents.read(ext["settings"].data_dir, doc)
        assert doc.register_agency_id == agencies.by_code(session, DEPT).id  # the register the number came from
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(content)).pages).lower()
    assert "sở công thương" in text and "an cựu" not in text  # issued in the Sở's name
    assert "giám đốc" in text and "tm. ủy ban nhân dân" not in text  # the Sở's head signs as its head
    assert signed == [(results.FIELD_PERSONAL, "Giám đốc Sở Công Thương"),
                      (results.FIELD_ORGANISATION, "Sở Công Thương")]
    assert api.act("a.canbo", code, "return_result", STEP_DATA["return_result"])["status"] == 10


def test_a_dossier_no_other_agency_processes_is_refused_by_its_own_head(api, app, clock, province):  # noqa: F811
    assert put_offers(api, {"agencies": [DEMO, WARD_A]}).status_code == 200
    _heads_apart(app, clock, WARD_A, "a.chutich", "Chủ tịch UBND phường An Cựu")
    code = _refused(api, clock, "a.canbo")
    assert _mine(api, "a.canbo", code) == []
    [request] = _mine(api, "a.chutich", code)
    assert request["role"] == "head_of_agency" and request["number"] == "1/TB-UBND"
    assert _registers(app) == {WARD_A: 1}  # numbered in ward A's own register
    with app.extensions["tthc"]["sessions"]() as session:
        req = session.get(SigningRequest, request["id"])
        assert req.agency_id == agencies.by_code(session, WARD_A).id
