"""A form's $ref that points nowhere is refused at deploy (it deployed, then every filing was a 500), and a
version that carries one refuses its filings cleanly; the command line's deploy and gateway change are audited
(D29), with no actor: the operator's command line."""
from __future__ import annotations

import io
import json

import pytest
from conftest import SAMPLE, SAMPLE_CODE
from sqlalchemy import func, select
from test_cli import Tthc

from engine.core.errors import Invalid
from engine.data.agency_model import AdminEvent, Agency
from engine.data.model import ProcedureVersion
from engine.process import forms

FILING_KEY = "ho-kinh-doanh-nop.schema.json"
FILING = json.loads((SAMPLE.parent.parent.parent / "forms" / FILING_KEY).read_text(encoding="utf-8"))
DANGLING = {"type": "object", "properties": {"a": {"$ref": "#/definitions/nope"}}, "required": ["a"]}


def _upload(api, filing: dict):
    data = {"bpmn": (io.BytesIO(SAMPLE.read_bytes()), SAMPLE.name),
            "form0": (io.BytesIO(json.dumps(filing).encode()), FILING_KEY)}
    return api.post("/api/v1/procedures", "demo.admin", data=data, content_type="multipart/form-data")


def _versions(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(ProcedureVersion))


def _with_property(schema: dict) -> dict:
    return {**FILING, "properties": {**FILING["properties"], "ghi_chu_them": schema}}


def test_a_form_with_a_dangling_ref_is_refused_at_deploy_and_nothing_is_stored(api, app):
    before = _versions(app)
    for filing, ref in ((_with_property({"$ref": "#/definitions/nope"}), "#/definitions/nope"),
                        (_with_property({"$ref": "https://example.vn/form.json"}), "https://example.vn/form.json")):
        r = _upload(api, filing)
        assert r.status_code == 422, r.get_json()
        body = r.get_json()["error"]
        assert body["code"] == "invalid_definition", body
        assert any(FILING_KEY in p["message"] and f"tham chiếu $ref '{ref}'" in p["message"]
                   for p in body["problems"]), body
    assert _versions(app) == before


def test_a_form_with_a_valid_internal_ref_still_deploys(api, app):
    before = _versions(app)
    filing = {**_with_property({"$ref": "#/$defs/x"}), "$defs": {"x": {"type": "string", "maxLength": 200}}}
    r = _upload(api, filing)
    assert r.status_code == 201, r.get_json()
    assert _versions(app) == before + 1


def test_field_errors_on_a_dangling_ref_is_a_clean_refusal():
    with pytest.raises(Invalid) as refused:
        forms.field_errors(DANGLING, {"a": 1})
    assert refused.value.status == 422 and refused.value.code == "invalid_definition"
    assert "'#/definitions/nope'" in refused.value.message and "báo cơ quan" in refused.value.message
    assert forms.check_schema(DANGLING) == ["tham chiếu $ref '#/definitions/nope' không tồn tại"]


def test_a_bad_type_in_a_form_is_said_in_vietnamese():
    problems = forms.check_schema({"type": "object", "properties": {"a": {"type": "strin"}}})
    assert problems and "không hợp lệ tại properties/a/type" in problems[0], problems
    assert "is not valid" not in problems[0]


def _events(tthc: Tthc, action: str) -> list[AdminEvent]:
    with tthc.session() as session:
        return list(session.scalars(select(AdminEvent).where(AdminEvent.action == action).order_by(AdminEvent.id)))


def _with_agency(tmp_path) -> tuple[Tthc, int]:
    tthc = Tthc(tmp_path)
    assert tthc("db", "upgrade").exit_code == 0
    added = tthc("agency", "add", "000.00.06.H56", "--name", "Ủy ban nhân dân phường Thuận Hóa", "--level", "commune")
    assert added.exit_code == 0, added.output
    with tthc.session() as session:
        return tthc, session.scalar(select(Agency.id).where(Agency.code == "000.00.06.H56"))


def test_cli_deploy_is_audited_with_no_actor(tmp_path):
    tthc, agency_id = _with_agency(tmp_path)
    assert tthc("deploy", str(SAMPLE)).exit_code == 0
    assert tthc("deploy", str(SAMPLE)).stdout.split()[-1] == "unchanged"  # nothing deployed: nothing audited
    changed = tmp_path / SAMPLE.name
    changed.write_text(SAMPLE.read_text(encoding="utf-8").replace(
        'name="Đăng ký thành lập hộ kinh doanh" isExecutable="true"',
        'name="Đăng ký thành lập hộ kinh doanh (sửa đổi)" isExecutable="true"'), encoding="utf-8")
    second = tthc("deploy", str(changed))
    assert second.stdout.split() == [SAMPLE_CODE, "version", "2", "changed"], second.output
    deploys = _events(tthc, "version_deploy")
    assert [(e.actor, e.target_kind, e.target, e.agency_id, e.details["version"]) for e in deploys] == [
        (None, "procedure", f"{SAMPLE_CODE} v1", agency_id, 1), (None, "procedure", f"{SAMPLE_CODE} v2", agency_id, 2)]


def test_cli_gateway_change_is_audited_with_no_actor(tmp_path):
    tthc, agency_id = _with_agency(tmp_path)
    done = tthc("payments", "gateway", "000.00.06.H56", "--gateway", "vnpay", "--merchant", "TTHC01", "--url",
                "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html")
    assert done.exit_code == 0, done.output
    [event] = _events(tthc, "payment_gateway")
    assert (event.actor, event.target_kind, event.target, event.agency_id) == (None, "agency", "000.00.06.H56",
                                                                                agency_id)
    assert event.details == {"gateway": "vnpay", "merchant": "TTHC01"}
