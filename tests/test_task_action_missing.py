"""Completing a task without naming the action (POST /api/v1/tasks/{id}/complete with {"data": {}}) is refused in
Vietnamese, asking for the action and listing the offered ones (api.md Conventions), never naming Python's None."""
from __future__ import annotations


def test_a_completion_without_an_action_asks_for_one(api):
    code = api.file()["code"]  # Monday 23/11/2026
    item = api.task_for("demo.tiepnhan", code)
    for body in ({"data": {}}, {"action": "", "data": {}}):
        r = api.post(f"/api/v1/tasks/{item['id']}/complete", "demo.tiepnhan", json=body)
        assert r.status_code == 422, r.get_json()
        error = r.get_json()["error"]
        assert error["fields"] == {"action": "Bắt buộc"}, error
        assert "None" not in error["message"] and error["message"].startswith("Cần chọn thao tác"), error
        assert "receive" in error["message"]
