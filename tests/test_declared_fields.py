"""Procedure knowledge is declared in the BPMN: the engine reads the names a procedure gives its data.

A procedure whose forms use other names than the sample's declares them as process properties
(docs/bpmn-conventions.md); the engine puts the dossier code and the filing form into the workflow data under
the declared keys, reads the applicant's contact, the approver's opinion and the result's number where the
procedure says, and a version stored before the declarations existed keeps the sample's names.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from conftest import CITIZEN, OFFICERS, SAMPLE, SAMPLE_FORM, STEP_DATA
from engine.data.model import Document, Dossier, ProcedureVersion
from engine.paperwork import documents, officialforms
from engine.process import fields, procedures

FIXTURE = Path(__file__).resolve().parent / "processes" / "declared-fields.bpmn"
FORMS = SAMPLE.parent.parent.parent / "forms"
OTHER_FILING = {
    "type": "object", "title": "Tờ khai (tên trường khác mẫu)",
    "properties": {"ten": {"type": "string", "title": "Tên", "minLength": 1},
                   "thu": {"type": "string", "title": "Hộp thư"},
                   "nguoi_nop": {"type": "object", "title": "Người nộp", "properties": {
                       "noi_o": {"type": "string", "title": "Nơi ở"},
                       "sdt": {"type": "string", "title": "Máy"}}}},
    "required": ["ten"], "additionalProperties": False}
FORM = {"ten": "Quán Cô Ba", "thu": "coba@example.vn",
        "nguoi_nop": {"noi_o": "12 Lê Lợi, Huế", "sdt": "0905123456"}}


def upload(api, bpmn: bytes, name: str, forms: dict[str, dict]):
    files = {"bpmn": (io.BytesIO(bpmn), name)}
    data = {**files, **{f"form{i}": (io.BytesIO(json.dumps(f).encode()), key) for i, (key, f) in
                        enumerate(forms.items())}}
    return api.post("/api/v1/procedures", "demo.admin", data=data, content_type="multipart/form-data")


def sessions(app):
    return app.extensions["tthc"]["sessions"]


def test_the_declared_keys_reach_the_workflow_data_and_the_contact_is_read_where_declared(api, app):
    r = upload(api, FIXTURE.read_bytes(), FIXTURE.name, {"nop-khac.schema.json": OTHER_FILING})
    assert r.status_code == 201, r.get_json()
    # The script task at filing reads `ma_so` and `to_khai`: under the sample's keys it would fail (422).
    filed = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "9.000010", "form": FORM})
    assert filed.status_code == 201, filed.get_json()
    code = filed.get_json()["code"]
    with sessions(app)() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.procedure_version.info["fields"]["filing_key"] == "to_khai"
        assert officialforms.contact(dossier) == {"address": "12 Lê Lợi, Huế", "phone": "0905123456",
                                                  "email": "coba@example.vn"}
    api.act(OFFICERS["intake"], code, "receive")  # the workflow goes on past the script


def test_a_contact_path_the_filing_form_lacks_is_refused_at_deploy(api):
    bpmn = FIXTURE.read_bytes().replace(b'value="nguoi_nop.noi_o"', b'value="nguoi_nop.dia_chi"')
    r = upload(api, bpmn, FIXTURE.name, {"nop-khac.schema.json": OTHER_FILING})
    assert r.status_code == 422
    assert any("contactAddressField" in p["message"] for p in r.get_json()["error"]["problems"])
    bad_key = FIXTURE.read_bytes().replace(b'name="filingDataKey" value="to_khai"', b'name="filingDataKey" value="to khai"')
    assert upload(api, bad_key, FIXTURE.name, {"nop-khac.schema.json": OTHER_FILING}).status_code == 422


def _renamed_sample() -> tuple[bytes, dict[str, dict]]:
    """The sample procedure whose approval and signing forms call the opinion and the number otherwise."""
    approval = json.loads((FORMS / "ho-kinh-doanh-phe-duyet.schema.json").read_text(encoding="utf-8"))
    opinion = approval["properties"]["y_kien_phe_duyet"]
    approval["properties"] = {"ghi_chu": {**opinion, "title": "Ghi chú nội bộ"}, "nhan_xet": opinion}
    signing = json.loads((FORMS / "ky-ban-hanh.schema.json").read_text(encoding="utf-8"))
    signing["properties"]["so_hieu"] = signing["properties"].pop("so_van_ban")
    signing["required"] = ["so_hieu"]
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace('value="1.001612"', 'value="9.000011"')
    text = text.replace('"ho-kinh-doanh-phe-duyet.schema.json"', '"phe-duyet-khac.schema.json"')
    text = text.replace('"ky-ban-hanh.schema.json"', '"ky-khac.schema.json"')
    text = text.replace('<spiffworkflow:property name="level.paperRequired"',
                        '<spiffworkflow:property name="opinionField" value="nhan_xet" />\n'
                        '        <spiffworkflow:property name="documentNumberField" value="so_hieu" />\n'
                        '        <spiffworkflow:property name="level.paperRequired"', 1)
    return text.encode("utf-8"), {"phe-duyet-khac.schema.json": approval, "ky-khac.schema.json": signing}


def test_the_opinion_and_the_document_number_are_read_from_the_declared_fields(api, app):
    bpmn, forms = _renamed_sample()
    r = upload(api, bpmn, "khac.bpmn", forms)
    assert r.status_code == 201, r.get_json()
    filed = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "9.000011", "form": SAMPLE_FORM})
    assert filed.status_code == 201, filed.get_json()
    code = filed.get_json()["code"]
    api.act(OFFICERS["intake"], code, "receive")
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    # A string field before the opinion: the old "first string of the form" rule would have taken it.
    api.act(OFFICERS["approval"], code, "approve", {"ghi_chu": "Nội bộ",
                                                         "nhan_xet": "Đồng ý cấp giấy chứng nhận"})
    api.act(OFFICERS["signing"], code, "issue_result", {"so_hieu": "1/GCN-UBND"})
    with sessions(app)() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        docs = {d.kind: d for d in session.scalars(select(Document).where(Document.dossier_id == dossier.id))}
        assert docs["result"].number == "1/GCN-UBND"  # the register's, given with the approval (not the clerk's field)
        content = documents.read(app.extensions["tthc"]["settings"].data_dir, docs["result_draft"])
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)
    assert "Đồng ý cấp giấy chứng nhận" in " ".join(text.split())


def test_a_version_stored_before_the_declarations_reads_the_sample_names(app, api):
    with sessions(app)() as session:
        version = session.scalars(select(ProcedureVersion)).first()
        info = {k: v for k, v in version.info.items() if k != "fields"}
    named = fields.of(info)
    assert (named.document_number, named.opinion, named.dossier_code_key, named.filing_key) == (
        "so_van_ban", "y_kien_phe_duyet", "ma_ho_so", "ho_so")
    assert named.contact({"dia_chi_tru_so": "1 Hùng Vương", "dien_thoai": "0234", "email": "a@b.vn"}) == {
        "address": "1 Hùng Vương", "phone": "0234", "email": "a@b.vn"}


def test_the_sample_declares_nothing_and_deploys_with_the_defaults():
    definition = procedures.load_file(SAMPLE, FORMS)
    assert definition.info["fields"] == {attr: default for attr, default in fields.PROPERTIES.values()}
