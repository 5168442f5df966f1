"""engine.process.versiondiff: what changed between two stored versions (info and forms), without BPMN."""
from __future__ import annotations

import copy

from engine.process.versiondiff import KINDS, changes, fields_of

INFO = {
    "name": "Đăng ký hộ kinh doanh", "duration": {"value": 3.0, "unit": "working_day"},
    "clock_on_supplement": "restart",
    "steps": [{"id": "tiep_nhan", "name": "Tiếp nhận", "role": "receiving_officer", "form": "a.json",
               "actions": ["receive", "refuse"]},
              {"id": "tham_dinh", "name": "Thẩm định", "role": "specialist", "form": "b.json",
               "actions": ["propose_approval"]}],
    "fees": [{"key": "le_phi", "name": "Lệ phí", "amount": 100000, "when": "at_intake"}],
    "components": [{"key": "don", "name": "Đơn"}],
}
FORMS = {"a.json": {"type": "object", "properties": {"ghi_chu": {"type": "string"}}},
         "b.json": {"type": "object", "properties": {
             "y_kien": {"type": "string"},
             "nguoi": {"type": "object", "properties": {"ho_ten": {"type": "string"}}},
             "muc": {"type": "array", "items": {"type": "object", "properties": {"ten": {"type": "string"}}}}}}}


def test_the_first_version_and_an_identical_one_change_nothing():
    assert changes(None, None, INFO, FORMS) == []
    assert changes(INFO, FORMS, copy.deepcopy(INFO), copy.deepcopy(FORMS)) == []


def test_fields_are_dotted_paths_through_objects_and_arrays():
    assert fields_of(FORMS["b.json"]) == ["muc", "muc.ten", "nguoi", "nguoi.ho_ten", "y_kien"]
    assert fields_of("not a schema") == [] and fields_of({"properties": []}) == []


def test_every_kind_of_change():
    new, forms = copy.deepcopy(INFO), copy.deepcopy(FORMS)
    new["name"] = "Đăng ký thành lập hộ kinh doanh"
    new["duration"] = {"value": 5.0, "unit": "working_day"}
    new["clock_on_supplement"] = "continue"
    new["steps"][0].update(name="Tiếp nhận hồ sơ", role="clerk", actions=["receive"])
    new["steps"][1]["form"] = "c.json"
    new["steps"].append({"id": "phe_duyet", "name": "Phê duyệt", "role": "department_leader", "form": "d.json",
                         "actions": ["approve"], "duration": {"value": 1, "unit": "working_day"}})
    del new["steps"][1]
    new["fees"] = [{"key": "le_phi", "name": "Lệ phí", "amount": 150000, "when": "at_intake"},
                   {"key": "phi", "name": "Phí", "amount": 5000, "when": "at_filing"}]
    new["components"] = [{"key": "ban_sao", "name": "Bản sao"}]
    forms["a.json"]["properties"] = {"ly_do": {"type": "string"}}
    found = changes(INFO, FORMS, new, forms)
    by_kind = {(c["kind"], c["target"]): (c["before"], c["after"]) for c in found}
    assert by_kind[("name_changed", "")] == ("Đăng ký hộ kinh doanh", "Đăng ký thành lập hộ kinh doanh")
    assert by_kind[("duration_changed", "")] == ({"value": 3.0, "unit": "working_day"},
                                                  {"value": 5.0, "unit": "working_day"})
    assert by_kind[("clock_changed", "")] == ("restart", "continue")
    assert by_kind[("step_renamed", "tiep_nhan")] == ("Tiếp nhận", "Tiếp nhận hồ sơ")
    assert by_kind[("role_changed", "tiep_nhan")] == ("receiving_officer", "clerk")
    assert by_kind[("actions_changed", "tiep_nhan")] == (["receive", "refuse"], ["receive"])
    assert by_kind[("step_removed", "tham_dinh")] == ("Thẩm định", None)
    assert by_kind[("step_added", "phe_duyet")] == (None, "Phê duyệt")
    assert by_kind[("field_removed", "a.json")] == ("ghi_chu", None)
    assert by_kind[("field_added", "a.json")] == (None, "ly_do")
    assert by_kind[("fee_changed", "le_phi")] == (100000, 150000)
    assert by_kind[("fee_added", "phi")] == (None, 5000)
    assert by_kind[("component_removed", "don")] == ("Đơn", None)
    assert by_kind[("component_added", "ban_sao")] == (None, "Bản sao")
    assert {c["kind"] for c in found} <= set(KINDS)


def test_a_step_duration_and_a_fee_condition_count_as_changes():
    old, new = copy.deepcopy(INFO), copy.deepcopy(INFO)
    old["steps"][1]["duration"] = {"value": 2, "unit": "working_day"}
    new["steps"][1]["duration"] = {"value": 1, "unit": "working_day"}
    new["fees"][0]["when"] = "before_result"
    kinds = {(c["kind"], c["target"]) for c in changes(old, FORMS, new, FORMS)}
    assert kinds == {("duration_changed", "tham_dinh"), ("fee_changed", "le_phi")}


def test_malformed_stored_info_is_read_without_failing():
    odd = {"steps": [None, {"name": "no id"}], "fees": "x", "components": [1]}
    assert changes(odd, {"x": 1}, odd, {"x": 2}) == []
    assert changes({}, {}, INFO, FORMS)  # everything added


def test_a_new_result_layout_or_wording_is_a_change():
    """A version deployed from a copy of the BPMN without its result.html (the engine's generic layout) was listed
    as changed with "changes": [], as was one whose certificate's title or symbol changed."""
    with_layout = {**INFO, "result": {"title": "GIẤY CHỨNG NHẬN", "symbol": "GCN-UBND", "template": "<p>{{ x }}</p>",
                                      "template_name": "result.html"}}
    generic = {**INFO, "result": {"title": "GIẤY CHỨNG NHẬN", "symbol": "GCN-UBND", "template": None,
                                  "template_name": None, "template_missing": "result.html"}}
    assert changes(with_layout, FORMS, generic, FORMS) == [
        {"kind": "result_changed", "target": "template", "before": "result.html", "after": None}]
    edited = copy.deepcopy(with_layout)
    edited["result"].update(template="<p>{{ y }}</p>", symbol="GCN-HKD")
    assert changes(with_layout, FORMS, edited, FORMS) == [
        {"kind": "result_changed", "target": "symbol", "before": "GCN-UBND", "after": "GCN-HKD"},
        {"kind": "result_changed", "target": "template", "before": "result.html", "after": "result.html"}]
    assert changes(with_layout, FORMS, copy.deepcopy(with_layout), FORMS) == []
    assert changes(INFO, FORMS, {**INFO, "result": {"title": "", "template": None}}, FORMS) == []  # as before
