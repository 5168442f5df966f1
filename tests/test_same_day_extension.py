"""D18 and D12 for the same-day procedures of the library (khai-sinh, khai-tu, trich-luc-ho-tich) and the
`tthc procedure new --same-day` skeleton: a same-day procedure can be extended (1 working day → at most
2 h 40 min of working time, asked before the due instant, confirmed by the department leader then the centre,
D17) and its assessment can ask for a supplement, exactly as the sample procedure's (ho-kinh-doanh) does."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CITIZEN, STEP_DATA
from law_support import calendar, check_tet_2027, vn
from lxml import etree

from engine.cli import main
from engine.process import procedures

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
RECEIVER, SPECIALIST, DEPT_LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"
HEAD, DIRECTOR, CLERK = "demo.thutruong", "demo.giamdoc", "demo.vanthu"
TWO_HOURS_FORTY = 8 / 3  # 1/3 of one working day of 8 hours, in working hours


def iso(*args: int) -> str:
    return vn(*args).isoformat()


def _birth_received_on_the_eve_of_tet_2027(api, app, settings, clock) -> str:
    """khai-sinh deployed as tests/test_library_civil.py does; filed Wed 03/02/2027 15:00, received 15:05:
    after the 15:00 cut-off, so due at the close of the next working day, after Tết 2027: Thu 11/02 17:00."""
    check_tet_2027(calendar())
    clock.set(vn(2027, 2, 3, 14, 0))
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(PROCESSES / "khai-sinh" / "khai-sinh.bpmn",
                                                        settings.forms_dir), clock.now(), "tester")
    form = json.loads((PROCESSES / "khai-sinh" / "sample.json").read_text(encoding="utf-8"))["form"]
    clock.set(vn(2027, 2, 3, 15, 0))
    code = api.file(CITIZEN, form=form, procedure="1.001193")["code"]
    clock.set(vn(2027, 2, 3, 15, 5))
    received = api.act(RECEIVER, code, "receive")
    assert received["due_at"] == iso(2027, 2, 11, 17, 0)
    return code


def test_a_same_day_birth_registration_can_be_extended_by_2h40_before_its_due_and_is_then_not_late_D18(
        api, app, settings, clock):
    """D18: a same-day procedure may be extended by 1/3 of one working day (2 h 40 min of working time) when
    asked before the due instant; D17: the specialist asks, the department leader then the centre confirm; the
    new appointment counts from the legal due (Thu 11/02/2027 17:00 → Fri 12/02/2027 09:40)."""
    code = _birth_received_on_the_eve_of_tet_2027(api, app, settings, clock)
    offered = api.task_for(SPECIALIST, code)["actions"]
    assert {"request_extension", "request_supplement", "propose_approval", "propose_refusal"} <= set(offered)

    clock.set(vn(2027, 2, 11, 16, 0))
    api.tokens.clear()  # a new login after Tết (a token lives hours, not days)
    api.act(SPECIALIST, code, "request_extension",
            {"working_hours": TWO_HOURS_FORTY, "reason": "Cần xác minh giấy chứng sinh với cơ sở y tế"})
    clock.set(vn(2027, 2, 11, 16, 20))
    halfway = api.act(DEPT_LEADER, code, "confirm_extension")
    assert halfway["due_at"] == iso(2027, 2, 11, 17, 0) and halfway["extensions"] == 0
    clock.set(vn(2027, 2, 11, 16, 40))
    extended = api.act(DIRECTOR, code, "confirm_extension")
    assert extended["due_at"] == iso(2027, 2, 12, 9, 40)
    assert extended["original_due_at"] == iso(2027, 2, 11, 17, 0) and extended["extensions"] == 1

    clock.set(vn(2027, 2, 12, 9, 0))
    api.tokens.clear()
    api.act(SPECIALIST, code, "propose_approval", {"y_kien_tham_dinh": "Đủ điều kiện, đã ghi Sổ"})
    clock.set(vn(2027, 2, 12, 9, 20))
    api.act(HEAD, code, "approve")
    clock.set(vn(2027, 2, 12, 9, 30))
    issued = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    assert issued["status"] == 9 and issued["late"] is False


@pytest.mark.parametrize("asked_at", [vn(2027, 2, 11, 17, 0), vn(2027, 2, 12, 7, 30)], ids=["at-due", "after-due"])
def test_a_same_day_extension_asked_at_or_after_the_due_instant_is_refused_D18(api, app, settings, clock, asked_at):
    """D18: for a same-day procedure the re-appointment must be asked before the due instant; after that the
    dossier can only become late (and the due stays where it was)."""
    code = _birth_received_on_the_eve_of_tet_2027(api, app, settings, clock)
    clock.set(asked_at)
    api.tokens.clear()  # a new login after Tết (a token lives hours, not days)
    task = api.task_for(SPECIALIST, code)
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", SPECIALIST, json={
        "action": "request_extension", "data": {"working_hours": TWO_HOURS_FORTY, "reason": "Cần xác minh thêm"}})
    assert r.status_code == 422, r.get_data(as_text=True)[:500]
    error = r.get_json()["error"]
    assert error["rule"] == "D18" and "trước hạn trả kết quả" in error["message"]
    after = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert after["due_at"] == iso(2027, 2, 11, 17, 0) and after["extensions"] == 0


def _assessment_and_extension_steps(path: Path) -> tuple[list[str | None], dict[str, str]]:
    """The assessment's ``actions`` property (None: every action of the kind) and each extension review
    step's lane name."""
    tree = etree.parse(str(path))
    prop = "*[local-name()='extensionElements']/*[local-name()='properties']/*[local-name()='property']"
    tasks = tree.xpath("//*[local-name()='userTask']")
    lane_of = {ref.text: lane.get("name") for lane in tree.xpath("//*[local-name()='lane']")
               for ref in lane.xpath("*[local-name()='flowNodeRef']")}

    def step(task) -> str | None:
        found = task.xpath(f"{prop}[@name='step']/@value")
        return found[0] if found else None
    assessment = [t.xpath(f"{prop}[@name='actions']/@value") or [None] for t in tasks if step(t) == "assessment"]
    reviews = {t.get("id"): lane_of[t.get("id")] for t in tasks if step(t) == "extension_review"}
    return [a[0] for a in assessment], reviews


SAMPLE_REVIEWS = {"gia_han_phong": "Lãnh đạo phòng", "gia_han_trung_tam": "Giám đốc trung tâm"}


@pytest.mark.parametrize("folder", ["khai-sinh", "khai-tu", "trich-luc-ho-tich"])
def test_the_same_day_library_procedures_offer_extension_and_supplement_as_the_sample_D18_D12(folder):
    """D18 and D12 apply to every procedure: the assessment is not restricted to proposing a decision, and the
    extension is reviewed by the department leader then the centre director, as in ho-kinh-doanh."""
    assessment, reviews = _assessment_and_extension_steps(PROCESSES / folder / f"{folder}.bpmn")
    assert assessment == [None]
    assert reviews == SAMPLE_REVIEWS
    checked = CliRunner().invoke(main, ["validate", "--simulate", str(PROCESSES / folder)])
    assert checked.exit_code == 0, checked.output
    assert "9 bước" in checked.stdout, checked.stdout  # the sample's nine steps (ho-kinh-doanh)


def test_the_same_day_skeleton_offers_extension_and_supplement_D18_D12(tmp_path):
    """`tthc procedure new --same-day` writes the sample's assessment and extension review steps (D17–D18, D12)
    and the folder it writes validates and simulates."""
    env = {"TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
           "TTHC_PROCESSES_DIR": str(tmp_path / "processes"), "TTHC_FORMS_DIR": str(ROOT / "forms")}
    (tmp_path / "processes").mkdir()
    made = CliRunner().invoke(main, ["procedure", "new", "cap-ban-sao", "--code", "1.009997", "--title",
                                     "Cấp bản sao trong ngày", "--same-day"], env=env)
    assert made.exit_code == 0, made.output
    folder = tmp_path / "processes" / "cap-ban-sao"
    assessment, reviews = _assessment_and_extension_steps(folder / "cap-ban-sao.bpmn")
    assert assessment == [None] and reviews == SAMPLE_REVIEWS
    checked = CliRunner().invoke(main, ["validate", "--simulate", str(folder)], env=env)
    assert checked.exit_code == 0, checked.output
    assert "cảnh báo" not in checked.stderr
