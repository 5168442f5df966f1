"""The officers' pages through Flask's test client: inbox with counts, filters, SLA colours and working time
left; claim and release; the task page and every action of the steps; rule refusals explained (D10, D11, D18);
the BPMN diagram; the leaders' watch and the overdue apology (D19); bad input that must change nothing.
"""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, PASSWORD, SAMPLE_FORM, password_hash, vn
from sqlalchemy import select
from web_support import PDF, PNG, Web, counts, dossier_row, flatten, text_of

from engine.cases import accounts
from engine.core.clock import VN_TZ
from engine.data.model import Agency, Letter
from engine.data.signing_model import SigningRequest

SUPPLEMENT = {"items.0.component": "Giấy đề nghị đăng ký hộ kinh doanh", "items.0.problem": "Thiếu chữ ký của chủ hộ",
              "items.0.required": "Ký và tải lên lại"}
ASSESSMENT = {"f.y_kien_tham_dinh": "Hồ sơ đủ điều kiện"}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def citizen(app):
    return Web(app.test_client()).login(CITIZEN)


def officer(app, user: str) -> Web:
    return Web(app.test_client()).login(user)


def make_officer(app, clock, username: str, roles: set[str], agency_code: str = "000.00.06.H56") -> Web:
    with app.extensions["tthc"]["sessions"].begin() as session:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            agency = Agency(code=agency_code, name="Cơ quan khác")
            session.add(agency)
            session.flush()
        accounts.ensure_officer(session, clock.now(), username, f"Cán bộ {username}", roles, agency, PASSWORD,
                                password_hash=password_hash())
    return officer(app, username)


def received(app, citizen: Web) -> str:
    code = citizen.file_code()
    officer(app, "demo.tiepnhan").act(code, "receive")
    return code


def row_of(page: str, code: str) -> str:
    return re.search(rf'<tr class="row-[a-z_]+" data-dossier="{re.escape(code)}">.*?</tr>', page, re.S).group(0)


# -- the inbox ------------------------------------------------------------------------------------------------
def test_the_inbox_colours_each_row_by_its_deadline_with_the_time_left_in_words(app, citizen, clock):
    code = citizen.file_code()
    desk = officer(app, "demo.tiepnhan")
    row = row_of(desk.get("/can-bo/cong-viec").get_data(as_text=True), code)
    assert 'class="row-at_risk"' in row and "Sắp đến hạn (trong 1 ngày làm việc)" in row
    assert "còn 1 giờ làm việc" in row and "23/11/2026 10:00" in row
    clock.set(vn(2026, 11, 23, 11, 0))
    row = row_of(desk.get("/can-bo/cong-viec").get_data(as_text=True), code)
    assert 'class="row-overdue"' in row and "Quá hạn" in row and "quá 1 giờ làm việc" in row
    desk.act(code, "receive")
    row = row_of(officer(app, "demo.chuyenvien").get("/can-bo/cong-viec").get_data(as_text=True), code)
    assert 'class="row-in_time"' in row and "Trong hạn" in row and "còn 3 ngày làm việc" in row


def test_the_inbox_counts_filters_and_sorts(app, citizen, clock):
    first = citizen.file_code()
    clock.advance(minutes=30)
    second = citizen.file_code()
    desk = officer(app, "demo.tiepnhan")
    desk.post(f"/can-bo/cong-viec/{desk.task_id(first)}/nhan", status=302)
    page = text_of(desk.get("/can-bo/cong-viec"))
    assert "2 đang mở" in page and "1 tôi đang giữ" in page and "2 sắp đến hạn" in page and "2 đến hạn hôm nay" in page

    def listed(query: str) -> list[str]:
        html = desk.get(f"/can-bo/cong-viec?{query}").get_data(as_text=True)
        return re.findall(r'data-dossier="([^"]+)"', html)

    assert listed("") == [first, second]  # soonest due first
    assert listed("sort=due_desc") == [second, first]
    assert listed("mine=1") == [first]
    assert listed("procedure=1.001612&step=intake&due=today") == [first, second]
    assert listed("step=approval") == []
    # a procedure the agency neither offers nor processes (an edited link) is junk too: the select says "all"
    assert listed("procedure=9.999999") == [first, second] and listed("procedure=x'%3B--") == [first, second]
    assert listed("due=overdue") == []
    clock.set(vn(2026, 11, 23, 10, 15))
    assert listed("due=overdue") == [first] and listed("due=at_risk") == [second]
    assert listed("step=nonsense&due=nonsense&sort=nonsense&mine=2") == [first, second]  # junk filters: ignored


def test_claim_and_release_and_a_colleague_cannot_act_on_a_claimed_task(app, citizen, clock):
    code = citizen.file_code()
    desk = officer(app, "demo.tiepnhan")
    colleague = make_officer(app, clock, "demo.tiepnhan2", {"receiving_officer"})
    task = desk.task_id(code)
    r = desk.post(f"/can-bo/cong-viec/{task}/nhan", status=302)
    assert "Bạn đã nhận xử lý hồ sơ" in text_of(desk.get(r.headers["Location"]))
    page = text_of(colleague.get(f"/can-bo/cong-viec/{task}"))
    assert "đang do Trần Thị Tiếp Nhận xử lý" in page and "Không có thao tác" in page
    assert "Công việc đã được người khác nhận" in text_of(colleague.post(f"/can-bo/cong-viec/{task}/nhan", status=409))
    colleague.post(f"/can-bo/cong-viec/{task}/receive", status=409)
    colleague.post(f"/can-bo/cong-viec/{task}/tra-lai", status=409)
    assert dossier_row(app, code).status == 1
    desk.post(f"/can-bo/cong-viec/{task}/tra-lai", status=302)
    colleague.post(f"/can-bo/cong-viec/{task}/nhan", status=302)
    colleague.act(code, "receive")
    assert dossier_row(app, code).status == 4


def test_an_action_sent_twice_by_its_officer_is_done_once_and_said_so(app, citizen, clock):
    """A double click (or the back button and a resend) posted the action again: the second answer was a 409
    page "the work was completed by <the officer themself>", read as a failure. A colleague's second post, after
    the first officer's action, is still the conflict it is."""
    code = citizen.file_code()
    desk = officer(app, "demo.tiepnhan")
    colleague = make_officer(app, clock, "demo.tiepnhan2", {"receiving_officer"})
    task = desk.task_id(code)
    desk.post(f"/can-bo/cong-viec/{task}/receive", status=302)
    again = desk.post(f"/can-bo/cong-viec/{task}/receive", status=302)  # was 409
    assert again.headers["Location"].endswith("/can-bo/cong-viec")
    assert "Bạn đã thực hiện xong công việc này" in text_of(desk.get(again.headers["Location"]))
    assert "hoàn thành lúc" in text_of(colleague.post(f"/can-bo/cong-viec/{task}/receive", status=409))
    assert dossier_row(app, code).status == 4


# -- the task page ----------------------------------------------------------------------------------------------
def test_the_task_page_shows_the_dossier_its_deadlines_and_why_and_the_step_forms(app, citizen):
    code = citizen.file(files={"giay_de_nghi": ("don.pdf", PDF), "giay_to_tru_so": ("tru-so.png", PNG)}
                        ).headers["Location"].split("/")[3]
    desk = officer(app, "demo.tiepnhan")
    page = desk.get(f"/can-bo/cong-viec/{desk.task_id(code)}")
    html, text = page.get_data(as_text=True), text_of(page)
    for expected in ("Người nộp Nguyễn Văn An", "Chủ hồ sơ Nguyễn Văn An · CCCD 001099000001 · sinh 14/03/1999",
                     "Tên hộ kinh doanh Tạp hóa Bình An", "Vốn kinh doanh (đồng) 50.000.000",
                     "don.pdf", "Không có chữ ký số", "tru-so.png",
                     "Hạn kiểm tra, tiếp nhận hồ sơ: 23/11/2026 10:00",
                     "(theo Điều 13 Quyết định 88/2017/QĐ-UBND)", "Nộp hồ sơ — Nguyễn Văn An", "Bước hiện tại: Tiếp nhận hồ sơ"):
        assert expected in text, expected
    for action in ("receive", "request_supplement", "refuse"):
        assert f'id="form-{action}"' in html and f'action="/can-bo/cong-viec/{desk.task_id(code)}/{action}"' in html
    assert '<label for="receive-ghi_chu">Ghi chú</label>' in html  # the step's JSON Schema form
    assert 'data-current="tiep_nhan"' in html and 'aria-current="step"' in html
    assert "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html


def test_form_errors_appear_next_to_the_field_and_nothing_changes(app, citizen):
    code = received(app, citizen)
    specialist = officer(app, "demo.chuyenvien")
    r = specialist.act(code, "propose_approval", {}, status=422)
    html = r.get_data(as_text=True)
    assert re.search(r'id="propose_approval-y_kien_tham_dinh-error">.*Trường này là bắt buộc', html)
    assert '<details class="action" id="action-propose_approval" open>' in html
    r = specialist.act(code, "request_supplement", {"items.0.component": "Giấy đề nghị"}, status=422)
    html = r.get_data(as_text=True)
    assert 'id="items-0-problem-error"' in html and 'id="items-0-required-error"' in html
    assert 'value="Giấy đề nghị"' in html  # what was typed comes back
    r = specialist.act(code, "request_supplement", {}, status=422)
    assert "Cần ít nhất 1 mục" in text_of(r)
    r = specialist.act(code, "request_extension", {"amount": "mười", "reason": " "}, status=422)  # a blank reason
    assert 'id="ext-amount-error"' in r.get_data(as_text=True) and 'id="ext-reason-error"' in r.get_data(as_text=True)
    assert "Nhập một số ngày hoặc số giờ làm việc, ví dụ 1 hoặc 0,5" in text_of(r)  # was "Sai kiểu dữ liệu"
    assert dossier_row(app, code).supplement_requests == 0 and dossier_row(app, code).status == 4


def test_a_second_supplement_request_is_explained_and_the_d11_form_is_offered(app, citizen):
    code = citizen.file_code()
    desk = officer(app, "demo.tiepnhan")
    desk.act(code, "request_supplement", SUPPLEMENT)
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", {**flatten(SAMPLE_FORM), "note": "Đã ký"}, status=302)
    r = desk.act(code, "request_supplement", SUPPLEMENT, status=422)
    html, text = r.get_data(as_text=True), text_of(r)
    assert "Chỉ được yêu cầu bổ sung một lần (theo Điều 11 Nghị định 118/2025/NĐ-CP)" in text and "D10" not in text
    assert 'id="explain-second-supplement"' in html and 'href="#second-reason"' in html
    assert 'id="second-reason"' in html and 'value="applicant_not_compliant"' in html and 'value="other"' in html
    assert 'value="Giấy đề nghị đăng ký hộ kinh doanh"' in html  # the first request's items to tick
    r = desk.act(code, "request_supplement", {**SUPPLEMENT, "second_reason.kind": "applicant_not_compliant",
                                              "second_reason.explanation": "Vẫn thiếu chữ ký",
                                              "second_reason.unmet_items": "Mục không có"}, status=422)
    assert "Phải nêu từng mục của yêu cầu lần trước mà người nộp chưa thực hiện" in text_of(r)
    assert "(D11a)" not in text_of(r) and 'id="unmet-error"' in r.get_data(as_text=True)
    assert dossier_row(app, code).supplement_requests == 1
    desk.act(code, "request_supplement", {**SUPPLEMENT, "second_reason.kind": "applicant_not_compliant",
                                          "second_reason.explanation": "Vẫn thiếu chữ ký",
                                          "second_reason.unmet_items": "Giấy đề nghị đăng ký hộ kinh doanh"})
    row = dossier_row(app, code)
    assert (row.status, row.supplement_requests) == (5, 2)
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(Letter.id)) is None  # kind (a): no apology


def test_refusing_at_intake_needs_reasons_one_per_line(app, citizen):
    code = citizen.file_code()
    desk = officer(app, "demo.tiepnhan")
    r = desk.act(code, "refuse", {"reasons": "  \n "}, status=422)
    assert 'id="refuse-reasons-error"' in r.get_data(as_text=True)
    r = desk.act(code, "refuse", {"reasons": "Ngành nghề thuộc danh mục cấm\nab"}, status=422)  # a line too short
    assert "Lý do 2 : Quá ngắn" in text_of(r) and "reasons.1" not in text_of(r)
    desk.act(code, "refuse", {"reasons": "Ngành nghề thuộc danh mục cấm\nĐịa chỉ không có thật"})
    assert dossier_row(app, code).status == 3
    assert "Không được tiếp nhận" in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))


def test_an_extension_over_the_cap_is_explained_then_confirmed_twice(app, citizen):
    code = received(app, citizen)
    specialist = officer(app, "demo.chuyenvien")
    r = specialist.act(code, "request_extension", {"amount": "2", "unit": "working_days", "reason": "Cần xác minh"},
                       status=422)
    text = text_of(r)
    assert "tối đa 1 ngày làm việc (theo Điều 19 Nghị định 61/2018/NĐ-CP)" in text and 'id="explain-extension"' in r.get_data(as_text=True)
    assert "Chỉ được gia hạn một lần, tối đa 1 ngày làm việc" in text
    specialist.act(code, "request_extension", {"amount": "1", "unit": "working_days", "reason": "Cần xác minh"})
    officer(app, "demo.lanhdao").act(code, "confirm_extension", {"f.ghi_chu": "Đồng ý"})
    officer(app, "demo.giamdoc").act(code, "confirm_extension")
    row = dossier_row(app, code)
    # 24/11 is a public holiday from 2026 (D15): 3 working days end on Friday 27/11, one more on Monday 30/11
    assert row.extensions == 1 and row.due_at.astimezone(VN_TZ) == vn(2026, 11, 30, 9, 0)
    page = text_of(officer(app, "demo.chuyenvien").get(f"/can-bo/ho-so/{code}"))
    assert "Hạn ban đầu: 27/11/2026 09:00" in page and "Hạn trả kết quả: 30/11/2026 09:00" in page
    assert "(theo Điều 14 khoản 4 Quyết định 88/2017/QĐ-UBND và Điều 19 Nghị định 61/2018/NĐ-CP)" in page
    r = specialist.act(code, "request_extension", {"amount": "1", "unit": "working_hours", "reason": "Lần nữa"},
                       status=422)
    assert "một lần (theo Điều 19 Nghị định 61/2018/NĐ-CP)" in text_of(r)


def test_a_conflict_while_completing_shows_the_task_again_with_what_was_typed(app, api, citizen):
    """An administrator suspends the dossier while the specialist types the assessment: the post answers the
    task page again (409) with the reason and the typed opinion, not an error page that loses the text."""
    code = received(app, citizen)
    specialist = officer(app, "demo.chuyenvien")
    specialist.get(f"/can-bo/cong-viec/{specialist.task_id(code)}")
    r = api.post(f"/api/v1/dossiers/{code}/suspend", "demo.admin", json={"reason": "Kiểm tra lại dữ liệu"})
    assert r.status_code == 200, r.get_json()
    typed = "Hồ sơ đủ điều kiện, đề nghị cấp giấy chứng nhận"
    r = specialist.act(code, "propose_approval", {"f.y_kien_tham_dinh": typed}, status=409)
    page = r.get_data(as_text=True)
    assert "Chưa thực hiện được" in page and "tạm dừng" in text_of(r) and typed in page
    assert "Không có thay đổi nào được lưu." in page
    api.post(f"/api/v1/dossiers/{code}/resume", "demo.admin", json={"reason": "Đã kiểm tra xong"})
    specialist.act(code, "propose_approval", {"f.y_kien_tham_dinh": typed})
    assert dossier_row(app, code).status != 1


def test_a_rejected_extension_needs_a_reason_and_sends_the_dossier_back(app, citizen):
    code = received(app, citizen)
    officer(app, "demo.chuyenvien").act(code, "request_extension", {"amount": "4", "unit": "working_hours",
                                                                    "reason": "Cần xác minh"})
    leader = officer(app, "demo.lanhdao")
    r = leader.act(code, "reject_extension", {"reason": ""}, status=422)
    assert 'id="reject_extension-reason-error"' in r.get_data(as_text=True)
    leader.act(code, "reject_extension", {"reason": "Không cần thiết"})
    assert "Thẩm định hồ sơ" in text_of(officer(app, "demo.chuyenvien").get("/can-bo/cong-viec"))


def test_the_whole_officer_chain_through_the_pages(app, citizen):
    code = received(app, citizen)
    officer(app, "demo.chuyenvien").act(code, "propose_approval", ASSESSMENT)
    officer(app, "demo.lanhdao").act(code, "send_back", {"f.y_kien_phe_duyet": "Bổ sung ý kiến"})
    officer(app, "demo.chuyenvien").act(code, "propose_approval", ASSESSMENT)
    officer(app, "demo.lanhdao").act(code, "approve")
    clerk = officer(app, "demo.vanthu")
    # the clerk is shown the number the register gave the signed result, the one it is issued with
    with app.extensions["tthc"]["sessions"]() as session:
        number = session.scalar(select(SigningRequest.number).where(SigningRequest.kind == "result_draft",
                                                                    SigningRequest.state == "signed"))
    assert number and number.split("/")[0].isdigit()
    page = clerk.get(f"/can-bo/cong-viec/{clerk.task_id(code)}").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="issue_result-so_van_ban"[^>]*>', page).group(0)
    assert f'value="{number}"' in field and "được cấp khi phê duyệt" in page
    r = clerk.act(code, "issue_result", {"f.so_van_ban": "123/GCN-HKD"}, status=422)  # D22: not the register's
    assert 'id="issue_result-so_van_ban-error"' in r.get_data(as_text=True) and number in r.get_data(as_text=True)
    clerk.act(code, "issue_result", {"f.so_van_ban": number})
    desk = officer(app, "demo.tiepnhan")
    page = desk.get(f"/can-bo/cong-viec/{desk.task_id(code)}").get_data(as_text=True)
    assert '<select id="return_result-hinh_thuc_tra"' in page and ">trực tiếp tại Bộ phận Một cửa</option>" in page
    r = desk.act(code, "return_result", {"f.hinh_thuc_tra": "online"})
    assert "Đã thực hiện “Trả kết quả” cho hồ sơ" in text_of(desk.get(r.headers["Location"]))
    assert dossier_row(app, code).status == 10


# -- bad input ------------------------------------------------------------------------------------------------
def test_tampered_officer_posts_change_nothing_and_never_500(app, citizen, clock):
    code = citizen.file_code()
    desk = officer(app, "demo.tiepnhan")
    task = desk.task_id(code)
    before = (counts(app), dossier_row(app, code).version)
    desk.post(f"/can-bo/cong-viec/{task}/approve", status=404)  # not an action of this step
    desk.post(f"/can-bo/cong-viec/{task}/drop_table", status=404)
    desk.post(f"/can-bo/cong-viec/{task}/receive", {"f.ghi_chu": "x" * 3000}, status=422)
    desk.post(f"/can-bo/cong-viec/{task}/receive", csrf=False, status=400)
    desk.post("/can-bo/cong-viec/999999/receive", status=404)
    desk.post("/can-bo/cong-viec/abc/receive", status=404)
    officer(app, "demo.chuyenvien").post(f"/can-bo/cong-viec/{task}/receive", status=403)
    officer(app, "demo.chuyenvien").get(f"/can-bo/cong-viec/{task}", status=403)
    alien = make_officer(app, clock, "other.tiepnhan", {"receiving_officer"}, "000.00.07.H56")
    alien.get(f"/can-bo/cong-viec/{task}", status=404)
    alien.post(f"/can-bo/cong-viec/{task}/receive", status=404)
    alien.get(f"/can-bo/ho-so/{code}", status=404)
    alien.get(f"/can-bo/ho-so/{code}/quy-trinh.bpmn", status=404)
    citizen.post(f"/can-bo/cong-viec/{task}/receive", status=403)
    assert (counts(app), dossier_row(app, code).version) == before


def test_the_bpmn_diagram_is_served_to_officers_of_the_agency_only(app, citizen):
    code = citizen.file_code()
    r = officer(app, "demo.lanhdao").get(f"/can-bo/ho-so/{code}/quy-trinh.bpmn")
    assert r.mimetype == "application/xml" and b"<bpmn:userTask id=\"tiep_nhan\"" in r.data
    citizen.get(f"/can-bo/ho-so/{code}/quy-trinh.bpmn", status=403)


# -- leaders --------------------------------------------------------------------------------------------------
def test_leaders_watch_overdue_and_at_risk_dossiers_and_the_head_apologises(app, citizen, clock):
    late = received(app, citizen)               # Mon 23/11 09:00: due Fri 27/11 09:00 (24/11 is a holiday)
    clock.set(vn(2026, 11, 25, 9, 0))
    citizen = Web(app.test_client()).login(CITIZEN)
    fresh = received(app, citizen)              # Wed 25/11 09:00: due Mon 30/11 09:00
    leader = officer(app, "demo.lanhdao")
    assert "Không có hồ sơ quá hạn" in text_of(leader.get("/can-bo/theo-doi"))
    clock.set(vn(2026, 11, 26, 10, 0))
    leader = officer(app, "demo.lanhdao")
    page = leader.get("/can-bo/theo-doi").get_data(as_text=True)
    assert 'class="row-at_risk"' in row_of_watch(page, late) and fresh not in page
    assert "còn 7 giờ làm việc" in row_of_watch(page, late)
    clock.set(vn(2026, 11, 27, 10, 0))
    leader = officer(app, "demo.lanhdao")
    page = leader.get("/can-bo/theo-doi").get_data(as_text=True)
    assert 'class="row-overdue"' in row_of_watch(page, late) and "quá 1 giờ làm việc" in row_of_watch(page, late)
    assert 'class="row-at_risk"' in row_of_watch(page, fresh)
    assert "Cần thư xin lỗi trước khi trả kết quả" in text_of(leader.get("/can-bo/theo-doi"))
    officer(app, "demo.tiepnhan").get("/can-bo/theo-doi", status=403)
    Web(app.test_client()).login(CITIZEN).get("/can-bo/theo-doi", status=403)
    head = officer(app, "demo.thutruong")
    assert "ban hành thư xin lỗi (theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND)" in text_of(head.get(f"/can-bo/ho-so/{late}"))
    assert "ban hành thư xin lỗi (theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND)" not in text_of(leader.get(f"/can-bo/ho-so/{late}"))
    leader.post(f"/can-bo/ho-so/{late}/thu-xin-loi", {"reason": "Chậm xác minh"}, status=403)
    head.post(f"/can-bo/ho-so/{late}/thu-xin-loi", {"reason": ""}, status=302)
    assert dossier_row(app, late).late is False
    head.post(f"/can-bo/ho-so/{late}/thu-xin-loi", {"reason": "Chậm xác minh địa điểm"}, status=302)
    assert dossier_row(app, late).late is True
    assert "Thư xin lỗi" in text_of(Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{late}"))
    assert "ban hành thư xin lỗi (theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND)" not in text_of(head.get(f"/can-bo/ho-so/{late}"))


def row_of_watch(page: str, code: str) -> str:
    return re.search(rf'<tr class="row-[a-z_]+">\s*<td><a href="/can-bo/ho-so/{re.escape(code)}">.*?</tr>', page,
                     re.S).group(0)


def test_a_result_resolved_in_time_and_collected_late_shows_no_apology_to_the_head(app, citizen, clock):
    # D19: lateness is judged at resolution. Received Mon 23/11/2026 09:00, due Fri 27/11 09:00 (24/11 is a
    # holiday); resolved Thu 26/11; the citizen comes on Mon 30/11: no red "apology" panel, no apology owed.
    code = received(app, citizen)
    clock.set(vn(2026, 11, 26, 10, 0))
    officer(app, "demo.chuyenvien").act(code, "propose_approval", ASSESSMENT)
    officer(app, "demo.lanhdao").act(code, "approve")
    officer(app, "demo.vanthu").act(code, "issue_result", {})
    clock.set(vn(2026, 11, 30, 9, 0))
    head = officer(app, "demo.thutruong")
    page = text_of(head.get(f"/can-bo/ho-so/{code}"))
    assert "ban hành thư xin lỗi (theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND)" not in page
    head.post(f"/can-bo/ho-so/{code}/thu-xin-loi", {"reason": "Chậm trả kết quả"}, status=302)
    assert dossier_row(app, code).late is False
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalars(select(Letter).where(Letter.dossier_id == dossier_row(app, code).id)).all() == []
    officer(app, "demo.tiepnhan").act(code, "return_result")
    assert dossier_row(app, code).status == 10 and dossier_row(app, code).late is False
