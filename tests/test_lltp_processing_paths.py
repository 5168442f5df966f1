"""The Sở Tư pháp's criminal record procedure (2.000488, 10 working days, processes/ly-lich-tu-phap) offers the
processing-stage paths every shipped procedure has: a supplement asked by the specialist within 3 working days of
the receipt (D12) and an extension asked by the specialist, confirmed by the department leader then by the
one-stop (D17), of at most 1/3 of the processing time (D18). Its result waits on the police's 5-working-day part
(2.000505, D33), so an extension is the realistic case; both paths open at the Sở's summary, once the police have
answered: while the part is handed over the Sở's specialist has no task of the dossier.

Filed Monday 08/03/2027 08:30, received 09:00 (due Monday 22/03/2027 09:00; the police's share Monday 15/03/2027
09:00), the police answer Wednesday 10/03/2027 09:00."""
from __future__ import annotations

from conftest import CITIZEN, PASSWORD, iso, password_hash, vn
from lienthong_support import FOLDER, FORM, PARENT_CODE, SO, build_lienthong, officer

from engine.cases import accounts
from engine.cli.demo import POLICE
from engine.data import agencies
from engine.process import procedures

# The demo's Sở Tư pháp receives its own dossiers and has no centre director: the one-stop's confirmation of an
# extension (D17, engine.cases.dossiers.RECEIVING_TASKS) goes to whoever leads the Sở's Bộ phận Một cửa.
ONE_STOP = "sotuphap.motcua"


def _at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()  # the day moved on: sign in again


def _tasks(api, user: str, code: str) -> list[dict]:
    r = api.get("/api/v1/tasks", user)
    assert r.status_code == 200, r.get_json()
    return [t for t in r.get_json() if t["dossier"] == code]


def _answered(app, api, clock) -> str:
    """The Sở's dossier received and handed over on Monday 08/03/2027, the police's sealed answer back on
    Wednesday 10/03/2027 09:00: the Sở's specialist has its summary to write."""
    build_lienthong(app)
    with app.extensions["tthc"]["sessions"].begin() as session:
        accounts.ensure_officer(session, clock.now(), ONE_STOP, "Lê Thị Một Cửa", {"centre_director"},
                                agencies.by_code(session, SO), PASSWORD, password_hash=password_hash())
    _at(api, clock, 2027, 3, 8, 8, 30)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    _at(api, clock, 2027, 3, 8, 9, 0)
    parent = api.act(officer(SO, "intake"), code, "receive")
    assert parent["due_at"] == iso(2027, 3, 22, 9, 0)  # 10 working days
    [handover] = parent["handovers"]
    assert handover["due_at"] == iso(2027, 3, 15, 9, 0)  # the police's 5 working days
    # while the police work on their part the Sở's specialist has nothing to act on: no supplement, no extension
    assert _tasks(api, officer(SO, "assessment"), code) == []
    [task] = [t for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()
              if t["dossier"].startswith(POLICE)]
    child = task["dossier"]
    _at(api, clock, 2027, 3, 9, 9, 0)
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"})
    _at(api, clock, 2027, 3, 9, 14, 0)
    api.act(officer(POLICE, "approval"), child, "approve")
    _at(api, clock, 2027, 3, 10, 9, 0)
    api.act(officer(POLICE, "signing"), child, "issue_result")
    [step] = [t["step"] for t in _tasks(api, officer(SO, "assessment"), code)]
    assert step == "assessment"
    return code


def _finish(api, clock, code: str, *day) -> dict:
    """The Sở's summary, the leader's approval, the signed Phiếu and its return, from ``day`` on."""
    _at(api, clock, *day, 9, 0)
    api.act(officer(SO, "assessment"), code, "propose_approval",
            {"tinh_trang_an_tich": "khong_co", "y_kien_tham_dinh": "Công an trả lời không có án tích"})
    _at(api, clock, *day, 10, 0)
    api.act(officer(SO, "approval"), code, "approve", {"y_kien_phe_duyet": "Không có án tích"})
    _at(api, clock, *day, 14, 0)
    api.act(officer(SO, "signing"), code, "issue_result")
    _at(api, clock, *day, 15, 0)
    return api.act(officer(SO, "return"), code, "return_result", {"hinh_thuc_tra": "online"})


def test_the_so_s_specialist_may_ask_a_supplement_within_3_working_days_after_the_police_answer_D12(
        app, api, clock):
    """D12: during processing the Sở asks a supplement within 3 working days of the receipt (until Thursday
    11/03/2027 09:00); the citizen answers, the full 10 working days restart (clockOnSupplement=restart) and
    the dossier goes on to its result; the police's part is not asked again."""
    code = _answered(app, api, clock)
    _at(api, clock, 2027, 3, 10, 10, 0)
    items = [{"component": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (Mẫu số 03/2013/TT-LLTP)",
              "problem": "Thiếu nơi thường trú trước khi chuyển đến thành phố Huế",
              "required": "Khai bổ sung nơi thường trú trước đây"}]
    asked = api.act(officer(SO, "assessment"), code, "request_supplement", {"items": items})
    assert asked["status"] == 5 and asked["supplement_requests"] == 1
    assert _tasks(api, officer(SO, "assessment"), code) == []
    _at(api, clock, 2027, 3, 11, 9, 0)
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN,
                 json={"form": FORM, "note": "Đã khai bổ sung nơi thường trú"})
    assert r.status_code == 200, r.get_json()
    back = api.get(f"/api/v1/dossiers/{code}", officer(SO, "assessment")).get_json()
    assert back["status"] == 4 and back["due_at"] == iso(2027, 3, 25, 9, 0)  # 10 working days from the answer
    assert len(back["handovers"]) == 1  # the police's answer stands
    [step] = [t["step"] for t in _tasks(api, officer(SO, "assessment"), code)]
    assert step == "assessment"
    done = _finish(api, clock, code, 2027, 3, 12)
    assert done["status"] == 10 and not done["late"]


def test_the_so_s_extension_of_at_most_a_third_is_confirmed_by_leader_and_one_stop_and_moves_the_due_D17_D18(
        app, api, clock):
    """D18: 1/3 of 10 working days is 3 working days 2 h 40 min: 4 working days are refused, 3 accepted. D17:
    the department leader then the one-stop confirm; only then the due moves (Monday 22/03/2027 09:00 → Thursday
    25/03/2027 09:00) and the head of the Sở's apology letter with the new date is issued."""
    code = _answered(app, api, clock)
    _at(api, clock, 2027, 3, 10, 10, 0)
    reason = "Công an đề nghị xác minh thêm thông tin án tích tại nơi cư trú trước đây"
    too_long = api.act(officer(SO, "assessment"), code, "request_extension",
                       {"working_days": 4, "reason": reason}, status=422)
    assert too_long["error"]["code"] == "rule_violation" and too_long["error"]["rule"] == "D18", too_long
    asked = api.act(officer(SO, "assessment"), code, "request_extension", {"working_days": 3, "reason": reason})
    assert asked["due_at"] == iso(2027, 3, 22, 9, 0)  # nothing moves before the confirmations
    _at(api, clock, 2027, 3, 10, 11, 0)
    api.act(officer(SO, "approval"), code, "confirm_extension")
    assert _tasks(api, officer(SO, "approval"), code) == []
    [item] = _tasks(api, ONE_STOP, code)
    assert item["step"] == "extension_review" and item["role"] == "centre_director"
    _at(api, clock, 2027, 3, 10, 14, 0)
    done = api.act(ONE_STOP, code, "confirm_extension")
    assert done["due_at"] == iso(2027, 3, 25, 9, 0) and done["original_due_at"] == iso(2027, 3, 22, 9, 0)
    assert done["extensions"] == 1
    [letter] = done["letters"]
    assert letter["kind"] == "apology" and letter["new_due_at"] == iso(2027, 3, 25, 9, 0)
    [step] = [t["step"] for t in _tasks(api, officer(SO, "assessment"), code)]
    assert step == "assessment"
    finished = _finish(api, clock, code, 2027, 3, 24)
    assert finished["status"] == 10 and not finished["late"]


def test_the_so_s_summary_offers_the_supplement_and_the_extension_and_the_file_passes_the_lint(settings):
    """D12, D17: the file loads without a lint problem (load_file refuses one) and the Sở's summary offers all
    four assessment actions, the hand-over to the police staying as it was."""
    definition = procedures.load_file(FOLDER / "ly-lich-tu-phap.bpmn", settings.forms_dir)
    steps = {s["id"]: s for s in definition.info["steps"]}
    assert set(steps["tham_dinh"]["actions"]) == {"propose_approval", "propose_refusal", "request_supplement",
                                                  "request_extension"}
    assert steps["chuyen_cong_an"]["step"] == "handover"
    assert {s["step"] for s in steps.values()} >= {"supplement", "extension_review", "handover"}
