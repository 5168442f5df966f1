"""A procedure that validates is a legal procedure and leaves no dossier stuck (issue #10).

Each fixture below validated and deployed before: a birth registration drawn without a processing-stage
supplement branch (a supplement request left the dossier at status 5 with no citizen task; an extension request
went to the approval and blocked every later one), a file with no step, a single manual task, an intake step
alone, a result issued and never returned, a department leader's agreement taken as final. `tthc validate`
names the task and what the flows do wrong, in Vietnamese, one line per problem; the deploy refuses the same.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE, SAMPLE_FORM
from web_support import Web

from engine.cli import main
from engine.process import bpmnparser, procedures, skeleton

FIXTURES = Path(__file__).resolve().parent / "processes"
FORMS = SAMPLE.parent.parent.parent / "forms"
PROBLEM_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<element>[^:\s]+): (?P<message>.+)$")
BIRTH = FIXTURES / "birth-no-processing-supplement.bpmn"
ASSESSMENT_PROPS = '          <spiffworkflow:property name="step" value="assessment" />\n'
ONLY_PROPOSALS = ASSESSMENT_PROPS + '          <spiffworkflow:property name="actions" value="propose_approval, propose_refusal" />\n'

# file, {element: words its problem names}
ILLEGAL = [
    pytest.param("birth-no-processing-supplement.bpmn",
                 {"tham_dinh": ["'request_supplement'", "trạng thái 5", "supplement", "phe_duyet", "kẹt"]},
                 id="supplement-request-not-routed-to-the-citizen"),
    pytest.param("birth-no-processing-supplement.bpmn",
                 {"tham_dinh": ["'request_extension'", "extension_review", "phe_duyet"]},
                 id="extension-request-not-routed-to-a-review"),
    pytest.param("no-step.bpmn", {"nop": ["trạng thái 1", "intake", "kết thúc quy trình"]}, id="no-step"),
    pytest.param("manual-task.bpmn", {"lam_tay": ["manualTask", "userTask"],
                                      "nop": ["intake", "không ai hoàn thành được"]}, id="single-manual-task"),
    pytest.param("intake-only.bpmn", {"tiep_nhan": ["'receive'", "trạng thái 4", "kết thúc quy trình"]},
                 id="intake-only"),
    pytest.param("end-without-return.bpmn", {"ky_ban_hanh": ["'issue_result'", "trạng thái 9", "return"]},
                 id="result-never-returned"),
    pytest.param("extension-department-only.bpmn",
                 {"xem_gia_han": ["'confirm_extension'", "extension_review", "tham_dinh"]},
                 id="department-agreement-taken-as-final"),
]


def validate(tmp_path, *args):
    return CliRunner().invoke(main, ["validate", *map(str, args)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})


def problems_of(stderr: str) -> list[re.Match]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    matches = [PROBLEM_LINE.match(line) for line in lines]
    assert lines and all(matches), f"not file:line: element: message:\n{stderr}"
    return matches


def line_of(path: Path, element: str) -> int:
    return bpmnparser.parse_xml(path.read_bytes()).xpath("//*[@id=$i]", i=element)[0].sourceline


@pytest.mark.parametrize(("name", "expected"), ILLEGAL)
def test_validate_refuses_a_procedure_that_would_leave_dossiers_stuck(tmp_path, name, expected):
    path = FIXTURES / name
    result = validate(tmp_path, path)
    assert result.exit_code == 1, result.output
    problems = problems_of(result.stderr)
    assert {p["element"] for p in problems} <= set(expected) | {"nop"}, result.stderr
    for element, words in expected.items():
        mine = [p for p in problems if p["element"] == element]
        assert mine, result.stderr
        assert all(int(p["line"]) == line_of(path, element) for p in mine)
        assert any(all(w in p["message"] for w in words) for p in mine), result.stderr


def test_declaring_the_actions_a_task_offers_makes_the_birth_registration_valid(tmp_path):
    text = BIRTH.read_text(encoding="utf-8")
    assert text.count(ASSESSMENT_PROPS) == 1
    fixed = tmp_path / BIRTH.name
    fixed.write_text(text.replace(ASSESSMENT_PROPS, ONLY_PROPOSALS), encoding="utf-8")
    result = validate(tmp_path, fixed)
    assert result.exit_code == 0, result.stderr
    assert "ok (9.001193, 6 bước)" in result.stdout


def test_an_action_the_step_kind_does_not_have_is_refused_in_the_property(tmp_path):
    text = BIRTH.read_text(encoding="utf-8").replace(
        ASSESSMENT_PROPS, ASSESSMENT_PROPS.replace('"step" value="assessment"', '"actions" value="approve"')
        + ASSESSMENT_PROPS)
    path = tmp_path / BIRTH.name
    path.write_text(text, encoding="utf-8")
    result = validate(tmp_path, path)
    [problem] = problems_of(result.stderr)
    assert problem["element"] == "tham_dinh" and "approve" in problem["message"] and "actions" in problem["message"]


def test_the_sample_is_legal_and_its_happy_path_goes_from_intake_to_the_return():
    definition = procedures.load_file(SAMPLE, FORMS)
    assert definition.info["happy_path"] == ["receive", "propose_approval", "approve", "issue_result",
                                             "return_result"]
    assert {s["id"]: s["actions"] for s in definition.info["steps"]}["tham_dinh"] == [
        "propose_approval", "propose_refusal", "request_supplement", "request_extension"]


@pytest.mark.parametrize(("condition", "action", "holds"), [
    ('action == "receive"', "receive", True),
    ('action == "receive"', "refuse", False),
    ("action != 'refuse'", "receive", True),
    ('action in ("approve", "refuse")', "refuse", True),
    ('action in ["approve", "refuse"]', "send_back", False),
    ('action not in {"approve"}', "send_back", True),
    ('not action == "receive"', "receive", False),
    ('action == "receive" and phi > 0', "refuse", False),
    ('action == "receive" or phi > 0', "receive", True),
    ('action == "receive" and phi > 0', "receive", None),
    ("phi > 0", "receive", None),
    ('action == "receive"', None, None),
    ("len(action) > 3", "receive", None),
])
def test_a_condition_is_decided_from_the_action_alone_or_left_open(condition, action, holds):
    assert skeleton.decide(condition, action) is holds


def test_a_condition_on_other_data_must_be_legal_whichever_way_it_goes(tmp_path):
    """The assessment's supplement branch depends on data too: when the data says no, the request would go to
    the approval, so the file is refused."""
    text = Path(FIXTURES / "extension-department-only.bpmn").read_text(encoding="utf-8")
    text = text.replace('action == "request_supplement"', 'action == "request_supplement" and thieu_giay')
    path = tmp_path / "du-lieu.bpmn"
    path.write_text(text, encoding="utf-8")
    result = validate(tmp_path, path)
    messages = [p["message"] for p in problems_of(result.stderr) if p["element"] == "tham_dinh"]
    assert any("'request_supplement'" in m and "approval" in m for m in messages), result.stderr


# -- the deploy refuses the same, and a declared subset is what the inbox and the API offer -------------------
def upload(api, bpmn: bytes, name: str):
    return api.post("/api/v1/procedures", "demo.admin", data={"bpmn": (io.BytesIO(bpmn), name)},
                    content_type="multipart/form-data")


@pytest.mark.parametrize("name", sorted({p.values[0] for p in ILLEGAL}))
def test_the_deploy_refuses_an_illegal_procedure(api, name):
    r = upload(api, (FIXTURES / name).read_bytes(), name)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["code"] == "invalid_definition"
    assert all(p["line"] > 0 and p["element"] for p in r.get_json()["error"]["problems"])


def test_a_task_offers_only_the_actions_it_declares_through_the_api_and_the_page(api, app):
    text = BIRTH.read_text(encoding="utf-8").replace(ASSESSMENT_PROPS, ONLY_PROPOSALS)
    assert upload(api, text.encode("utf-8"), BIRTH.name).status_code == 201
    r = api.post("/api/v1/dossiers", "001099000001", json={"procedure": "9.001193", "form": SAMPLE_FORM})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    intake = api.task_for("demo.tiepnhan", code)
    assert intake["actions"] == ["receive", "request_supplement", "refuse"]
    api.act("demo.tiepnhan", code, "receive")
    task = api.task_for("demo.chuyenvien", code)
    assert task["actions"] == ["propose_approval", "propose_refusal"]
    refused = api.act("demo.chuyenvien", code, "request_supplement", {"items": [
        {"component": "Tờ khai đăng ký khai sinh", "problem": "Thiếu chữ ký", "required": "Ký lại"}]}, status=422)
    assert refused["error"]["code"] == "action_not_offered"
    page = Web(app.test_client()).login("demo.chuyenvien")
    html = page.get(f"/can-bo/cong-viec/{task['id']}").get_data(as_text=True)
    assert 'id="form-propose_approval"' in html and 'id="form-request_supplement"' not in html
    page.post(f"/can-bo/cong-viec/{task['id']}/request_extension", {"reason": "x"}, status=404)
    api.act("demo.chuyenvien", code, "propose_approval", {"y_kien_tham_dinh": "Đủ điều kiện"})
    assert api.get(f"/api/v1/dossiers/{code}", "001099000001").get_json()["status"] == 4


# -- tthc validate --simulate -------------------------------------------------------------------------------
def test_validate_simulate_runs_the_happy_path_of_the_sample_to_the_return(tmp_path):
    result = validate(tmp_path, "--simulate", SAMPLE)
    assert result.exit_code == 0, result.output
    assert "mô phỏng: receive → propose_approval → approve → issue_result → return_result" in result.stdout


def test_validate_simulate_reports_a_happy_path_that_fails_at_run_time(tmp_path):
    """A script after the receipt reads a variable no step sets: the file is well-formed and legal, and only
    running it shows that no dossier can ever be received."""
    path = FIXTURES / "script-fails-at-run.bpmn"
    assert validate(tmp_path, path).exit_code == 0
    result = validate(tmp_path, "--simulate", path)
    assert result.exit_code == 1, result.output
    [problem] = problems_of(result.stderr)
    assert problem["element"] == "kich_ban_loi" and int(problem["line"]) == line_of(path, "kich_ban_loi")
    for word in ("mô phỏng", "receive", "le_phi_da_thu"):
        assert word in problem["message"], problem["message"]
    assert result.stdout == ""


def test_the_happy_path_scenario_is_in_the_simulator_format():
    from engine import simulate

    scenario = simulate.happy_path_scenario(SAMPLE, ["receive", "return_result"])
    assert scenario == {"procedure": str(SAMPLE), "steps": [
        {"at": "2026-03-02T08:00:00+07:00", "do": "file"}, {"at": "2026-03-02T08:30:00+07:00", "do": "receive"},
        {"at": "2026-03-02T09:00:00+07:00", "do": "return_result"}]}
    json.dumps(scenario)


BOUNDARY = '''    <bpmn:boundaryEvent id="het_han" name="Hết hạn tiếp nhận" attachedToRef="tiep_nhan"{extra}>
      <bpmn:timerEventDefinition id="het_han_hen">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P5D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="Flow_het_han" sourceRef="het_han" targetRef="end_tu_choi" />
  </bpmn:process>'''


@pytest.mark.parametrize(("extra", "refused"), [("", True), (' cancelActivity="false"', False)])
def test_an_interrupting_timer_that_ends_the_process_at_intake_is_refused(tmp_path, extra, refused):
    """The timer would end the process with the dossier still at status 1: no step, no refusal, no letter."""
    text = (FIXTURES / "minimal.bpmn").read_text(encoding="utf-8")
    path = tmp_path / "het-han.bpmn"
    path.write_text(text.replace("  </bpmn:process>", BOUNDARY.format(extra=extra)), encoding="utf-8")
    result = validate(tmp_path, path)
    assert result.exit_code == (1 if refused else 0), result.output
    if refused:
        [problem] = problems_of(result.stderr)
        assert problem["element"] == "het_han" and "trạng thái 1" in problem["message"], problem["message"]
