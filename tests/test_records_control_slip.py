"""The processing-control slip (D30) of concrete dated dossiers, checked row by row against domain.md by hand: a
supplement request with its restarted clock (D12), an extension (D17, D18), a withdrawal (D16), and a liên thông
hand-over to the police (D33). Each row: who hands over to whom, when, and the verdict against the limit of the
step that hands over (intake: 1 working hour, D7; the return: none of its own, D19; the other steps: the
result's due instant)."""
from __future__ import annotations

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, vn
from lienthong_support import FORM, PARENT_CODE, POLICE_NAME, SO, SO_NAME, build_lienthong, officer
from test_official_forms import OWNER_NAME, at, text_of, with_dossier

from engine.cli.demo import POLICE
from engine.paperwork import registers

RECEIVER, SPECIALIST, LEADER, DIRECTOR, CLERK = ("demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.giamdoc",
                                                 "demo.vanthu")


def slip_rows(app, code: str) -> list[tuple[str, str, object, object, str]]:
    rows = with_dossier(app, code, lambda session, dossier: registers.handovers(session, dossier))
    return [(r.giver, r.receiver, r.at, r.due, r.result) for r in rows]


def test_a_supplement_and_an_extension_are_judged_against_the_limits_in_force_at_each_hand_over(api, app, clock):
    """Filed Fri 27/11/2026 16:30: the intake's hour is 16:30-17:00 and Mon 07:00-07:30. Received Mon 30/11 07:30:
    3 working days, due Thu 03/12 07:30. Supplement asked Tue 01/12 09:00, given Wed 02/12 10:00: the 3 days
    restart, due Mon 07/12 10:00. One working day of extension asked Thu 03/12 09:00, confirmed by the leader and
    the centre: due Tue 08/12 10:00. Resolved Mon 07/12 11:00 (not late); collected Wed 09/12 09:00."""
    at(api, clock, vn(2026, 11, 27, 16, 30))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 30, 7, 30))
    assert api.act(RECEIVER, code, "receive")["due_at"] == "2026-12-03T07:30:00+07:00"
    at(api, clock, vn(2026, 12, 1, 9, 0))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 12, 2, 10, 0))
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM}).status_code == 200
    at(api, clock, vn(2026, 12, 3, 9, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh địa điểm kinh doanh"})
    at(api, clock, vn(2026, 12, 3, 10, 0))
    api.act(LEADER, code, "confirm_extension")
    at(api, clock, vn(2026, 12, 3, 11, 0))
    assert api.act(DIRECTOR, code, "confirm_extension")["due_at"] == "2026-12-08T10:00:00+07:00"
    for when, user, action in ((vn(2026, 12, 7, 9, 0), SPECIALIST, "propose_approval"),
                               (vn(2026, 12, 7, 10, 0), LEADER, "approve"),
                               (vn(2026, 12, 7, 11, 0), CLERK, "issue_result"),
                               (vn(2026, 12, 9, 9, 0), RECEIVER, "return_result")):
        at(api, clock, when)
        done = api.act(user, code, action, STEP_DATA.get(action))
    assert done["status"] == 10 and done["late"] is False
    assert [(giver.split(":")[0], at_, due, result) for giver, _to, at_, due, result in slip_rows(app, code)] == [
        ("Nộp hồ sơ", vn(2026, 11, 27, 16, 30), None, "Không có thời hạn riêng"),
        ("Tiếp nhận hồ sơ", vn(2026, 11, 30, 7, 30), vn(2026, 11, 30, 7, 30), "Đúng hạn"),
        ("Thẩm định hồ sơ", vn(2026, 12, 1, 9, 0), vn(2026, 12, 3, 7, 30), "Trước hạn"),
        ("Bổ sung hồ sơ (giai đoạn xử lý)", vn(2026, 12, 2, 10, 0), None, "Không có thời hạn riêng"),
        ("Thẩm định hồ sơ", vn(2026, 12, 3, 9, 0), vn(2026, 12, 7, 10, 0), "Trước hạn"),
        ("Lãnh đạo phòng xem xét gia hạn", vn(2026, 12, 3, 10, 0), vn(2026, 12, 7, 10, 0), "Trước hạn"),
        ("Giám đốc trung tâm xác nhận gia hạn", vn(2026, 12, 3, 11, 0), vn(2026, 12, 7, 10, 0), "Trước hạn"),
        ("Thẩm định hồ sơ", vn(2026, 12, 7, 9, 0), vn(2026, 12, 8, 10, 0), "Trước hạn"),
        ("Phê duyệt kết quả", vn(2026, 12, 7, 10, 0), vn(2026, 12, 8, 10, 0), "Trước hạn"),
        ("Ký số, đóng dấu và ban hành kết quả", vn(2026, 12, 7, 11, 0), vn(2026, 12, 8, 10, 0), "Trước hạn"),
        ("Trả kết quả", vn(2026, 12, 9, 9, 0), None, "Không có thời hạn riêng")]


def test_a_withdrawal_is_named_on_the_slip_and_goes_to_the_one_stop(api, app, clock):
    """Filed Fri 27/11/2026 16:30 (intake due Mon 30/11 07:30); a supplement asked at intake Mon 07:40 (late);
    supplemented Tue 01/12 09:00 (a new hour: due 10:00), received 09:30 (on time), withdrawn 10:00 (NĐ 118 Điều
    21). The withdrawal records no step: its row was "None: Nguyễn Văn An", handing the dossier to itself."""
    at(api, clock, vn(2026, 11, 27, 16, 30))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 30, 7, 40))
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 12, 1, 9, 0))
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM}).status_code == 200
    at(api, clock, vn(2026, 12, 1, 9, 30))
    api.act(RECEIVER, code, "receive")
    at(api, clock, vn(2026, 12, 1, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Tôi sẽ nộp lại sau"})
    assert r.status_code == 200, r.get_json()
    rows = slip_rows(app, code)
    assert [(g, to, result) for g, to, _at, _due, result in rows[1:]] == [
        ("Tiếp nhận hồ sơ: Trần Thị Tiếp Nhận", f"Bổ sung hồ sơ (giai đoạn tiếp nhận): {OWNER_NAME}", "Quá hạn"),
        (f"Bổ sung hồ sơ (giai đoạn tiếp nhận): {OWNER_NAME}", "Tiếp nhận hồ sơ: Trần Thị Tiếp Nhận",
         "Không có thời hạn riêng"),
        ("Tiếp nhận hồ sơ: Trần Thị Tiếp Nhận", f"Công dân rút hồ sơ: {OWNER_NAME}", "Đúng hạn"),
        (f"Công dân rút hồ sơ: {OWNER_NAME}",
         "Bộ phận tiếp nhận và trả kết quả: Ủy ban nhân dân phường Thuận Hóa (demo)", "Không có thời hạn riêng")]
    assert rows[2][3] is None and rows[3][3] == vn(2026, 12, 1, 10, 0)
    text = text_of(api.get(f"/api/v1/dossiers/{code}/control-slip", RECEIVER).data)
    assert "None" not in text and f"Giao: Công dân rút hồ sơ: {OWNER_NAME}" in text


def answered_lienthong(app, api, clock) -> tuple[str, str]:
    """The Sở Tư pháp's criminal record request, filed Fri 04/12/2026 16:30, received Mon 07/12 09:00 and handed
    to the police at once, whose answer is issued Wed 16/12 09:00: (the dossier's code, the police part's)."""
    build_lienthong(app)
    at(api, clock, vn(2026, 12, 4, 16, 30))
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    at(api, clock, vn(2026, 12, 7, 9, 0))
    api.act(officer(SO, "intake"), code, "receive")
    [child] = [t["dossier"] for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()
               if t["dossier"].startswith(POLICE)]
    at(api, clock, vn(2026, 12, 8, 9, 0))
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"})
    at(api, clock, vn(2026, 12, 15, 14, 0))
    api.act(officer(POLICE, "approval"), child, "approve")
    at(api, clock, vn(2026, 12, 16, 9, 0))
    api.act(officer(POLICE, "signing"), child, "issue_result")  # D22: the register's number
    return code, child


def test_a_lienthong_hand_over_names_both_agencies_on_both_slips(app, api, clock):
    """The Sở Tư pháp's criminal record request, filed Fri 04/12/2026 16:30 (intake due Mon 07/12 07:30), received
    Mon 09:00 (late) and handed at once to the police, whose share is 5 working days (due Mon 14/12 09:00); the
    police answer Wed 16/12 09:00 (late). The rows said "Chuyển ...: Hệ thống" handed over to itself and the
    answer came from "Hệ thống"; the police's own slip had its result returned to the citizen."""
    code, child = answered_lienthong(app, api, clock)

    task = "Chuyển Công an tra cứu, xác minh (liên thông)"
    police = f"Cơ quan phối hợp giải quyết: {POLICE_NAME}"
    rows = slip_rows(app, code)
    assert [(g, to, result) for g, to, _at, _due, result in rows[1:]] == [
        ("Tiếp nhận hồ sơ: Võ Thị Thanh", f"{task}: {SO_NAME}", "Quá hạn"),
        (f"{task}: {SO_NAME}", police, "Không có thời hạn riêng"),
        (police, "Tổng hợp thông tin, dự thảo Phiếu lý lịch tư pháp: Chuyên viên", "Quá hạn")]
    assert rows[3][2:4] == (vn(2026, 12, 16, 9, 0), vn(2026, 12, 14, 9, 0))  # against the police's own share
    text = text_of(api.get(f"/api/v1/dossiers/{code}/control-slip", officer(SO, "assessment")).data)
    assert f"Nhận: {police}" in text and f"Giao: {police}" in text and "Hệ thống" not in text

    sub = slip_rows(app, child)
    sender = f"Cơ quan chuyển hồ sơ liên thông: {SO_NAME}"
    assert sub[0][0] == sender
    # returned by the police's own automatic step (not "Hệ thống"), not to the citizen: never its applicant
    assert sub[-1][:2] == (f"Trả kết quả cho Sở Tư pháp: {POLICE_NAME}", sender)
