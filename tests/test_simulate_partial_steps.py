"""`tthc simulate` takes partial steps and checks the scenario before it runs.

api.md ("Simulation scenario"): "`form` and `data` may be partial: the simulator fills the remaining required
fields with valid sample values from the form schema" – an extension request that names neither its working
hours nor its working days is completed with one of them (D17; 1 working day or hour is within D18's third of
the sample procedure's 3 working days).
README (`tthc simulate`): "the scenario is checked before it runs (... times of 1976–2100), exit 1 naming the
step" – a bad time, a missing one, or a misspelt key of a step names that step.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "processes" / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn"
# Tuesday 01/12/2026: filed 08:30, received 09:00 (3 working days: due Friday 04/12/2026 09:00)
FILED = {"at": "2026-12-01T08:30:00+07:00", "do": "file"}
RECEIVED = {"at": "2026-12-01T09:00:00+07:00", "do": "receive"}


def simulate(tmp_path: Path, steps: list) -> object:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"procedure": str(SAMPLE), "steps": steps}, ensure_ascii=False), encoding="utf-8")
    return CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})


@pytest.mark.parametrize("data", [None, {}, {"reason": "Cần xác minh thực tế địa điểm kinh doanh"}],
                         ids=["no-data", "empty", "reason-only"])
def test_a_partial_extension_request_is_completed_and_requested(tmp_path, data):
    """The specialist asks for an extension on Wednesday 02/12/2026 09:00, naming no length of it."""
    step = {"at": "2026-12-02T09:00:00+07:00", "do": "request_extension", **({"data": data} if data is not None else {})}
    done = simulate(tmp_path, [FILED, RECEIVED, step])
    assert done.exit_code == 0, done.output
    events = json.loads(done.stdout)["events"]
    assert not [e for e in events if e["type"] in ("step_failed", "rule_refused")], events
    assert [e["at"] for e in events if e["type"] == "extension_requested"] == ["2026-12-02T09:00:00+07:00"]


def test_an_extension_without_its_length_names_a_field_of_the_choice(api):
    """An extension request (D17) with only its reason: the refusal names one of the fields to give (the form
    shows it by that input), never the form as a whole."""
    code = api.file()["code"]
    api.act("demo.tiepnhan", code, "receive")
    task = api.task_for("demo.chuyenvien", code)
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", "demo.chuyenvien",
                 json={"action": "request_extension", "data": {"reason": "Cần xác minh thêm"}})
    assert r.status_code == 422, r.get_json()
    fields = r.get_json()["error"]["fields"]
    assert "" not in fields and set(fields) & {"working_hours", "working_days"}, fields


@pytest.mark.parametrize("at", ["2027-02-31T08:30:00+07:00", "2101-01-03T08:30:00+07:00", None,
                                "9999-12-31T23:59:59-12:00", 20261202],
                         ids=["31-feb", "year-2101", "missing", "past-the-last-date", "a-number"])
def test_a_bad_time_names_its_step(tmp_path, at):
    bad = {"do": "receive", **({"at": at} if at is not None else {})}
    done = simulate(tmp_path, [FILED, RECEIVED, bad])
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output
    assert done.stderr.startswith("lỗi: bước 3: "), done.stderr


@pytest.mark.parametrize("key", ["dta", "whne"])
def test_a_misspelt_key_of_a_step_names_the_step_and_the_key(tmp_path, key):
    """A misspelt "data" ran the step on sample values as if none were written: refused before anything runs."""
    step = {"at": "2026-12-02T09:00:00+07:00", "do": "request_extension", key: {"working_days": 1, "reason": "x"}}
    done = simulate(tmp_path, [FILED, RECEIVED, step])
    assert done.exit_code == 1, done.output
    assert done.stderr.startswith("lỗi: bước 3: ") and repr(key) in done.stderr, done.stderr


def test_a_missing_scenario_file_is_told_in_words(tmp_path):
    """The real command (its console entry): one Vietnamese line naming the file, not the system's English."""
    missing = tmp_path / "khong-co.json"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "TTHC_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", "from engine.cli import run; run()", "simulate", str(missing)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "không có tệp hoặc thư mục này" in lines[0] and "khong-co.json" in lines[0], lines
    assert "Errno" not in done.stderr and "No such file" not in done.stderr, done.stderr
