"""The citizen's electronic dossier store holds the citizen's OWN results (D24): a refusal to resolve is not a
result (it is neither stored nor reused, and the citizen's pages name it for what it is), and a result belongs
to the dossier's owner, not to whoever filed for them (D4): the filer still sees the dossier, but the owner's
certificate is not in the filer's store and cannot be attached to the filer's own dossiers. The files a filer
uploaded stay in the filer's store."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from conftest import CITIZEN, PASSWORD, SAMPLE_CODE, STEP_DATA
from test_signatures import _signed_upload
from web_support import OTHER_CITIZEN, Web, text_of

COMPONENT = "Giấy đề nghị đăng ký hộ kinh doanh"
REASONS = {"reasons": ["Ngành nghề cấm kinh doanh theo Luật Đầu tư"]}
A_OWNER = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}


@pytest.fixture
def backend():
    return "sqlite"


def results_of(dossier: dict) -> list[dict]:
    return [d for d in dossier["documents"] if d["kind"] == "result"]


def issued(api, code: str, decision: tuple[str, str, dict]) -> None:
    """Received, assessed, decided (and signed: Api.auto_sign), issued under the number the register gave the
    signed decision, and returned online."""
    proposal, action, data = decision
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, proposal, STEP_DATA[proposal])
    dossier = api.act("demo.lanhdao", code, action, data)
    [number] = {d["number"] for d in dossier["documents"] if d["kind"] == "result_draft"}
    api.act("demo.vanthu", code, "issue_result", {"so_van_ban": number})
    api.act("demo.tiepnhan", code, "return_result", STEP_DATA["return_result"])


APPROVED = ("propose_approval", "approve", {})
REFUSED = ("propose_refusal", "refuse", REASONS)  # the head of agency signs the notice (D21)


def refused(api) -> str:
    """Filed by the demo citizen, refused after assessment (D21), the head's notice signed and issued."""
    code = api.file(CITIZEN)["code"]
    issued(api, code, REFUSED)
    return code


def store_ids(api, user: str) -> set[int]:
    r = api.get("/api/v1/me/documents", user)
    assert r.status_code == 200, r.get_json()
    return {d["id"] for d in r.get_json()}


def reuse(api, user: str, code: str, document_id: int):
    return api.post(f"/api/v1/dossiers/{code}/documents", user, json={"reuse": document_id, "component": COMPONENT})


def options(app, user: str) -> dict[str, str]:
    page = Web(app.test_client()).login(user).get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    return dict(re.findall(r'<option value="(\d+)">([^<]*)</option>', page))


# -- F1: a refusal to resolve is not a result ----------------------------------------------------------------
def test_a_refusal_notice_is_not_in_the_store_and_cannot_be_reused(app, api):
    code = refused(api)
    dossier = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert dossier["outcome"] == "refused"
    [notice] = results_of(dossier)  # issued as kind "result" (the API and the reports rely on it)
    assert notice["name"].startswith("ket-qua")
    assert notice["id"] not in store_ids(api, CITIZEN)

    later = api.file(CITIZEN)["code"]
    r = reuse(api, CITIZEN, later, notice["id"])
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "document_not_found", r.get_json()
    assert [d for d in api.get(f"/api/v1/dossiers/{later}", CITIZEN).get_json()["documents"]
            if d["kind"] == "filing"] == []
    assert str(notice["id"]) not in options(app, CITIZEN)  # the filing page does not offer it


def test_the_citizens_dossier_page_names_the_refusal_notice_for_what_it_is(app, api):
    code = refused(api)
    [notice] = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())
    text = text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert f"Tải về: Thông báo từ chối giải quyết hồ sơ — {notice['name']}" in text
    assert f"Kết quả giải quyết — {notice['name']}" not in text


def test_an_approved_result_of_the_citizens_own_dossier_is_stored_reused_and_labelled_a_result(app, api):
    code = api.file(CITIZEN)["code"]
    issued(api, code, APPROVED)
    [result] = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())
    assert result["id"] in store_ids(api, CITIZEN)
    assert f"Kết quả giải quyết, hồ sơ {code}" in options(app, CITIZEN)[str(result["id"])]
    text = text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert f"Tải về: Kết quả giải quyết — {result['name']}" in text
    later = api.file(CITIZEN)["code"]
    r = reuse(api, CITIZEN, later, result["id"])
    assert r.status_code == 201 and r.get_json()["sha256"] == result["sha256"], r.get_json()


# -- F3: a result belongs to the dossier's owner -------------------------------------------------------------
def filed_for_a_by_b(api, settings) -> tuple[str, dict, dict]:
    """B registers, files for A (D4) with a signed component of his own upload, and the dossier gets its result
    (issued to A). Returns its code, A's result and B's upload."""
    r = api.post("/api/v1/citizens", json={"full_name": "Trần Văn Bình", "cccd": OTHER_CITIZEN,
                                           "cccd_issued_on": "2021-06-01", "phone": "0905123456",
                                           "email": "binh@example.vn", "password": PASSWORD})
    assert r.status_code == 201 and r.get_json()["standardised"], r.get_json()
    code = api.file(OTHER_CITIZEN, owner=A_OWNER)["code"]
    r = api.post(f"/api/v1/dossiers/{code}/documents", OTHER_CITIZEN, content_type="multipart/form-data",
                 data={"component": COMPONENT, "file": (BytesIO(_signed_upload(settings)), "de-nghi.pdf")})
    assert r.status_code == 201, r.get_json()
    upload = r.get_json()
    issued(api, code, APPROVED)
    dossier = api.get(f"/api/v1/dossiers/{code}", OTHER_CITIZEN).get_json()  # B still sees it (D4)
    assert dossier["owner"]["cccd"] == CITIZEN and dossier["outcome"] == "approved"
    [result] = results_of(dossier)
    return code, result, upload


def test_the_filer_cannot_take_the_owners_result_into_his_own_dossiers(app, api, settings):
    code, result, upload = filed_for_a_by_b(api, settings)
    assert result["id"] not in store_ids(api, OTHER_CITIZEN)
    mine = api.file(OTHER_CITIZEN)["code"]  # B's own dossier
    r = reuse(api, OTHER_CITIZEN, mine, result["id"])
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "document_not_found", r.get_json()
    assert [d for d in api.get(f"/api/v1/dossiers/{mine}", OTHER_CITIZEN).get_json()["documents"]
            if d["kind"] == "filing"] == []
    assert str(result["id"]) not in options(app, OTHER_CITIZEN)
    # the file B uploaded himself stays in B's store and can be reused by him
    assert upload["id"] in store_ids(api, OTHER_CITIZEN)
    assert reuse(api, OTHER_CITIZEN, mine, upload["id"]).status_code == 201


def test_the_owner_has_the_result_of_the_dossier_filed_for_her_in_her_store(app, api, settings):
    code, result, _ = filed_for_a_by_b(api, settings)
    assert result["id"] in store_ids(api, CITIZEN)
    assert f"Kết quả giải quyết, hồ sơ {code}" in options(app, CITIZEN)[str(result["id"])]
    later = api.file(CITIZEN)["code"]
    r = reuse(api, CITIZEN, later, result["id"])
    assert r.status_code == 201 and r.get_json()["sha256"] == result["sha256"], r.get_json()
