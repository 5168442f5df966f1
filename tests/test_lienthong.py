"""Liên thông between agencies (D33) through the API: the Sở Tư pháp's criminal record procedure hands the
dossier to the city police's procedure and waits for its sealed answer (processes/ly-lich-tu-phap)."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, iso, vn
from lienthong_support import CHILD_CODE, FORM, PARENT_CODE, POLICE_NAME, SO, build_lienthong, officer
from sqlalchemy import select

from engine.cases import attachments, dossiers, portal_cases
from engine.cli.demo import POLICE
from engine.data.model import Dossier, User
from engine.paperwork import registers
from engine.process import procedures


def _at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()  # the day moved on: sign in again


def _file(api, clock) -> str:
    _at(api, clock, 2026, 12, 7, 8, 30)  # Monday
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["code"]


def _tasks(api, user: str) -> list[dict]:
    return api.get("/api/v1/tasks", user).get_json()


def _handed_over(app, api, clock) -> tuple[str, str, dict]:
    build_lienthong(app)
    code = _file(api, clock)
    _at(api, clock, 2026, 12, 7, 9, 0)
    parent = api.act(officer(SO, "intake"), code, "receive")
    [task] = [t for t in _tasks(api, officer(POLICE, "assessment")) if t["dossier"].startswith(POLICE)]
    return code, task["dossier"], parent


def test_the_hand_over_opens_the_police_s_sub_dossier_with_its_own_share(app, api, clock):
    code, child, parent = _handed_over(app, api, clock)
    # the parent waits, the citizen and the Sở see where it is; the police's share runs on its own clock
    assert parent["status"] == 4
    assert parent["stage"] == f"Đang xử lý tại {POLICE_NAME} (liên thông)"
    [handover] = parent["handovers"]
    assert handover["agency"] == POLICE and handover["procedure"] == CHILD_CODE
    assert handover["handed_at"] == iso(2026, 12, 7, 9, 0)
    assert handover["due_at"] == iso(2026, 12, 14, 9, 0)  # 5 working days: Monday to Monday
    assert handover["returned_at"] is None and handover["status"] == 4
    assert parent["due_at"] == iso(2026, 12, 21, 9, 0)  # the whole procedure: 10 working days
    # the Sở's Phiếu chuyển hồ sơ liên thông was sealed after the commit
    slips = [d for d in parent["documents"] if d["kind"] == "handover_slip"]
    assert len(slips) == 1 and slips[0]["name"].endswith("-PCLT.pdf")
    # the police's inbox has the sub-dossier; the Sở's has no task of it (the hand-over waits in no inbox)
    assert child.startswith(POLICE + "-")
    sub = api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "assessment")).get_json()
    assert sub["procedure"] == CHILD_CODE and sub["status"] == 4
    assert sub["received_at"] == iso(2026, 12, 7, 9, 0) and sub["due_at"] == iso(2026, 12, 14, 9, 0)
    for step in ("intake", "assessment", "approval", "signing"):
        assert [t for t in _tasks(api, officer(SO, step)) if t["dossier"] in (code, child)] == []


def test_each_agency_sees_only_its_part_and_the_citizen_one_dossier(app, api, clock):
    code, child, _ = _handed_over(app, api, clock)
    assert api.get(f"/api/v1/dossiers/{code}", officer(POLICE, "assessment")).status_code == 404
    assert api.get(f"/api/v1/dossiers/{child}", officer(SO, "assessment")).status_code == 404
    assert api.get(f"/api/v1/dossiers/{child}", CITIZEN).status_code == 404
    mine = api.get("/api/v1/dossiers", CITIZEN).get_json()
    codes = {d["code"] for d in (mine["items"] if isinstance(mine, dict) else mine)}
    assert code in codes and child not in codes
    seen = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert seen["stage"] == f"Đang xử lý tại {POLICE_NAME} (liên thông)"
    with app.extensions["tthc"]["sessions"]() as session:  # the public lookup does not know the sub-dossier
        assert portal_cases.public_lookup(session, child) == []
        assert [d["code"] for d in portal_cases.public_lookup(session, CITIZEN)] == [code]
        # one condition, in SQL and on a loaded dossier (engine.cases.dossiers.VISIBLE_TO_CITIZEN)
        assert session.scalars(select(Dossier.code).where(Dossier.code.in_([code, child]),
                                                          dossiers.VISIBLE_TO_CITIZEN)).all() == [code]
        loaded = {d.code: d for d in session.scalars(select(Dossier).where(Dossier.code.in_([code, child])))}
        assert dossiers.visible_to_citizen(loaded[code]) and not dossiers.visible_to_citizen(loaded[child])
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        assert {d.dossier_id for d in attachments.store(session, citizen)} <= {loaded[code].id}  # the store
    police_tasks = [t["dossier"] for t in _tasks(api, officer(POLICE, "assessment"))]
    assert code not in police_tasks


def test_the_police_s_sealed_answer_resumes_the_parent_and_the_slip_shows_both_shares(app, api, clock):
    code, child, _ = _handed_over(app, api, clock)
    _at(api, clock, 2026, 12, 8, 9, 0)
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"})
    _at(api, clock, 2026, 12, 8, 14, 0)
    api.act(officer(POLICE, "approval"), child, "approve")
    _at(api, clock, 2026, 12, 9, 9, 0)
    sub = api.act(officer(POLICE, "signing"), child, "issue_result")  # D22: the register's number
    assert sub["status"] == 10 and sub["returned_at"] == iso(2026, 12, 9, 9, 0)  # handed back to the Sở
    parent = api.get(f"/api/v1/dossiers/{code}", officer(SO, "assessment")).get_json()
    [handover] = parent["handovers"]
    assert handover["returned_at"] == iso(2026, 12, 9, 9, 0) and handover["late"] is False
    assert handover["status"] == 10 and handover["outcome"] == "approved"
    assert parent["stage"] is None
    answers = [d for d in parent["documents"] if d["kind"] == "lienthong_result"]
    assert len(answers) == 1 and answers[0]["id"] == handover["document"]
    assert [e["action"] for e in parent["history"]][-2:] == ["hand_over", "hand_back"]
    assert [t["step"] for t in _tasks(api, officer(SO, "assessment")) if t["dossier"] == code] == ["assessment"]
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        text = registers.partners(session, dossier)
    assert text == (f"{POLICE_NAME}: phần thời gian 5 ngày làm việc, nhận 09:00 07/12/2026, hạn 09:00 14/12/2026, "
                    "trả kết quả 09:00 09/12/2026 (Trước hạn)")
    slip = api.get(f"/api/v1/dossiers/{code}/control-slip", officer(SO, "assessment"))
    assert slip.status_code == 200 and slip.data.startswith(b"%PDF")
    # the Sở finishes its own part: the Phiếu lý lịch tư pháp, returned to the citizen
    _at(api, clock, 2026, 12, 9, 10, 0)
    api.act(officer(SO, "assessment"), code, "propose_approval",
            {"tinh_trang_an_tich": "khong_co", "y_kien_tham_dinh": "Công an trả lời không có án tích"})
    _at(api, clock, 2026, 12, 10, 9, 0)
    api.act(officer(SO, "approval"), code, "approve", {"y_kien_phe_duyet": "Không có án tích"})
    _at(api, clock, 2026, 12, 10, 14, 0)
    api.act(officer(SO, "signing"), code, "issue_result")  # D22: the register's number
    _at(api, clock, 2026, 12, 11, 9, 0)
    done = api.act(officer(SO, "return"), code, "return_result", {"hinh_thuc_tra": "online"})
    assert done["status"] == 10 and not done["late"]


def test_a_hand_over_to_a_procedure_not_deployed_is_refused_at_deploy(app, settings, clock):
    definition = procedures.load_file(
        __import__("lienthong_support").FOLDER / "ly-lich-tu-phap.bpmn", settings.forms_dir)
    with app.extensions["tthc"]["sessions"]() as session:
        problems = procedures.agency_problems(session, definition)
    messages = " ".join(p.message for p in problems)
    assert "2.000505" in messages and "handoverProcedure" in messages
    assert all(p.line for p in problems if "liên thông" in p.message)


@pytest.mark.parametrize("share, unit, problem", [("0", "working_day", "share"), ("5", "same_day", "shareUnit")])
def test_lint_names_a_bad_share(settings, tmp_path, share, unit, problem):
    text = (__import__("lienthong_support").FOLDER / "ly-lich-tu-phap.bpmn").read_text(encoding="utf-8")
    text = text.replace('name="share" value="5"', f'name="share" value="{share}"').replace(
        'name="shareUnit" value="working_day"', f'name="shareUnit" value="{unit}"')
    bad = tmp_path / "ly-lich-tu-phap.bpmn"
    bad.write_text(text, encoding="utf-8")
    (tmp_path / "forms").symlink_to(__import__("lienthong_support").FOLDER / "forms")
    with pytest.raises(Exception) as err:
        procedures.load_file(bad, settings.forms_dir)
    assert problem in str(getattr(err.value, "problems", err.value))


def test_a_withdrawn_dossier_stops_its_sub_dossier_at_the_police(app, api, clock):
    code, child, _ = _handed_over(app, api, clock)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    sub = api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "assessment")).get_json()
    assert sub["status"] == 8 and sub["history"][-1]["action"] == "stop"
    assert [t for t in _tasks(api, officer(POLICE, "assessment")) if t["dossier"] == child] == []


def test_the_citizen_is_told_nothing_of_the_sub_dossier(app, api, clock):
    from engine.data.notice_model import Notice

    code, child, _ = _handed_over(app, api, clock)
    _at(api, clock, 2026, 12, 8, 9, 0)
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"})
    api.act(officer(POLICE, "approval"), child, "approve")
    api.act(officer(POLICE, "signing"), child, "issue_result")  # D22: the register's number
    with app.extensions["tthc"]["sessions"]() as session:
        sub = session.scalar(select(Dossier).where(Dossier.code == child))
        assert session.scalars(select(Notice).where(Notice.dossier_id == sub.id,
                                                    Notice.user_id == sub.applicant_id)).all() == []


def test_the_certificate_states_the_criminal_record_the_specialist_found_not_the_leaders_comment(app, api, clock,
                                                                                                settings):
    """D34, D33: the police answer that there is a criminal record; the Sở's specialist records it (``co``, with the
    judgement); the leader approves with a comment of their own. The Phiếu lý lịch tư pháp printed the leader's
    comment as the finding, and "Không có án tích" when the comment was empty."""
    from io import BytesIO

    from pypdf import PdfReader

    from engine.paperwork import results

    code, child, _ = _handed_over(app, api, clock)
    _at(api, clock, 2026, 12, 8, 9, 0)
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "co_an_tich", "y_kien_tham_dinh": "Có 01 án tích: Bản án số 12/2020/HS-ST"})
    api.act(officer(POLICE, "approval"), child, "approve")
    api.act(officer(POLICE, "signing"), child, "issue_result")  # D22: the register's number
    _at(api, clock, 2026, 12, 9, 10, 0)
    api.act(officer(SO, "assessment"), code, "propose_approval",
            {"tinh_trang_an_tich": "co", "noi_dung_an_tich": "Bản án số 12/2020/HS-ST ngày 03/3/2020 của Tòa án "
             "nhân dân thành phố Huế: 01 năm tù, tội trộm cắp tài sản", "y_kien_tham_dinh": "Theo trả lời của Công an"})
    api.act(officer(SO, "approval"), code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        content = results.render_draft(settings, dossier, "head_of_agency", "approved", "Đồng ý", clock.now())
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).split())
    assert "Án tích: Có án tích" in text and "Bản án số 12/2020/HS-ST ngày 03/3/2020" in text, text
    assert "Không có án tích" not in text and "Án tích: Đồng ý" not in text


def test_the_police_s_answer_states_what_its_specialist_found_under_its_director_s_authority(app, api, clock):
    """D33, D34: the police's answer to the Sở Tư pháp (2.000505) is the finding of its look-up, as the police
    specialist recorded it (``ket_qua_tra_cuu``, ``y_kien_tham_dinh``), signed by a deputy on behalf of the
    director of the city police (NĐ 30/2020: "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"). It printed the filing form under
    "chấp thuận đề nghị của Ông/Bà", no finding, and "THỦ TRƯỞNG CƠ QUAN"."""
    from io import BytesIO

    from pypdf import PdfReader

    code, child, _ = _handed_over(app, api, clock)
    _at(api, clock, 2026, 12, 8, 9, 0)  # Tuesday, within the police's 5 working days (due Monday 14/12 09:00)
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "co_an_tich", "y_kien_tham_dinh": "Có 01 án tích: Bản án số 12/2020/HS-ST ngày "
             "03/3/2020 của Tòa án nhân dân thành phố Huế, 01 năm tù về tội trộm cắp tài sản"})
    _at(api, clock, 2026, 12, 8, 14, 0)
    api.act(officer(POLICE, "approval"), child, "approve")
    _at(api, clock, 2026, 12, 9, 9, 0)
    api.act(officer(POLICE, "signing"), child, "issue_result")  # D22: the register's number
    parent = api.get(f"/api/v1/dossiers/{code}", officer(SO, "assessment")).get_json()
    [answer] = [d for d in parent["documents"] if d["kind"] == "lienthong_result"]
    content = api.get(answer["url"], officer(SO, "assessment")).data
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).split())
    assert "Kết quả tra cứu: Có thông tin án tích" in text, text
    assert "Bản án số 12/2020/HS-ST ngày 03/3/2020" in text
    assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" in text and "THỦ TRƯỞNG CƠ QUAN" not in text
    assert "chấp thuận đề nghị của Ông/Bà" not in text
