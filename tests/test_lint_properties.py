"""A misspelt property name in a BPMN file (docs/bpmn-conventions.md) is refused with the name it is close to;
it was ignored, and its default applied in silence: ``clockOnSuplement="pause"`` left the supplement's clock
restarting (D8), the opposite of what the designer wrote. A designer's own property, near no name the engine
reads, is left alone."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine.core.errors import DefinitionError
from engine.process import lint_properties, procedures

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "processes" / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn"


def _with(text: str, old: str, new: str) -> bytes:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1).encode("utf-8")


def test_a_misspelt_process_property_is_refused_at_upload_with_the_name_meant(api):
    bpmn = _with(SAMPLE.read_text(encoding="utf-8"), 'name="clockOnSupplement"', 'name="clockOnSuplement"')
    r = api.post("/api/v1/procedures", "demo.admin", data={"bpmn": (io.BytesIO(bpmn), "ho-kinh-doanh.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 422, r.get_json()
    [problem] = r.get_json()["error"]["problems"]
    line = bpmn[:bpmn.index(b"clockOnSuplement")].count(b"\n") + 1
    assert problem["element"] == "ho_kinh_doanh" and problem["line"] == line, problem
    assert "'clockOnSuplement'" in problem["message"] and "có phải 'clockOnSupplement'?" in problem["message"]


@pytest.mark.parametrize("old,new,meant", [
    ('name="formJsonSchemaFilename"', 'name="formJsonSchemaFileName"', "formJsonSchemaFilename"),
    ('name="durationUnit"', 'name="durationUnits"', "durationUnit"),
    ('name="procedureCode"', 'name="procedurecode"', "procedureCode")])
def test_each_near_miss_names_the_property_meant(tmp_path, old, new, meant):
    path = tmp_path / "p.bpmn"
    path.write_bytes(_with(SAMPLE.read_text(encoding="utf-8"), old, new))
    with pytest.raises(DefinitionError) as caught:
        procedures.load_file(path, ROOT / "forms")
    assert any(f"có phải {meant!r}?" in p.message for p in caught.value.problems), caught.value.problems


def test_a_designers_own_property_is_left_alone_and_every_shipped_file_passes(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "p.bpmn"
    path.write_bytes(_with(text, '<spiffworkflow:property name="clockOnSupplement"',
                           '<spiffworkflow:property name="ghiChuNoiBo" value="bản nháp" />'
                           '<spiffworkflow:property name="clockOnSupplement"'))
    assert procedures.load_file(path, ROOT / "forms").code == "1.001612"
    shipped = sorted((ROOT / "processes").glob("*/*.bpmn"))
    assert len(shipped) >= 8
    for bpmn in shipped:
        tree = procedures.parse_xml(bpmn.read_bytes())
        assert lint_properties.problems(tree, bpmn.name) == [], bpmn


def test_a_form_name_with_a_folder_names_the_bpmn_file_and_line_that_give_it(api, tmp_path):
    """A form named ``../../etc/passwd`` was refused as a problem of a file called ``../../etc/passwd`` with no
    line: the designer had to search which BPMN file, which task. It now points at the property's line."""
    text = SAMPLE.read_text(encoding="utf-8")
    bpmn = _with(text, 'value="ho-kinh-doanh-tiep-nhan.schema.json"', 'value="../../etc/passwd"')
    line = bpmn[:bpmn.index(b"../../etc/passwd")].count(b"\n") + 1
    r = api.post("/api/v1/procedures", "demo.admin", data={"bpmn": (io.BytesIO(bpmn), "ho-kinh-doanh.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 422, r.get_json()
    [problem] = r.get_json()["error"]["problems"]
    assert (problem["file"], problem["line"], problem["element"]) == ("ho-kinh-doanh.bpmn", line, "tiep_nhan"), problem
    assert "'../../etc/passwd'" in problem["message"] and "không có thư mục" in problem["message"]
    path = tmp_path / "hkd.bpmn"
    path.write_bytes(bpmn)
    with pytest.raises(DefinitionError) as caught:
        procedures.load_file(path, ROOT / "forms")
    assert [(p.file, p.line) for p in caught.value.problems] == [(str(path), line)]
