"""`tthc simulate` keeps time's arrow: no event is stamped before the filing or before the step that made it due.

A 3-working-hour procedure received at 09:30 on Monday 23/11/2026 is due at 14:30 the same day (09:30–11:30,
then 13:30–14:30). Its D19 warning, one working day before the due instant, falls on Friday 20/11/2026 14:30:
before the dossier even existed. The simulator fired timers at their due instants, so the timeline showed a
warning dated three days before the filing.
"""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import iso
from engine.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "processes" / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn"


def three_working_hours(tmp_path: Path) -> Path:
    """The sample procedure with a processing time of 3 working hours."""
    xml = SAMPLE.read_text(encoding="utf-8")
    old_value = '<spiffworkflow:property name="duration" value="3" />'
    old_unit = '<spiffworkflow:property name="durationUnit" value="working_day" />'
    assert old_value in xml and old_unit in xml
    xml = xml.replace(old_unit, '<spiffworkflow:property name="durationUnit" value="working_hour" />')
    path = tmp_path / "ba-gio.bpmn"
    path.write_text(xml, encoding="utf-8")
    return path


def simulate(tmp_path: Path, steps: list[dict]) -> dict:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"procedure": str(three_working_hours(tmp_path)), "steps": steps}),
                        encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_warning_due_before_the_filing_is_stamped_when_the_step_that_made_it_due_is_done(tmp_path):
    out = simulate(tmp_path, [
        {"at": "2026-11-23T09:00:00+07:00", "do": "file", "form": {}},
        {"at": "2026-11-23T09:30:00+07:00", "do": "receive"},
        {"at": "2026-11-23T10:00:00+07:00", "do": "tick"},
        {"at": "2026-11-23T16:00:00+07:00", "do": "tick"},
    ])
    assert out["dossier"]["due_at"] == iso(2026, 11, 23, 14, 30)
    events = out["events"]
    seen = [(e["type"], e["at"]) for e in events]
    filed = iso(2026, 11, 23, 9, 0)
    assert seen[0] == ("filed", filed)
    assert all(at >= filed for _, at in seen), seen
    # the warning fell due before the receipt that set the due instant: the timer service does it at once
    assert ("warning", iso(2026, 11, 23, 9, 30)) in seen
    assert seen.index(("received", iso(2026, 11, 23, 9, 30))) < seen.index(("warning", iso(2026, 11, 23, 9, 30)))
    assert ("overdue", iso(2026, 11, 23, 14, 30)) in seen
    assert [t for t, _ in seen].count("warning") == 1


def test_every_event_follows_the_step_before_it(tmp_path):
    """Steps at 09:00, 09:30 and a tick the next day: each event is at or after the step that preceded it."""
    steps = [{"at": "2026-11-23T09:00:00+07:00", "do": "file", "form": {}},
             {"at": "2026-11-23T09:30:00+07:00", "do": "receive"},
             {"at": "2026-11-25T08:00:00+07:00", "do": "tick"}]
    out = simulate(tmp_path, steps)
    ats = [e["at"] for e in out["events"]]
    assert ats == sorted(ats)
    step_times = [s["at"] for s in steps]
    for event in out["events"]:
        before = [t for t in step_times if t <= event["at"]]
        assert before, event  # nothing before the first step (the filing)


def run_scenario(tmp_path: Path, procedure: Path, steps: list[dict]) -> dict:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"procedure": str(procedure), "steps": steps}), encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_result_issued_at_its_due_instant_is_in_time(tmp_path):
    """D19: filed Tue 01/12/2026 08:30, received 09:00, 3 working days: due Fri 04/12/2026 09:00. The clerk issues
    the result at 09:00 sharp: in time (work done at the due instant is not late), so no overdue, no apology, and
    the result is returned on Tuesday without a letter. The simulator fired the 09:00 overdue before the step."""
    out = run_scenario(tmp_path, SAMPLE, [
        {"at": "2026-12-01T08:30:00+07:00", "do": "file"}, {"at": "2026-12-01T09:00:00+07:00", "do": "receive"},
        {"at": "2026-12-03T10:00:00+07:00", "do": "propose_approval"},
        {"at": "2026-12-03T11:00:00+07:00", "do": "approve"},
        {"at": "2026-12-04T09:00:00+07:00", "do": "issue_result"},
        {"at": "2026-12-08T10:00:00+07:00", "do": "return_result"}])
    types = [e["type"] for e in out["events"]]
    assert out["dossier"]["due_at"] == "2026-12-04T09:00:00+07:00"
    assert "overdue" not in types and "rule_refused" not in types and "letter_issued" not in types, types
    assert types[-2:] == ["resolved", "returned"] and out["dossier"]["late"] is False


LLTP = SAMPLE.parent.parent / "ly-lich-tu-phap" / "ly-lich-tu-phap.bpmn"


def test_the_other_agencys_part_is_warned_and_overdue_at_its_own_instants_and_shown(tmp_path):
    """D33, D19: a criminal record certificate filed Tue 01/12/2026 08:30, received 09:00, is handed to the police
    at once for 5 working days: their part is due Tue 08/12 09:00, warned Mon 07/12 09:00. With no step between
    (one tick on 16/12), both fire at those instants, not when the main dossier's own timer next fires (its
    warning, 14/12); the output shows the part's timeline under ``sub_dossiers``."""
    out = run_scenario(tmp_path, LLTP, [
        {"at": "2026-12-01T08:30:00+07:00", "do": "file"}, {"at": "2026-12-01T09:00:00+07:00", "do": "receive"},
        {"at": "2026-12-16T09:00:00+07:00", "do": "tick"}])
    [part] = out["sub_dossiers"]
    timeline = {e["type"]: e["at"] for e in part["events"]}
    assert timeline["warning"] == "2026-12-07T09:00:00+07:00" and timeline["overdue"] == "2026-12-08T09:00:00+07:00"
    main_timeline = {e["type"]: e["at"] for e in out["events"]}
    assert main_timeline["warning"] == "2026-12-14T09:00:00+07:00", main_timeline
    (tmp_path / "plain").mkdir()
    assert "sub_dossiers" not in run_scenario(tmp_path / "plain", SAMPLE, [
        {"at": "2026-12-01T08:30:00+07:00", "do": "file"}])  # a dossier of one agency: the output as before


def test_steps_written_out_of_time_order_run_by_time_and_the_designer_is_told(tmp_path):
    """A step dated before the one written above it (a typo in a date, most often) still runs at its instant, as
    api.md's timeline is one of instants, but no longer silently: one warning on stderr names the step."""
    steps = [{"at": "2026-11-23T09:00:00+07:00", "do": "file", "form": {}},
             {"at": "2026-11-25T08:00:00+07:00", "do": "tick"},
             {"at": "2026-11-23T09:30:00+07:00", "do": "receive"}]
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"procedure": str(SAMPLE), "steps": steps}), encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == ("cảnh báo: bước 3 có thời điểm sớm hơn bước viết trước nó; các bước được chạy "
                                     "theo thời điểm, không theo thứ tự viết")
    assert [e["type"] for e in json.loads(result.stdout)["events"]][:2] == ["filed", "received"]
    in_order = [steps[0], steps[2], steps[1]]
    scenario.write_text(json.dumps({"procedure": str(SAMPLE), "steps": in_order}), encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0 and result.stderr == "", result.stderr
