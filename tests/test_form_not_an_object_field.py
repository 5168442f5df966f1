"""api.md Conventions: a refusal's ``fields`` names the request's own fields. A filing whose ``form`` is not a JSON
object, a supplement likewise, and a task's ``data`` likewise, were answered ``fields: {"": ...}``: an integrator
mapping ``fields`` onto its inputs could place the error nowhere."""
from __future__ import annotations

from conftest import SAMPLE_CODE, STEP_DATA

CITIZEN = "001099000001"


def test_a_filing_whose_form_is_not_an_object_names_the_form_field(api):
    for form in ("notanobject", ["a"], 12):
        r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": form})
        assert r.status_code == 422, r.get_json()
        error = r.get_json()["error"]
        assert error["fields"] == {"form": "Sai kiểu dữ liệu"}, error
        assert error["message"] == "Tờ khai phải là một đối tượng JSON"


def test_a_supplement_and_a_task_with_a_non_object_name_their_own_field(api):
    code = api.file()["code"]
    api.act("demo.tiepnhan", code, "request_supplement", STEP_DATA["request_supplement"])
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": "x", "note": "Đã bổ sung"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"form": "Sai kiểu dữ liệu"}, r.get_json()

    other = api.file()["code"]
    task = api.task_for("demo.tiepnhan", other)
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", "demo.tiepnhan", json={"action": "receive", "data": "x"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"data": "Sai kiểu dữ liệu"}, r.get_json()
