"""Liên thông (D33) when the citizen's dossier (the parent at the Sở Tư pháp) ends, is suspended or runs late
while the city police works on its part (processes/ly-lich-tu-phap: the Sở's 2.000488 hands over to the police's
2.000505):

- the parent withdrawn: the police's decision awaiting its signature is withdrawn with the sub-dossier (D16);
- the parent suspended: the police's answer is kept, but no task of the parent completes until it resumes;
- the police's share overdue: its officers are warned, but no letter of apology is opened on the sub-dossier,
  whose applicant is the Sở, not the citizen (D19: the citizen's dossier is the one that apologises);
- the police's register (D31) shows the answer returned to the Sở, never to the citizen.
"""
from __future__ import annotations

from datetime import date

from conftest import CITIZEN, PASSWORD, iso, password_hash, vn
from lienthong_support import FORM, PARENT_CODE, SO, SO_NAME, build_lienthong, officer
from sqlalchemy import select

from engine import timers
from engine.cases import accounts
from engine.cli.demo import POLICE
from engine.data import agencies
from engine.data.model import Dossier, WorkItem
from engine.paperwork import registers

FINDINGS = {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"}


def _at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()  # the day moved on: sign in again


def _handed_over(app, api, clock, filed: tuple, received: tuple) -> tuple[str, str]:
    build_lienthong(app)
    _at(api, clock, *filed)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    _at(api, clock, *received)
    api.act(officer(SO, "intake"), code, "receive")  # received and handed over to the police at once
    [task] = [t for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()
              if t["dossier"].startswith(POLICE)]
    return code, task["dossier"]


def _tet(app, api, clock) -> tuple[str, str]:
    """Filed Monday 01/02/2027, received and handed over Tuesday 02/02/2027 09:00; the police's share of 5
    working days runs over Tết and falls due Tuesday 16/02/2027 09:00."""
    return _handed_over(app, api, clock, (2027, 2, 1, 8, 30), (2027, 2, 2, 9, 0))


def _sweep(app, clock):
    ext = app.extensions["tthc"]
    return timers.sweep(ext["sessions"], ext["settings"], clock.now())


def test_withdrawing_the_parent_withdraws_the_police_s_decision_awaiting_signature(app, api, clock):
    code, child = _tet(app, api, clock)
    _at(api, clock, 2027, 2, 3, 10, 0)  # Wednesday
    api.act(officer(POLICE, "assessment"), child, "propose_approval", FINDINGS)
    api.auto_sign = False
    _at(api, clock, 2027, 2, 11, 9, 0)  # Thursday after Tết: the police leader approves, the decision is numbered
    api.act(officer(POLICE, "approval"), child, "approve")
    [request] = api.get("/api/v1/signing-requests", officer(POLICE, "approval")).get_json()
    assert request["dossier"] == child and request["number"]

    _at(api, clock, 2027, 2, 11, 10, 0)  # before the leader signs, the citizen withdraws the dossier
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    sub = api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "approval")).get_json()
    assert sub["status"] == 8  # the police's part stopped with it
    # D16: the clock ended, the number given to the unsigned decision is withdrawn: nothing left to sign
    assert api.get("/api/v1/signing-requests", officer(POLICE, "approval")).get_json() == []
    r = api.post(f"/api/v1/signing-requests/{request['id']}/sign", officer(POLICE, "approval"),
                 json={"pin": PASSWORD})
    assert r.status_code != 200, r.get_json()
    assert api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "approval")).get_json()["status"] == 8


def test_a_suspended_parent_waits_for_its_resume_to_take_the_police_s_answer(app, api, clock):
    build_lienthong(app)
    with app.extensions["tthc"]["sessions"].begin() as session:
        accounts.ensure_officer(session, clock.now(), "sotuphap.admin", "Quản trị Sở", {"administrator"},
                                agencies.by_code(session, SO), PASSWORD, password_hash=password_hash())
    code, child = _handed_over(app, api, clock, (2026, 12, 7, 8, 30), (2026, 12, 7, 9, 0))  # Monday
    r = api.post(f"/api/v1/dossiers/{code}/suspend", "sotuphap.admin", json={"reason": "Kiểm tra sai sót dữ liệu"})
    assert r.status_code == 200, r.get_json()

    _at(api, clock, 2026, 12, 8, 9, 0)  # Tuesday: the police answers while the parent is suspended
    api.act(officer(POLICE, "assessment"), child, "propose_approval", FINDINGS)
    api.act(officer(POLICE, "approval"), child, "approve")
    api.act(officer(POLICE, "signing"), child, "issue_result")
    parent = api.get(f"/api/v1/dossiers/{code}", officer(SO, "assessment")).get_json()
    [handover] = parent["handovers"]
    assert handover["returned_at"] == iso(2026, 12, 8, 9, 0) and handover["late"] is False  # the answer is kept
    assert parent["suspended_at"] == iso(2026, 12, 7, 9, 0)
    assert "hand_back" not in [e["action"] for e in parent["history"]]  # no task of the parent completed
    assert [t for t in api.get("/api/v1/tasks", officer(SO, "assessment")).get_json() if t["dossier"] == code] == []

    _at(api, clock, 2026, 12, 9, 9, 0)  # Wednesday: resumed, the parent takes the answer and goes on
    r = api.post(f"/api/v1/dossiers/{code}/resume", "sotuphap.admin", json={"reason": "Đã kiểm tra xong"})
    assert r.status_code == 200, r.get_json()
    parent = api.get(f"/api/v1/dossiers/{code}", officer(SO, "assessment")).get_json()
    actions = [e["action"] for e in parent["history"]]
    assert actions.index("resume") < actions.index("hand_back")
    assert parent["handovers"][0]["returned_at"] == iso(2026, 12, 8, 9, 0)
    task = api.task_for(officer(SO, "assessment"), code)
    assert task["step"] == "assessment"


def test_a_late_police_share_opens_no_apology_on_the_sub_dossier(app, api, clock):
    code, child = _tet(app, api, clock)
    _at(api, clock, 2027, 2, 16, 9, 1)  # the police's share ran out at 09:00; the Sở's deadline is 23/02
    assert _sweep(app, clock).effects.get("overdue") == 1  # the sub-dossier only
    assert [t for t in api.get("/api/v1/tasks", "congan.thutruong").get_json() if t["step"] == "apology"] == []
    assert [t for t in api.get("/api/v1/tasks", "sotuphap.thutruong").get_json() if t["step"] == "apology"] == []
    with app.extensions["tthc"]["sessions"]() as session:
        sub = session.scalar(select(Dossier).where(Dossier.code == child))
        assert sub.late is True  # the share's lateness is recorded, the officers warned
        assert session.scalars(select(WorkItem.step).where(WorkItem.dossier_id == sub.id)).all() == ["assessment"]


def test_the_police_register_shows_the_answer_returned_to_the_so_not_to_the_citizen(app, api, clock):
    code, child = _tet(app, api, clock)
    _at(api, clock, 2027, 2, 3, 10, 0)
    api.act(officer(POLICE, "assessment"), child, "propose_approval", FINDINGS)
    _at(api, clock, 2027, 2, 11, 9, 0)
    api.act(officer(POLICE, "approval"), child, "approve")
    _at(api, clock, 2027, 2, 17, 9, 0)  # the answer is sealed and handed back to the Sở
    api.act(officer(POLICE, "signing"), child, "issue_result")
    with app.extensions["tthc"]["sessions"]() as session:
        police = agencies.by_code(session, POLICE)
        [row] = registers.register_rows(session, police.id, date(2027, 2, 1), date(2027, 2, 26))
        assert row.code == child and row.resolved == vn(2027, 2, 17, 9, 0)
        assert row.returned is None  # "Trả kết quả cho cá nhân, tổ chức": the citizen got nothing from the police
        assert f"Đã trả kết quả liên thông cho {SO_NAME}" in row.notes
        so = agencies.by_code(session, SO)
        [mine] = registers.register_rows(session, so.id, date(2027, 2, 1), date(2027, 2, 26))
        assert mine.code == code and "liên thông" not in mine.notes
