"""GET /api/v1/tasks/{id} says the shape of each action's data (``action_schemas``): the law fixes a refusal's
reasons and a supplement request's items, not the task's form, and an integrator reading only ``form_schema``
(the intake's ``ghi_chu``) was refused with "reasons: Trường này là bắt buộc"."""
from __future__ import annotations

from conftest import OFFICERS
from jsonschema import Draft202012Validator

from engine.process.forms import ACTION_SCHEMAS


def test_each_offered_action_has_the_schema_complete_checks(api):
    code = api.file()["code"]
    task = api.task_for(OFFICERS["intake"], code)
    shown = api.get(f"/api/v1/tasks/{task['id']}", OFFICERS["intake"]).get_json()
    schemas = shown["action_schemas"]
    assert set(schemas) == set(shown["actions"]) and {"receive", "refuse", "request_supplement"} <= set(schemas)
    assert schemas["refuse"] == ACTION_SCHEMAS["refuse"] and schemas["refuse"]["required"] == ["reasons"]
    assert schemas["request_supplement"] == ACTION_SCHEMAS["request_supplement"]
    assert schemas["receive"] == (shown["form_schema"] or {"type": "object"})
    refusal = {"reasons": ["Ngành nghề cấm kinh doanh"]}
    Draft202012Validator(schemas["refuse"]).validate(refusal)  # what the schema says is what complete takes
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", OFFICERS["intake"], json={"action": "refuse", "data": refusal})
    assert r.status_code == 200, r.get_json()
