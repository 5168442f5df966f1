"""A task offers only the actions completing would take now (api.md, Tasks): the time-only and count-only
rules are judged when the offer is made, so an officer is never shown a button the law refuses for a reason
they cannot fix. The offer is advice; completing still runs every guard (the submitted data is judged then).

- D12: during processing a supplement is asked within 3 working days of the receipt (from when the result's
  clock starts): after that, ``request_supplement`` is no longer offered at the specialist's assessment.
- D18: an extension is asked at least 1 working day before the due instant: after that, ``request_extension``
  is no longer offered; and there is only one extension in a dossier's life: once one is confirmed, it is not
  offered again.

Dates worked out by hand: office hours 07:00–11:30 and 13:30–17:00 (8 h a working day), no day off in
March 2027. Every dossier is received Mon 01/03/2027 08:30, before the 15:00 cut-off: its clock starts then.
- 1.001612 (3 working days): due Thu 04/03/2027 08:30; the D12 window closes at the same instant.
- 1.000894 (kết hôn, 5 working days): due Mon 08/03/2027 08:30; the D12 window closes Thu 04/03/2027 08:30. On
  Fri 05/03/2027 09:00 only 7 h 30 min of working time are left before the due (Fri 6 h, Mon 1 h 30 min): too
  late for an extension.
"""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import event

from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, vn
from engine.data import calendars
from engine.process import procedures

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
RECEIVER, SPECIALIST = "demo.tiepnhan", "demo.chuyenvien"
DEPT_LEADER, DIRECTOR = "demo.lanhdao", "demo.giamdoc"
RECEIVED = vn(2027, 3, 1, 8, 30)  # Mon 01/03/2027 08:30
TIMED = {"request_supplement", "request_extension"}
SUPPLEMENT = {"items": [{"component": "Giấy đề nghị đăng ký hộ kinh doanh",
                         "problem": "Thiếu chữ ký của chủ hộ", "required": "Ký và tải lên lại"}]}
EXTENSION = {"working_days": 1, "reason": "Cần xác minh địa điểm kinh doanh"}


def received(api, clock, procedure: str = SAMPLE_CODE, form: dict | None = None) -> str:
    clock.set(RECEIVED)
    api.tokens.clear()
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": procedure, "form": form or SAMPLE_FORM})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    api.act(RECEIVER, code, "receive")
    return code


def deploy_marriage(app, settings, clock) -> dict:
    """The library's kết hôn (1.000894, 5 working days), deployed; its sample form."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        bpmn = procedures.load_file(PROCESSES / "ket-hon" / "ket-hon.bpmn", settings.forms_dir)
        procedures.deploy(session, bpmn, clock.now(), "tester")
    return json.loads((PROCESSES / "ket-hon" / "sample.json").read_text(encoding="utf-8"))["form"]


def offered_at(api, clock, code: str, when) -> tuple[list[str], list[str]]:
    """The specialist's assessment actions at ``when``, as the task list and the task itself say them."""
    clock.set(when)
    api.tokens.clear()  # a session idle for days has ended: sign in again, as the officer would
    task = api.task_for(SPECIALIST, code)
    detail = api.get(f"/api/v1/tasks/{task['id']}", SPECIALIST).get_json()
    return task["actions"], detail["actions"]


def complete(api, code: str, action: str, data: dict):
    task = api.task_for(SPECIALIST, code)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", SPECIALIST, json={"action": action, "data": data})


def test_both_timed_actions_are_offered_while_the_law_still_allows_them(api, clock):
    """D12, D18: on Tue 02/03/2027 09:00 (a working day and a half before the due) both are offered."""
    code = received(api, clock)
    listed, shown = offered_at(api, clock, code, vn(2027, 3, 2, 9, 0))
    assert TIMED <= set(listed) and listed == shown


def test_a_supplement_and_an_extension_are_not_offered_once_their_time_has_passed(api, clock):
    """D12, D18: on Thu 04/03/2027 09:00 (1.001612, due at 08:30) the 3 working days to ask a supplement and
    the time to ask an extension have both passed: neither is offered; the decision still is. Completing them
    anyway is still refused by the rule, with its own words."""
    code = received(api, clock)
    listed, shown = offered_at(api, clock, code, vn(2027, 3, 4, 9, 0))
    assert not TIMED & set(listed) and listed == shown
    assert "propose_approval" in listed
    refused = complete(api, code, "request_supplement", SUPPLEMENT)
    assert refused.status_code == 422 and refused.get_json()["error"]["rule"] == "D12"
    refused = complete(api, code, "request_extension", EXTENSION)
    assert refused.status_code == 422 and refused.get_json()["error"]["rule"] == "D18"


def test_a_marriage_offers_neither_on_the_friday_before_its_monday_due(api, app, settings, clock):
    """D12, D18 on kết hôn (1.000894, 5 working days, due Mon 08/03/2027 08:30): both offered on Wed
    03/03/2027 09:00; on Fri 05/03/2027 09:00 the D12 window has closed (Thu 08:30) and less than one working
    day is left before the due: neither is offered."""
    form = deploy_marriage(app, settings, clock)
    code = received(api, clock, "1.000894", form)
    listed, shown = offered_at(api, clock, code, vn(2027, 3, 3, 9, 0))
    assert TIMED <= set(listed)
    listed, shown = offered_at(api, clock, code, vn(2027, 3, 5, 9, 0))
    assert not TIMED & set(listed) and listed == shown


def test_an_extension_is_not_offered_again_once_one_was_confirmed(api, clock):
    """D18: one extension in a dossier's life. Asked Mon 01/03/2027 09:00 and confirmed by the department
    leader and the centre's director, the assessment back on Mon 10:00 no longer offers another (a supplement,
    still within its window, is offered)."""
    code = received(api, clock)
    clock.set(vn(2027, 3, 1, 9, 0))
    assert complete(api, code, "request_extension", EXTENSION).status_code == 200
    api.act(DEPT_LEADER, code, "confirm_extension")
    assert api.act(DIRECTOR, code, "confirm_extension")["extensions"] == 1
    listed, shown = offered_at(api, clock, code, vn(2027, 3, 1, 10, 0))
    assert "request_extension" not in listed and "request_supplement" in listed and listed == shown


def test_judging_the_windows_costs_the_task_list_no_statement_per_task(api, app, clock):
    """D12, D18 judged for a whole inbox from the rows it already reads and one calendar per agency: the
    specialist's list of one task and of four costs the same SQL statements (built for a million dossiers)."""
    engine_ = app.extensions["tthc"]["engine"]
    statements = []

    def count(*_args):
        statements.append(1)

    def listed_and_counted() -> tuple[int, int]:
        clock.set(vn(2027, 3, 2, 9, 0))
        api.tokens.clear()
        api.headers(SPECIALIST)  # signing in is not the list's cost
        calendars.forget_overrides()  # each list reads the calendar tables afresh (a re-read every 2 s of real time)
        statements.clear()
        event.listen(engine_, "before_cursor_execute", count)
        try:
            body = api.get("/api/v1/tasks", SPECIALIST).get_json()
        finally:
            event.remove(engine_, "before_cursor_execute", count)
        assert all(TIMED <= set(t["actions"]) for t in body), body
        return len(body), len(statements)

    received(api, clock)
    one = listed_and_counted()
    for _ in range(3):
        received(api, clock)
    many = listed_and_counted()
    assert one[0] == 1 and many[0] == 4
    assert many[1] == one[1], (one, many)


def test_the_task_page_shows_no_form_whose_time_has_passed(api, app, clock):
    """D12, D18, the officer's page: on Tue 02/03/2027 the assessment page has the supplement and extension forms;
    on Thu 04/03/2027 09:00, their time passed, it has neither, the decision's still."""
    from web_support import new_client

    code = received(api, clock)
    clock.set(vn(2027, 3, 2, 9, 0))
    api.tokens.clear()
    item = api.task_for(SPECIALIST, code)["id"]
    web = new_client(app).login(SPECIALIST)
    early = web.get(f"/can-bo/cong-viec/{item}").get_data(as_text=True)
    assert 'id="action-request_supplement"' in early and 'id="action-request_extension"' in early
    clock.set(vn(2027, 3, 4, 9, 0))
    web = new_client(app).login(SPECIALIST)
    late = web.get(f"/can-bo/cong-viec/{item}").get_data(as_text=True)
    assert 'id="action-request_supplement"' not in late and 'id="action-request_extension"' not in late
    assert 'id="action-propose_approval"' in late
