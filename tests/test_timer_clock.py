"""Timers fire on the engine's injected clock, without patching SpiffWorkflow's modules.

A non-interrupting boundary timer on the intake task of a small procedure: a duration, a date and a cycle.
The instants are chosen so the machine's real clock gives the other answer (years 2020 and 2040): a timer that
read the real clock would fire (or not) regardless of the injected instant. A spec stored by the library's
own classes (what versions deployed before this change hold) restores, runs and fires the same way.
"""
from __future__ import annotations

import datetime as real_datetime
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.process import bpmnparser, runtime, timerevents

FIXTURE = Path(__file__).resolve().parent / "processes" / "timer-bare-duration.bpmn"
BARE = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P3D</bpmn:timeDuration>'
PAST, FUTURE = datetime(2020, 3, 2, 8, tzinfo=timezone.utc), datetime(2040, 3, 5, 8, tzinfo=timezone.utc)


def bpmn_with(timer_xml: str) -> bytes:
    text = FIXTURE.read_text(encoding="utf-8")
    assert BARE in text
    return text.replace(BARE, timer_xml).encode("utf-8")


def duration(expr: str) -> str:
    return f'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{expr}</bpmn:timeDuration>'


def spec_json_of(bpmn: bytes, *, library_classes: bool = False) -> str:
    tree = bpmnparser.parse_xml(bpmn)
    if not library_classes:
        return runtime.serialize_spec(*bpmnparser.parse_spec(tree, "t.bpmn", "minimal"))
    parser = SpiffBpmnParser(validator=VALIDATOR)  # what the engine parsed with before this change
    parser.add_bpmn_xml(tree, "t.bpmn")
    ser = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(dict(SPIFF_CONFIG)))
    spec, subs = parser.get_spec("minimal"), parser.get_subprocess_specs("minimal")
    return json.dumps({"spec": ser.to_dict(spec), "subprocess_specs": {k: ser.to_dict(v) for k, v in subs.items()}})


def fired(process: runtime.Process) -> bool:
    """The boundary timer's path reached its end event."""
    return any(t.task_spec.name == "end_nhac_han" and t.state == 64 for t in process._wf.get_tasks())


def start(spec_json: str, at: datetime, key: str) -> runtime.Process:
    return runtime.Process.start((key, key), spec_json, {}, 5.0, at)


def reload(process: runtime.Process, spec_json: str, key: str) -> runtime.Process:
    return runtime.Process.load((key, key), spec_json, process.dump(), 5.0)


@pytest.mark.parametrize("library_classes", [False, True], ids=["deployed-now", "deployed-before"])
@pytest.mark.parametrize("t0", [PAST, FUTURE], ids=["2020", "2040"])
def test_a_duration_timer_fires_one_hour_after_the_injected_instant(t0, library_classes):
    spec = spec_json_of(bpmn_with(duration('"PT1H"')), library_classes=library_classes)
    key = f"dur-{t0.year}-{library_classes}"
    process = start(spec, t0, key)
    assert process.next_timer_at() == t0 + timedelta(hours=1)
    process = reload(process, spec, key)
    process.fire_timers(t0 + timedelta(minutes=59))
    assert not fired(process)
    process = reload(process, spec, key)
    process.fire_timers(t0 + timedelta(minutes=61))
    assert fired(process)


@pytest.mark.parametrize("t0", [PAST, FUTURE], ids=["2020", "2040"])
def test_a_date_timer_fires_when_the_injected_clock_passes_it(t0):
    due = t0 + timedelta(days=2)
    spec = spec_json_of(bpmn_with(f'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">"{due.isoformat()}"'
                                  f'</bpmn:timeDate>'))
    process = start(spec, t0, f"date-{t0.year}")
    process.fire_timers(due - timedelta(seconds=1))
    assert not fired(process)
    process.fire_timers(due + timedelta(seconds=1))
    assert fired(process)


@pytest.mark.parametrize("t0", [PAST, FUTURE], ids=["2020", "2040"])
def test_a_cycle_timer_counts_its_cycles_on_the_injected_clock(t0):
    spec = spec_json_of(bpmn_with('<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R2/PT30M"</bpmn:timeCycle>'))
    process = start(spec, t0, f"cycle-{t0.year}")
    assert process.next_timer_at() == t0 + timedelta(minutes=30)
    process.fire_timers(t0 + timedelta(minutes=29))
    assert not fired(process)
    process.fire_timers(t0 + timedelta(minutes=31))
    assert fired(process) and process.next_timer_at() == t0 + timedelta(minutes=60)


def test_the_stored_spec_keeps_the_library_type_names():
    bpmn = bpmn_with(duration('"PT1H"'))
    ours, theirs = json.loads(spec_json_of(bpmn)), json.loads(spec_json_of(bpmn, library_classes=True))
    assert ours == theirs
    assert '"typename":"DurationTimerEventDefinition"' in spec_json_of(bpmn)
    restored, _ = runtime._spec(("typename", "typename"), spec_json_of(bpmn, library_classes=True))
    [boundary] = [s for s in restored.task_specs.values() if s.name == "nhac_han"]
    assert isinstance(boundary.event_definition, timerevents.DurationTimerEventDefinition)


def test_importing_the_engine_leaves_spiffworkflow_reading_the_real_datetime():
    code = ("import engine.web, engine.cli, engine.timers, engine.simulate, datetime\n"
            "from SpiffWorkflow.bpmn.specs.event_definitions import timer\n"
            "assert timer.datetime is datetime.datetime, timer.datetime\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent,
                   env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    from SpiffWorkflow.bpmn.specs.event_definitions import timer
    assert timer.datetime is real_datetime.datetime


def test_a_zero_timer_on_a_path_back_to_its_own_task_stops_with_a_process_failure_instead_of_firing_for_ever():
    """An interrupting PT0S timer whose path leads back to the task it is attached to: each firing sets it again,
    due at the very instant. The timer service's sweep fired it again and again (its dossier due at once each
    time), never ended, and held the dossier against the administrator's own commands."""
    text = bpmn_with(duration('"PT0S"')).decode("utf-8")
    text = text.replace('cancelActivity="false"', 'cancelActivity="true"')
    text = text.replace('<bpmn:sequenceFlow id="Flow_nhac_han" sourceRef="nhac_han" targetRef="end_nhac_han" />',
                        '<bpmn:sequenceFlow id="Flow_nhac_han" sourceRef="nhac_han" targetRef="tiep_nhan" />')
    text = text.replace('<bpmn:incoming>Flow_nhac_han</bpmn:incoming>\n    </bpmn:endEvent>', '</bpmn:endEvent>')
    text = text.replace('<bpmn:incoming>Flow_nop</bpmn:incoming>',
                        '<bpmn:incoming>Flow_nop</bpmn:incoming>\n      <bpmn:incoming>Flow_nhac_han</bpmn:incoming>')
    spec = spec_json_of(text.encode("utf-8"))
    process = start(spec, PAST, "zero-loop")
    assert process.next_timer_at() == PAST
    with pytest.raises(runtime.ProcessFailure, match="đến hạn lại ngay khi vừa chạy"):
        process.fire_timers(PAST)


@pytest.mark.parametrize("t0", [PAST], ids=["2020"])
def test_a_cycle_behind_the_clock_catches_up_in_one_firing(t0):
    """R5/PT1H fired 3 hours 30 minutes late is not taken for a timer that fires for ever (each occurrence moves
    forward): no failure, and the next one is after the instant of the firing."""
    spec = spec_json_of(bpmn_with('<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R5/PT1H"</bpmn:timeCycle>'))
    process = start(spec, t0, "cycle-catch-up")
    process.fire_timers(t0 + timedelta(hours=3, minutes=30))
    assert process.next_timer_at() > t0 + timedelta(hours=3, minutes=30)
