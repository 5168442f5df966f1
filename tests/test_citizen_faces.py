"""What a citizen may see of their dossier is the same whichever face they use: the portal's pages, the JSON API
with their token, the downloads. D22: nothing not validly issued is handed to the citizen (no draft, signed or
not, before the clerk's seal and number); D33: the agencies' liên thông papers stay between them. A document the
citizen may not have answers 404, as a dossier they may not see does (api.md), never 403.

Real SQLite and PostgreSQL, real BPMN, real PDFs, through the HTTP routes."""
from __future__ import annotations

import io
import re

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, drain_after_commit, sign_requested, vn
from lienthong_support import POLICE, SO, handed_over, officer
from web_support import PDF, Web, text_of

RECEIVER, SPECIALIST, LEADER, CLERK = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu"
COMPONENT = "Giấy đề nghị đăng ký hộ kinh doanh"
# What the citizen is handed (engine.cases.dossiers.CITIZEN_DOCUMENT_KINDS); the rest stays with the officers
ISSUED = {"filing", "receipt", "supplement_request", "refusal", "stop_notice", "apology", "result", "fee_receipt"}


def kinds(dossier: dict) -> list[str]:
    return [d["kind"] for d in dossier["documents"]]


def of_kind(dossier: dict, kind: str) -> list[dict]:
    return [d for d in dossier["documents"] if d["kind"] == kind]


def portal_links(web: Web, code: str) -> set[int]:
    """Every document the citizen's dossier page links to (results, letters, fee receipts, the files filed)."""
    page = web.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    return {int(i) for i in re.findall(r'href="/tai-lieu/(\d+)', page)}


def assert_faces_agree(api, web: Web, code: str, officer_name: str, user: str = CITIZEN) -> dict:
    """The citizen's API, their portal page and both downloads show the same documents: those issued to them;
    every other document of the dossier (as its officers see them) is 404 on both faces, and readable by the
    officers. Returns the citizen's dossier as the API shows it."""
    everything = api.get(f"/api/v1/dossiers/{code}", officer_name).get_json()["documents"]
    seen = api.get(f"/api/v1/dossiers/{code}", user).get_json()
    [listed] = [d for d in api.get("/api/v1/dossiers", user).get_json() if d["code"] == code]
    assert listed["documents"] == seen["documents"]
    expected = {d["id"] for d in everything if d["kind"] in ISSUED and d["state"] != "pending_signature"}
    assert {d["id"] for d in seen["documents"]} == expected, (kinds(seen), [d["kind"] for d in everything])
    assert portal_links(web, code) == expected
    for doc in everything:
        by_api, by_portal = api.get(doc["url"], user), web.get(f"/tai-lieu/{doc['id']}", status=None)
        if doc["id"] in expected:
            assert (by_api.status_code, by_portal.status_code) == (200, 200), doc["kind"]
        else:
            assert (by_api.status_code, by_portal.status_code) == (404, 404), doc["kind"]
            assert by_api.get_json()["error"]["code"] == "document_not_found"
            assert api.get(doc["url"], officer_name).status_code == 200, doc["kind"]  # its officers read it
    return seen


def approved(api) -> str:
    """Decided by the leader and signed by them (the demo PIN): the clerk has not sealed and numbered it yet."""
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")
    return code


# -- D22: the leader-signed draft ------------------------------------------------------------------------------
def test_the_leader_signed_draft_of_the_result_is_handed_to_the_citizen_on_no_face(app, api):
    code = approved(api)
    [draft] = of_kind(api.get(f"/api/v1/dossiers/{code}", CLERK).get_json(), "result_draft")
    assert draft["state"] == "signed"  # the leader's signature, without the clerk's seal: not issued
    seen = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert kinds(seen) == ["receipt"]
    [listed] = [d for d in api.get("/api/v1/dossiers", CITIZEN).get_json() if d["code"] == code]
    assert kinds(listed) == ["receipt"]
    refused = api.get(draft["url"], CITIZEN)
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "document_not_found"
    web = Web(app.test_client()).login(CITIZEN)
    assert web.get(f"/tai-lieu/{draft['id']}", status=None).status_code == 404
    assert api.get(draft["url"], CLERK).status_code == 200  # the clerk issues from it

    issued = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    [result] = of_kind(issued, "result")
    seen = assert_faces_agree(api, web, code, CLERK)
    assert kinds(seen) == ["receipt", "result"] and of_kind(seen, "result")[0]["id"] == result["id"]
    api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])
    assert kinds(assert_faces_agree(api, web, code, CLERK)) == ["receipt", "result"]


def test_the_answers_of_the_citizen_s_own_commands_list_no_draft_either(app, api):
    """The dossier in the answer of the citizen's withdrawal is the citizen's view too."""
    code = approved(api)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    assert "result_draft" not in kinds(r.get_json()) and r.get_json()["status"] == 7
    web = Web(app.test_client()).login(CITIZEN)
    seen = assert_faces_agree(api, web, code, RECEIVER)  # the withdrawn dossier keeps its draft from the citizen
    assert kinds(seen) == ["receipt", "stop_notice"]


def test_letters_drafts_stay_with_their_signer_and_every_face_shows_the_same_documents(app, api):
    """An apology letter (D11b) and a re-issued result wait as drafts for the head of agency's signature: the
    citizen gets them once signed and sealed, not before. Through a whole life (an upload, Mẫu 01–02, the
    letter, the result, its re-issue) the citizen's API and portal list, and let download, the same documents."""
    code = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{code}/documents", CITIZEN, content_type="multipart/form-data",
                 data={"component": COMPONENT, "file": (io.BytesIO(PDF), "de-nghi.pdf")})
    assert r.status_code == 201, r.get_json()
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM}).status_code == 200
    api.act(RECEIVER, code, "receive")
    second = {"items": [{"component": "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở "
                                       "hộ kinh doanh",
                         "problem": "Chưa có", "required": "Tải lên hợp đồng thuê"}],
              "second_reason": {"kind": "other", "explanation": "Hướng dẫn lần trước chưa nêu yêu cầu này"}}
    api.auto_sign = False  # the head of agency has not signed the letter yet
    asked = api.act(SPECIALIST, code, "request_supplement", second)
    [letter] = asked["letters"]
    [draft] = of_kind(asked, "apology_draft")
    assert draft["state"] == "pending_signature" and letter["document"] is None
    web = Web(app.test_client()).login(CITIZEN)
    assert "apology_draft" not in kinds(assert_faces_agree(api, web, code, SPECIALIST))
    assert sign_requested(app, code) == 1  # signed, then sealed: the letter is issued
    api.auto_sign = True
    seen = assert_faces_agree(api, web, code, SPECIALIST)
    assert [d["id"] for d in of_kind(seen, "apology")] == [draft["id"]] == [seen["letters"][0]["document"]]

    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM}).status_code == 200
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve")
    api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue", CLERK,
                 json={"reason": "Sai tên hộ kinh doanh", "form": {**SAMPLE_FORM, "ten_ho_kinh_doanh": "Bình An Phát"}})
    assert r.status_code == 201, r.get_json()
    assert "reissue_draft" not in kinds(assert_faces_agree(api, web, code, CLERK))
    assert sign_requested(app, code) == 1  # the head of agency signs the re-issue's draft
    seen = assert_faces_agree(api, web, code, CLERK)
    assert sorted(set(kinds(seen))) == ["apology", "filing", "receipt", "result", "supplement_request"]
    assert [d["state"] for d in of_kind(seen, "result")] == ["replaced", "signed"]  # the replaced one stays


# -- D33: the agencies' liên thông papers ------------------------------------------------------------------------
def test_the_hand_over_slip_and_the_police_s_answer_stay_between_the_agencies(app, api, clock):
    code = handed_over(app, api, clock)
    [child] = [t["dossier"] for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()]
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"})
    api.act(officer(POLICE, "approval"), child, "approve")
    api.act(officer(POLICE, "signing"), child, "issue_result")  # D22: the register's number
    so_view = api.get(f"/api/v1/dossiers/{code}", officer(SO, "assessment")).get_json()
    assert {"handover_slip", "lienthong_result"} <= set(kinds(so_view))
    [answer] = of_kind(so_view, "lienthong_result")
    assert so_view["handovers"][0]["document"] == answer["id"]

    web = Web(app.test_client()).login(CITIZEN)
    seen = assert_faces_agree(api, web, code, officer(SO, "assessment"))
    assert kinds(seen) == ["receipt"]
    [handover] = seen["handovers"]  # where the dossier went, without a paper the citizen cannot open
    assert handover["agency"] == POLICE and handover["returned_at"] is not None and handover["document"] is None
    assert api.get(f"/api/v1/dossiers/{child}", CITIZEN).status_code == 404  # one dossier (D33)


def test_the_portal_does_not_announce_the_hand_over_slip_as_being_issued_to_the_citizen(app, api, clock):
    """Until the worker makes them, the citizen's page lists the documents coming to them as "đang phát hành":
    the Giấy tiếp nhận is theirs, the Sở's Phiếu chuyển hồ sơ liên thông to the police is not."""
    drain_after_commit(app, "personal")  # the documents the agencies seal wait for the worker
    code = handed_over(app, api, clock)
    page = text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert "Giấy tiếp nhận và hẹn trả kết quả — đang phát hành" in page
    assert "Phiếu chuyển hồ sơ liên thông" not in page


def _so_administrator(app, clock) -> str:
    from conftest import PASSWORD, password_hash

    from engine.cases import accounts
    from engine.data import agencies

    with app.extensions["tthc"]["sessions"].begin() as session:
        accounts.ensure_officer(session, clock.now(), "sotuphap.quantri", "Quản trị Sở Tư pháp", {"administrator"},
                                agencies.by_code(session, SO), PASSWORD, password_hash=password_hash())
    return "sotuphap.quantri"


def _police_part(api, child: str) -> tuple[int, list[str]]:
    police = officer(POLICE, "assessment")
    tasks = [t["dossier"] for t in api.get("/api/v1/tasks", police).get_json()]
    return api.get(f"/api/v1/dossiers/{child}", police).get_json()["status"], tasks


def test_a_withdrawn_dossier_is_no_longer_said_to_be_at_the_police(app, api, clock):
    """The citizen withdraws while the police work on their part: the police's part stops with it, and neither
    the portal nor the API still tell the citizen the dossier is being processed at the police."""
    code = handed_over(app, api, clock)
    [child] = [t["dossier"] for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()]
    web = Web(app.test_client()).login(CITIZEN)
    at_police = "Đang xử lý tại Công an thành phố Huế (demo) (liên thông)"
    assert at_police in text_of(web.get(f"/ca-nhan/ho-so/{code}"))
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200 and r.get_json()["stage"] is None, r.get_json()["stage"]
    assert _police_part(api, child) == (8, [])
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["stage"] is None
    page = text_of(web.get(f"/ca-nhan/ho-so/{code}"))
    assert "Hồ sơ đã dừng giải quyết" in page and at_police not in page


def test_a_dossier_an_administrator_terminates_stops_the_police_s_part_too(app, api, clock):
    """Terminated (status 8) by the Sở's administrator: the citizen sees it stopped, and so do the police, whose
    part of it leaves their inbox as it does when the citizen withdraws (D33); it was left open there."""
    code = handed_over(app, api, clock)
    [child] = [t["dossier"] for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()]
    r = api.post(f"/api/v1/dossiers/{code}/terminate", _so_administrator(app, clock),
                 json={"reason": "Hồ sơ sử dụng giấy tờ giả mạo"})
    assert r.status_code == 200 and r.get_json()["status"] == 8, r.get_json()
    assert _police_part(api, child) == (8, [])
    seen = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert seen["status"] == 8 and seen["stage"] is None
    page = text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert "Đang xử lý tại Công an" not in page


# -- an administrator's suspension ------------------------------------------------------------------------------
def test_a_suspended_dossier_says_so_on_the_citizen_s_page_as_in_the_api_and_the_officers_pages(app, api, clock):
    """The citizen is told by a notice that the dossier is suspended, and its link leads to their dossier's page:
    the API (``suspended_at``) and the officers' pages said so, the citizen's page did not."""
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    r = api.post(f"/api/v1/dossiers/{code}/suspend", "demo.admin", json={"reason": "Chờ ý kiến cơ quan thanh tra"})
    assert r.status_code == 200, r.get_json()
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["suspended_at"] == "2026-11-23T09:00:00+07:00"
    web = Web(app.test_client()).login(CITIZEN)
    page = web.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert 'id="suspended"' in page
    assert ("Cơ quan giải quyết tạm dừng xử lý hồ sơ từ 23/11/2026 09:00; hồ sơ sẽ được tiếp tục khi có thông báo "
            "tiếp theo.") in text_of(web.get(f"/ca-nhan/ho-so/{code}"))
    web.post("/ngon-ngu", {"lang": "en"})
    english = text_of(web.get(f"/ca-nhan/ho-so/{code}"))
    assert "suspended" in english and "Cơ quan giải quyết tạm dừng" not in english

    r = api.post(f"/api/v1/dossiers/{code}/resume", "demo.admin", json={"reason": "Đã có ý kiến thanh tra"})
    assert r.status_code == 200 and api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["suspended_at"] is None
    assert 'id="suspended"' not in web.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)


def test_a_dossier_an_administrator_terminates_gets_its_stop_notice(app, api):
    """D16: stopping a dossier's processing issues the Thông báo dừng giải quyết hồ sơ. An administrator's
    termination stopped it (status 8) and the citizen's page said "Bộ phận Một cửa đã dừng giải quyết hồ sơ", but no
    notice was issued: the citizen had nothing stating the stop and its reason."""
    from pypdf import PdfReader

    drain_after_commit(app)
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    r = api.post(f"/api/v1/dossiers/{code}/terminate", "demo.admin", json={"reason": "Hồ sơ nộp trùng với hồ sơ khác"})
    assert r.status_code == 200 and r.get_json()["status"] == 8, r.get_json()
    seen = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    [notice] = of_kind(seen, "stop_notice")
    pdf = api.get(notice["url"], CITIZEN)
    assert pdf.status_code == 200
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Hồ sơ nộp trùng với hồ sơ khác" in text and code in text


def test_the_citizen_s_history_leaves_out_the_officers_warning(app, api, settings):
    """D19, D28: the warning one working day before the due date goes to the officers. The citizen's history, on
    the portal and in the API, listed it ("Cảnh báo sắp đến hạn"); the officers' still does. Received Mon
    23/11/2026 09:00, due Fri 27/11 09:00 (Tuesday 24/11 is off): warned Thu 26/11 09:00."""
    from engine import timers

    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    assert timers.sweep(app.extensions["tthc"]["sessions"], settings, vn(2026, 11, 26, 9, 0)).effects == {"warning": 1}
    officers = [e["action"] for e in api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()["history"]]
    assert "warning" in officers
    citizens = [e["action"] for e in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["history"]]
    assert "warning" not in citizens and "receive" in citizens
    page = text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert "Cảnh báo sắp đến hạn" not in page and "Tiếp nhận hồ sơ" in page
