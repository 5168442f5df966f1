"""The procedure library (`processes/`): every folder is a procedure a one-stop shop can deploy as it is.

Each folder holds its BPMN file(s) with a diagram, its README citing the legal basis, its result template, and
`scenarios/*.json`: `tthc simulate` scenarios (the format of api.md) with an `expect` block that this test checks
against the real engine's timeline:

    "expect": {"status": 10,                       # the dossier's status at the end
               "due_at": "2026-12-02T17:00:00+07:00",
               "events": ["filed", "received", "resolved", "returned"],   # in this order (others may come between)
               "absent": ["overdue"]}               # event types that must not occur

Every procedure also deploys in the demo province (tests/test_demo_province.py loads the whole folder).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from engine.cli import main
from engine.cli.demo import AGENCIES
from engine.core.settings import load_settings
from engine.process import procedures

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
FOLDERS = sorted(d for d in PROCESSES.iterdir() if d.is_dir() and any(d.glob("*.bpmn")))
SCENARIOS = [pytest.param(s, id=f"{d.name}/{s.stem}") for d in FOLDERS for s in sorted(d.glob("scenarios/*.json"))]
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DRAWN = ("task", "userTask", "serviceTask", "scriptTask", "manualTask", "callActivity", "startEvent", "endEvent",
         "exclusiveGateway", "parallelGateway", "intermediateCatchEvent", "intermediateThrowEvent",
         "boundaryEvent", "subProcess", "eventBasedGateway", "receiveTask", "sendTask")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda d: d.name)
def test_each_procedure_folder_is_complete_and_validates(folder, tmp_path):
    assert (folder / "README.md").is_file(), f"{folder.name}: no README.md (legal basis)"
    assert list(folder.glob("scenarios/*.json")), f"{folder.name}: no scenarios/*.json"
    settings = load_settings({}, data_dir=str(tmp_path))
    known = {code for code, *_ in AGENCIES}
    for bpmn in sorted(folder.glob("*.bpmn")):
        definition = procedures.load_file(bpmn, settings.forms_dir)  # raises with every problem
        assert definition.info["agency"] in known, f"{bpmn.name}: agency {definition.info['agency']} not in the demo"
        tree = etree.parse(str(bpmn))
        drawn = set(tree.xpath("//di:BPMNShape/@bpmnElement", namespaces={"di": BPMNDI}))
        nodes = {el.get("id") for name in DRAWN for el in tree.iter(f"{{{BPMN}}}{name}")}
        assert nodes and nodes <= drawn, f"{bpmn.name}: not drawn in the diagram: {sorted(nodes - drawn)}"


def test_no_two_files_share_a_process_id_or_a_procedure_code():
    seen_ids: dict[str, Path] = {}
    seen_codes: dict[str, Path] = {}
    for folder in FOLDERS:
        for bpmn in folder.glob("*.bpmn"):
            tree = etree.parse(str(bpmn))
            for process in tree.iter(f"{{{BPMN}}}process"):
                assert process.get("id") not in seen_ids, (bpmn, seen_ids.get(process.get("id")))
                seen_ids[process.get("id")] = bpmn
            for code in tree.xpath("//*[local-name()='property'][@name='procedureCode']/@value"):
                assert code not in seen_codes, (bpmn, seen_codes.get(code))
                seen_codes[code] = bpmn


def _subsequence(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(any(kind == w for kind in it) for w in wanted)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_runs_as_its_folder_says(scenario, tmp_path):
    spec = json.loads(scenario.read_text(encoding="utf-8"))
    expect = spec.get("expect")
    assert expect, f"{scenario}: no 'expect' block"
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    kinds = [e["type"] for e in out["events"]]
    assert "rule_refused" not in kinds or "rule_refused" in expect.get("events", []), out["events"]
    if "status" in expect:
        assert out["dossier"]["status"] == expect["status"], (out["dossier"]["status"], kinds)
    if "due_at" in expect:
        assert out["dossier"]["due_at"] == expect["due_at"]
    assert _subsequence(expect.get("events", []), kinds), (expect.get("events"), kinds)
    for kind in expect.get("absent", []):
        assert kind not in kinds, (kind, out["events"])
