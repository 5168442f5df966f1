"""The catalogue: `tthc validate` names every problem, nothing broken is stored, deploys make versions.

The broken files in tests/processes/ are each tests/processes/minimal.bpmn (a valid procedure) with one fault;
every case below also says how to repair it, and the repaired file must pass, so each fixture proves
exactly the problem it is named after.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import CITIZEN, SAMPLE, SAMPLE_CODE, STEP_DATA
from sqlalchemy import func, select

from engine.cli import main
from engine.data.model import Agency, Procedure, ProcedureVersion

FIXTURES = Path(__file__).resolve().parent / "processes"
MINIMAL = FIXTURES / "minimal.bpmn"
FORMS = SAMPLE.parent.parent.parent / "forms"
PROBLEM_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<element>[^:\s]+): (?P<message>.+)$")
CODE_LINE = '        <spiffworkflow:property name="procedureCode" value="9.000001" />\n'
AGENCY_LINE = '        <spiffworkflow:property name="agency" value="000.00.06.H56" />\n'

# file, the element every problem names, a word of the message, (broken text, repaired text)
BROKEN = [
    pytest.param("broken-xml.bpmn", "-", "XML",
                 ('name="Không tiếp nhận"\n', 'name="Không tiếp nhận">\n'), id="malformed-xml"),
    pytest.param("unknown-form.bpmn", "tiep_nhan", "khong-co-bieu-mau.schema.json",
                 ("khong-co-bieu-mau", "ho-kinh-doanh-tiep-nhan"), id="unknown-form"),
    pytest.param("unknown-step.bpmn", "tiep_nhan", "duyet_tat_ca",
                 ('value="duyet_tat_ca"', 'value="intake"'), id="unknown-step"),
    pytest.param("lane-not-role.bpmn", "Lane_tiep_nhan", "Phòng kế toán",
                 ("Phòng kế toán", "Cán bộ tiếp nhận"), id="lane-not-a-role"),
    pytest.param("condition-subclasses.bpmn", "Flow_dong_y", "__class__",
                 ("().__class__.__base__.__subclasses__()", 'action == "receive"'), id="condition-dunder"),
    pytest.param("condition-import.bpmn", "Flow_dong_y", "__import__",
                 ('__import__("os").system("id") == 0', 'action == "receive"'), id="condition-import"),
    pytest.param("script-import.bpmn", "ghi_so", "import",
                 ("import os\nso = os.getpid()", "so = 1"), id="script-import"),
    pytest.param("timer-bare-duration.bpmn", "nhac_han", '"P3D"', (">P3D<", '>"P3D"<'), id="timer-unquoted"),
    pytest.param("timer-bad-duration.bpmn", "nhac_han", "P3X", ('"P3X"', '"P3D"'), id="timer-not-iso"),
    pytest.param("timer-duplicate-name.bpmn", "nhac_han_lai", "Nhắc hạn tiếp nhận",
                 ('id="nhac_han_lai" name="Nhắc hạn tiếp nhận"', 'id="nhac_han_lai" name="Nhắc hạn lần hai"'),
                 id="timer-duplicate-name"),
    pytest.param("unreachable.bpmn", "end_mo_coi", "sự kiện bắt đầu",
                 ('    <bpmn:endEvent id="end_mo_coi" name="Không ai tới" />\n', ""), id="unreachable"),
    pytest.param("code-missing.bpmn", "minimal", "procedureCode",
                 (AGENCY_LINE, CODE_LINE + AGENCY_LINE),
                 id="procedure-code-missing"),
    pytest.param("code-invalid.bpmn", "minimal", "9.1-ABC", ("9.1-ABC", "9.000001"),
                 id="procedure-code-invalid"),
    pytest.param("gateway-uncovered.bpmn", "gw_tiep_nhan", "default",
                 ('name="Tiếp nhận?">', 'name="Tiếp nhận?" default="Flow_dong_y">'),
                 id="gateway-without-default"),
]
BROKEN_FILES = [p.values[0] for p in BROKEN]
GAPS: set[str] = set()  # kinds the linter misses today (none)
CHECKED = BROKEN


def validate(tmp_path, *paths) -> Result:
    runner = CliRunner()
    return runner.invoke(main, ["validate", *map(str, paths)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def problem_lines(stderr: str) -> list[re.Match]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    matches = [PROBLEM_LINE.match(line) for line in lines]
    assert all(matches), f"not file:line: element: message:\n{stderr}"
    return matches


def test_the_sample_and_the_minimal_fixture_validate(tmp_path):
    result = validate(tmp_path, SAMPLE, MINIMAL)
    assert result.exit_code == 0, result.output
    assert f"ok ({SAMPLE_CODE}, 9 bước)" in result.stdout
    assert "ok (9.000001, 4 bước)" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("name, element, word, repair", CHECKED)
def test_validate_names_file_line_and_element_of_each_problem(tmp_path, name, element, word, repair):
    path = FIXTURES / name
    text = path.read_text(encoding="utf-8")
    result = validate(tmp_path, path)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    problems = problem_lines(result.stderr)
    assert problems
    for problem in problems:
        assert problem["file"] == str(path)
        assert problem["element"] == element, result.stderr
        assert int(problem["line"]) > 0
        if element == "-":  # malformed XML: where the parser gave up, just after the broken tag
            assert abs(int(problem["line"]) - line_of(text, 'id="end_tu_choi"')) <= 1
        else:
            assert int(problem["line"]) == line_of(text, f'id="{element}"'), result.stderr
    assert any(word in p["message"] for p in problems), result.stderr


@pytest.mark.parametrize("name, element, word, repair", BROKEN)
def test_repairing_the_one_fault_makes_the_fixture_valid(tmp_path, name, element, word, repair):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    old, new = repair
    assert text.count(old) == 1
    repaired = tmp_path / name
    repaired.write_text(text.replace(old, new), encoding="utf-8")
    result = validate(tmp_path, repaired)
    assert result.exit_code == 0, result.output


def test_both_unsafe_conditions_are_refused_for_each_dunder_name(tmp_path):
    result = validate(tmp_path, FIXTURES / "condition-subclasses.bpmn")
    messages = " ".join(p["message"] for p in problem_lines(result.stderr))
    for name in ("__class__", "__base__", "__subclasses__"):
        assert name in messages


def test_validate_on_a_folder_reports_every_broken_file_and_exits_1(tmp_path):
    result = validate(tmp_path, FIXTURES)
    assert result.exit_code == 1
    named = {Path(p["file"]).name for p in problem_lines(result.stderr)}
    assert "minimal.bpmn" not in named
    assert set(BROKEN_FILES) - GAPS <= named


def test_validate_a_missing_file(tmp_path):
    result = validate(tmp_path, tmp_path / "khong-co.bpmn")
    assert result.exit_code == 1
    assert problem_lines(result.stderr)


# -- POST /api/v1/procedures -----------------------------------------------------------------------------
def upload(api, bpmn: bytes, name: str = "upload.bpmn", forms: dict[str, bytes] | None = None,
           user: str = "demo.admin"):
    data = {"bpmn": (io.BytesIO(bpmn), name)}
    if forms:
        data["forms"] = [(io.BytesIO(raw), key) for key, raw in forms.items()]
    return api.post("/api/v1/procedures", user, data=data, content_type="multipart/form-data")


def catalogue_counts(app) -> tuple[int, int, int]:
    with app.extensions["tthc"]["sessions"]() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (Procedure, ProcedureVersion, Agency))


def test_a_broken_file_is_refused_with_its_problems_and_nothing_is_stored(api, app):
    before = catalogue_counts(app)
    assert before[:2] == (1, 1)
    for case in BROKEN:
        name, element = case.values[0], case.values[1]
        r = upload(api, (FIXTURES / name).read_bytes(), name)
        assert r.status_code == 422, (name, r.get_json())
        error = r.get_json()["error"]
        assert error["code"] == "invalid_definition"
        assert error["problems"], name
        for problem in error["problems"]:
            assert set(problem) == {"file", "element", "line", "message"}
            assert problem["file"] == name
            assert problem["element"] == ("" if element == "-" else element), (name, problem)
            assert isinstance(problem["line"], int) and problem["line"] > 0, (name, problem)
            assert problem["message"]
        assert catalogue_counts(app) == before, name


def test_only_an_administrator_deploys(api, app):
    r = upload(api, SAMPLE.read_bytes(), SAMPLE.name, user="demo.tiepnhan")
    assert r.status_code == 403
    assert upload(api, SAMPLE.read_bytes(), SAMPLE.name, user=None).status_code == 401


def test_deploying_the_unchanged_sample_changes_nothing(api, app):
    before = catalogue_counts(app)
    r = upload(api, SAMPLE.read_bytes(), SAMPLE.name)
    assert r.status_code == 201, r.get_json()
    assert r.get_json() | {"warnings": []} == {"warnings": [], "code": SAMPLE_CODE, "version": 1, "changed": False}
    assert catalogue_counts(app) == before


def sample_v2() -> bytes:
    """The sample with the assessment task renamed: a new version whose running dossiers look different."""
    text = SAMPLE.read_text(encoding="utf-8")
    old = 'id="tham_dinh" name="Thẩm định hồ sơ"'
    assert text.count(old) == 1
    return text.replace(old, 'id="tham_dinh" name="Thẩm định hồ sơ (bản 2)"').encode("utf-8")


def test_a_changed_sample_becomes_version_2_once(api, app):
    r = upload(api, sample_v2(), SAMPLE.name)
    assert r.status_code == 201, r.get_json()
    assert r.get_json() | {"warnings": []} == {"warnings": [], "code": SAMPLE_CODE, "version": 2, "changed": True}
    again = upload(api, sample_v2(), SAMPLE.name)
    assert again.get_json() | {"warnings": []} == {"warnings": [], "code": SAMPLE_CODE, "version": 2, "changed": False}
    assert catalogue_counts(app)[:2] == (1, 2)
    assert api.get(f"/api/v1/procedures/{SAMPLE_CODE}").get_json()["version"] == 2


def test_a_dossier_stays_on_its_version_and_new_dossiers_use_the_new_one(api):
    old = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", old, "receive")
    assert upload(api, sample_v2(), SAMPLE.name).get_json()["version"] == 2

    new = api.file(CITIZEN)["code"]
    assert api.get(f"/api/v1/dossiers/{new}", CITIZEN).get_json()["procedure_version"] == 2
    api.act("demo.tiepnhan", new, "receive")
    assert api.task_for("demo.chuyenvien", new)["name"] == "Thẩm định hồ sơ (bản 2)"

    assert api.task_for("demo.chuyenvien", old)["name"] == "Thẩm định hồ sơ"
    api.act("demo.chuyenvien", old, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", old, "approve")
    api.act("demo.vanthu", old, "issue_result", STEP_DATA["issue_result"])
    final = api.act("demo.tiepnhan", old, "return_result", STEP_DATA["return_result"])
    assert final["status"] == 10
    assert final["procedure_version"] == 1
    assert api.get(f"/api/v1/dossiers/{old}", CITIZEN).get_json()["procedure_version"] == 1


def test_uploaded_forms_override_the_forms_folder(api, app):
    key = "ho-kinh-doanh-nop.schema.json"
    same = upload(api, SAMPLE.read_bytes(), SAMPLE.name, forms={key: (FORMS / key).read_bytes()})
    assert same.get_json() | {"warnings": []} == {"warnings": [], "code": SAMPLE_CODE, "version": 1, "changed": False}

    schema = json.loads((FORMS / key).read_text(encoding="utf-8"))
    schema["title"] = "Giấy đề nghị đăng ký hộ kinh doanh (mẫu mới)"
    raw = json.dumps(schema, ensure_ascii=False).encode("utf-8")
    r = upload(api, SAMPLE.read_bytes(), SAMPLE.name, forms={key: raw})
    assert r.status_code == 201, r.get_json()
    assert r.get_json() | {"warnings": []} == {"warnings": [], "code": SAMPLE_CODE, "version": 2, "changed": True}
    assert api.get(f"/api/v1/procedures/{SAMPLE_CODE}").get_json()["form_schema"] == schema


def test_an_uploaded_form_supplies_a_form_the_folder_lacks(api):
    name = "unknown-form.bpmn"
    form = (FORMS / "ho-kinh-doanh-tiep-nhan.schema.json").read_bytes()
    r = upload(api, (FIXTURES / name).read_bytes(), name, forms={"khong-co-bieu-mau.schema.json": form})
    assert r.status_code == 201, r.get_json()
    assert r.get_json() | {"warnings": []} == {"warnings": [], "code": "9.000001", "version": 1, "changed": True}


def test_an_uploaded_form_that_is_not_json_is_a_problem_and_nothing_is_stored(api, app):
    before = catalogue_counts(app)
    key = "ho-kinh-doanh-nop.schema.json"
    r = upload(api, SAMPLE.read_bytes(), SAMPLE.name, forms={key: b'{"type": "object",'})
    assert r.status_code == 422
    problems = r.get_json()["error"]["problems"]
    assert [p["file"] for p in problems] == [key]
    assert catalogue_counts(app) == before


# -- the catalogue ----------------------------------------------------------------------------------------
def test_the_catalogue_lists_the_sample_with_its_legal_facts(api):
    listed = api.get("/api/v1/procedures").get_json()
    sample = next(p for p in listed if p["code"] == SAMPLE_CODE)
    assert sample["name"] == "Đăng ký thành lập hộ kinh doanh"
    assert sample["version"] == 1
    assert sample["agency"] == "000.00.06.H56"
    # D27: the sample declares online payment, but the demo agency has no payment gateway yet
    assert sample["level"] == "partial_online"
    assert "Phí, lệ phí chưa nộp được trực tuyến: cơ quan chưa có cổng thanh toán" in sample["level_reasons"]
    assert len(sample["level_reasons"]) == 5
    assert all(isinstance(reason, str) and reason for reason in sample["level_reasons"])
    assert sample["duration"] == {"value": 3, "unit": "working_day"}
    assert sample["clock_on_supplement"] == "restart"
    assert sample["fees"] == [{"key": "le_phi", "name": "Lệ phí đăng ký hộ kinh doanh", "amount": 100000,
                               "when": "at_intake", "moment": "intake"}]
    assert [c["key"] for c in sample["components"]] == ["giay_de_nghi", "giay_to_phap_ly_chu_ho",
                                                        "bien_ban_hop_thanh_vien", "giay_to_tru_so"]
    assert sample["components"][0]["name"] == "Giấy đề nghị đăng ký hộ kinh doanh"
    assert "form_schema" not in sample


def test_one_procedure_adds_the_filing_form_schema(api):
    listed = next(p for p in api.get("/api/v1/procedures").get_json() if p["code"] == SAMPLE_CODE)
    one = api.get(f"/api/v1/procedures/{SAMPLE_CODE}").get_json()
    schema = json.loads((FORMS / "ho-kinh-doanh-nop.schema.json").read_text(encoding="utf-8"))
    assert one.pop("form_schema") == schema
    assert isinstance(one.pop("levels_by_agency"), list)  # D27 at each office (tests/test_level_per_office.py)
    assert one == listed


def test_an_unknown_procedure_is_404(api):
    r = api.get("/api/v1/procedures/9.999999")
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "procedure_not_found"


def test_a_partial_online_procedure_says_why(api):
    text = MINIMAL.read_text(encoding="utf-8").replace('name="level.paperRequired" value="false"',
                                                       'name="level.paperRequired" value="true"')
    assert upload(api, text.encode("utf-8"), "minimal.bpmn").status_code == 201
    one = api.get("/api/v1/procedures/9.000001").get_json()
    assert one["level"] == "partial_online"
    assert "Phải nộp hoặc xuất trình giấy tờ bản giấy" in one["level_reasons"]
