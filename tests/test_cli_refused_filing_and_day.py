"""The command line tells an error in one line naming the step or the argument, with a non-zero exit (README):
- `tthc simulate` whose filing (step 1, Monday 23/11/2026 08:30) is refused by the form has no dossier and runs
  nothing after it: exit 1 naming step 1 and the field, not a timeline with "dossier": null and exit 0;
- `tthc calendar day|set|clear` with a date that does not exist names the DAY argument."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "processes" / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn"


def test_a_simulation_whose_filing_is_refused_fails_naming_the_step(tmp_path):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"procedure": str(SAMPLE), "steps": [
        {"at": "2026-11-23T08:30:00+07:00", "do": "file", "form": {"von_kinh_doanh": "abc"}},
        {"at": "2026-11-23T09:00:00+07:00", "do": "receive"}]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("lỗi: bước 1 (file) lúc 2026-11-23T08:30:00+07:00 không thực hiện được") and \
        "von_kinh_doanh" in line, line


def test_a_date_that_does_not_exist_names_the_day_argument(tmp_path):
    env = {"TTHC_DATA_DIR": str(tmp_path / "data")}
    for args in (["day", "2027-13-01"], ["set", "2027-13-01", "off", "--name", "x"], ["clear", "2027-02-30"]):
        result = CliRunner().invoke(main, ["calendar", *args], env=env)
        assert result.exit_code == 2, result.output
        assert "lỗi: DAY: không phải ngày YYYY-MM-DD" in result.stderr, (args, result.stderr)
