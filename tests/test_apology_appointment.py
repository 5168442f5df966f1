"""D20: the new appointment an overdue apology letter gives (Mẫu 04, "hẹn lại ngày trả kết quả") is a time the
citizen can come back: within the working hours of a working day. The sample dossier, received Mon 23/11/2026,
is overdue Fri 27/11 09:00; at 11:00 its head writes the letter. Sunday 29/11 09:00 and Monday 30/11 03:00 are
refused naming ``new_due_at`` and nothing is issued; Monday 30/11 09:00, and 17:00 (the end of its working day),
are taken."""
from __future__ import annotations

import pytest

from conftest import iso
from test_overdue_apology import HEAD, REASON, at, complete, error, open_tasks, received, sweep


@pytest.fixture
def backend():
    return "sqlite"


def overdue_task(api, app, settings, clock) -> tuple[str, dict]:
    code = received(api)
    assert sweep(app, settings, 2026, 11, 27, 9, 0).effects["overdue"] == 1
    at(api, clock, 2026, 11, 27, 11, 0)
    (task,) = open_tasks(api, HEAD, code)
    return code, task


@pytest.mark.parametrize("when", [(2026, 11, 29, 9, 0), (2026, 11, 30, 3, 0), (2026, 11, 30, 12, 0)])
def test_an_appointment_out_of_working_hours_is_refused_and_nothing_is_issued(api, app, settings, clock, when):
    code, task = overdue_task(api, app, settings, clock)
    refused = error(complete(api, HEAD, task["id"], "issue_apology", {"reason": REASON, "new_due_at": iso(*when)}),
                    422)
    assert "new_due_at" in refused["fields"]
    assert api.get(f"/api/v1/dossiers/{code}", HEAD).get_json()["letters"] == []
    assert len(open_tasks(api, HEAD, code)) == 1


@pytest.mark.parametrize("when", [(2026, 11, 30, 9, 0), (2026, 11, 30, 17, 0)])
def test_an_appointment_in_working_hours_is_taken(api, app, settings, clock, when):
    code, task = overdue_task(api, app, settings, clock)
    r = complete(api, HEAD, task["id"], "issue_apology", {"reason": REASON, "new_due_at": iso(*when)})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["letters"][0]["new_due_at"] == iso(*when)


def test_the_letters_route_says_the_same(api, app, settings, clock):
    code, _ = overdue_task(api, app, settings, clock)
    r = api.post(f"/api/v1/dossiers/{code}/letters", HEAD,
                 json={"kind": "overdue", "reason": REASON, "new_due_at": iso(2026, 11, 29, 9, 0)})
    assert "new_due_at" in error(r, 422)["fields"]
