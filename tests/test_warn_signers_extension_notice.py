"""D19, D28: the officer whose signature a dossier waits for is warned one working day before its due date, like
the officers whose work items it waits on; D17, D28: when the extension is confirmed the appointment changes and
the citizen is told the new date in the same transaction, the letter following in its own notice once signed."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from conftest import CITIZEN, STEP_DATA, Api, sign_requested, vn
from test_legal_clock import DEPT_LEADER, DIRECTOR, HEAD, RECEIVER, SPECIALIST
from test_official_forms import at

from engine import timers
from engine.data.model import User
from engine.data.notice_model import Notice


def told(app, event: str) -> Counter:
    """How many ``event`` notices each officer (by username) got."""
    with app.extensions["tthc"]["sessions"]() as session:
        return Counter(session.scalars(select(User.username).join(Notice, Notice.user_id == User.id)
                                       .where(Notice.event == event)))


def sweep(app, settings, when) -> dict:
    return dict(timers.sweep(app.extensions["tthc"]["sessions"], settings, when).effects)


def test_the_head_whose_signature_a_refusal_waits_for_is_warned_once_before_the_due_date(app, clock, settings):
    """Received Mon 23/11/2026 09:00, due Fri 27/11 09:00 (Tue 24/11 is off); Mon 10:00 the leader decides a
    refusal, which waits for the head's signature (no work item holds it): Thu 26/11 09:00 the head is warned with
    the leader, each once; Fri 27/11 09:00, overdue, the head is told once too."""
    api = Api(app.test_client(), auto_sign=False)
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    at(api, clock, vn(2026, 11, 23, 10, 0))
    api.act(SPECIALIST, code, "propose_refusal", STEP_DATA["propose_refusal"])
    r = api.post(f"/api/v1/tasks/{api.task_for(DEPT_LEADER, code)['id']}/complete", DEPT_LEADER,
                 json={"action": "refuse", "data": {"reasons": ["Ngành nghề cấm kinh doanh"]}})
    assert r.status_code == 200, r.get_json()
    assert [x["state"] for x in api.get("/api/v1/signing-requests", HEAD).get_json()] == ["awaiting_signer"]

    assert sweep(app, settings, vn(2026, 11, 26, 9, 0)) == {"warning": 1}
    warned = told(app, "warning")
    assert warned[HEAD] == 1 and warned[DEPT_LEADER] == 1, warned
    assert set(warned.values()) == {1}, warned  # one notice per person
    with app.extensions["tthc"]["sessions"]() as session:
        role = session.scalar(select(Notice.role).join(User, User.id == Notice.user_id)
                              .where(Notice.event == "warning", User.username == HEAD))
    assert role == "head_of_agency"

    assert sweep(app, settings, vn(2026, 11, 27, 9, 0)) == {"overdue": 1}
    assert told(app, "overdue")[HEAD] == 1, told(app, "overdue")


def _extended(app, clock) -> tuple[Api, str, dict]:
    """Received Mon 07/12/2026 09:00 (due Thu 10/12 09:00); one more working day asked Tue 08/12 09:00, confirmed
    by the leader 09:30 and by the centre 10:00: the letter waits for the head's signature."""
    api = Api(app.test_client(), auto_sign=False)
    at(api, clock, vn(2026, 12, 7, 8, 30))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 12, 7, 9, 0))
    api.act(RECEIVER, code, "receive")
    at(api, clock, vn(2026, 12, 8, 9, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm địa điểm"})
    at(api, clock, vn(2026, 12, 8, 9, 30))
    api.act(DEPT_LEADER, code, "confirm_extension")
    at(api, clock, vn(2026, 12, 8, 10, 0))
    return api, code, api.act(DIRECTOR, code, "confirm_extension")


def notifications(api) -> list[dict]:
    return api.get("/api/v1/me/notifications", CITIZEN).get_json()


def test_the_citizen_is_told_the_new_appointment_when_the_extension_is_confirmed_then_gets_the_letter(app, clock):
    """Confirmed Tue 08/12/2026 10:00: the appointment is Fri 11/12 09:00 at once, and the citizen is told so at once,
    though the head has not signed the letter yet; once signed (Wed 09/12 08:00) the letter comes in a notice of its
    own, and the first is not repeated."""
    api, code, dossier = _extended(app, clock)
    assert dossier["due_at"] == "2026-12-11T09:00:00+07:00"
    got = notifications(api)
    moved = [n for n in got if n["event"] == "extension_confirmed"]
    assert len(moved) == 1 and not [n for n in got if n["event"] == "extension_letter"], got
    assert "11/12/2026" in moved[0]["title"] and code in moved[0]["title"]
    assert "Ngày hẹn trả kết quả mới: 11/12/2026 09:00." in moved[0]["body"] and "sẽ được gửi" in moved[0]["body"]

    at(api, clock, vn(2026, 12, 9, 8, 0))
    assert sign_requested(app, code) == 1
    events = Counter(n["event"] for n in notifications(api))
    assert events["extension_confirmed"] == 1 and events["extension_letter"] == 1, events
    [letter] = [n for n in notifications(api) if n["event"] == "extension_letter"]
    assert "thư xin lỗi" in letter["title"] and "/tai-lieu/" in letter["body"]


def test_the_head_whose_signature_the_extension_letter_waits_for_is_warned(app, clock, settings):
    """The letter unsigned, Thu 10/12/2026 09:00 (one working day before Fri 11/12 09:00) the head is warned."""
    _extended(app, clock)
    assert sweep(app, settings, vn(2026, 12, 10, 9, 0)) == {"warning": 1}
    warned = told(app, "warning")
    assert warned[HEAD] == 1 and set(warned.values()) == {1}, warned
