"""A procedure's script can fail in any way, and it fails alone (issue #11 items 2, 3, 4).

Whatever a BPMN script raises (SystemExit and KeyboardInterrupt included), however much work or memory it
asks for in one C-level operation, the dossier it belongs to becomes an incident in a sweep or its request
answers 422 within a bounded time; the other dossiers and requests go on. Real procedures are deployed through
the API and run by the real engine.
"""
from __future__ import annotations

import io
import time
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest
from sqlalchemy import func, select

from conftest import CITIZEN, SAMPLE_FORM
from engine import timers
from engine.core.clock import VN_TZ
from engine.data.model import AuditEvent, Dossier, Incident

FIXTURES = Path(__file__).resolve().parent / "processes"
POISON_TIMER = FIXTURES / "poison-timer.bpmn"          # 9.000002: a boundary timer runs raise SystemExit(3)
SCRIPT_ON_FILING = FIXTURES / "script-on-filing.bpmn"  # 9.000003: a script task runs at filing ("so = 1")
RECEIVER = "demo.tiepnhan"


def deploy(api, bpmn: bytes, name: str) -> None:
    r = api.post("/api/v1/procedures", "demo.admin", data={"bpmn": (io.BytesIO(bpmn), name)},
                 content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()


def file_on(api, code: str):
    return api.post("/api/v1/dossiers", CITIZEN, json={"procedure": code, "form": SAMPLE_FORM})


def refused_422(response) -> dict:
    text = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, text[:500])
    assert "Traceback" not in text
    return response.get_json()["error"]


def dossier_count(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(Dossier))


def overdue_counts(app, codes: list[str]) -> dict[str, int]:
    with app.extensions["tthc"]["sessions"]() as session:
        rows = session.execute(select(Dossier.code, func.count(AuditEvent.id))
                               .join(AuditEvent, AuditEvent.dossier_id == Dossier.id)
                               .where(Dossier.code.in_(codes), AuditEvent.action == "overdue")
                               .group_by(Dossier.code)).all()
    return {code: dict(rows).get(code, 0) for code in codes}


@pytest.fixture
def poisoned(api, clock):
    """Five ordinary dossiers received Monday 23/11/2026 09:00 (due Thursday 26/11 09:00) and one dossier of a
    procedure whose boundary timer (one hour after filing) runs ``raise SystemExit(3)``."""
    deploy(api, POISON_TIMER.read_bytes(), POISON_TIMER.name)
    ordinary = [api.file(CITIZEN)["code"] for _ in range(5)]
    for code in ordinary:
        api.act(RECEIVER, code, "receive")
    r = file_on(api, "9.000002")
    assert r.status_code == 201, r.get_json()
    return ordinary, r.get_json()["code"]


def incidents_of(app, code: str) -> list[Incident]:
    with app.extensions["tthc"]["sessions"]() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        return list(session.scalars(select(Incident).where(Incident.dossier_id == dossier_id)))


def test_a_poison_timer_script_becomes_an_incident_and_the_sweep_marks_the_others(app, settings, poisoned):
    ordinary, poison = poisoned
    sessions = app.extensions["tthc"]["sessions"]
    done = timers.sweep(sessions, settings, datetime(2026, 11, 27, 9, 0, tzinfo=VN_TZ))  # returns, no exit
    assert done.incidents == 1
    assert done.effects.get("overdue") == 5
    assert overdue_counts(app, ordinary) == {code: 1 for code in ordinary}
    [incident] = incidents_of(app, poison)
    assert "SystemExit" in incident.message or "SystemExit" in incident.message.replace("'", "")
    # The next sweep at the same instant leaves the poison dossier for later (retried, not looped on).
    again = timers.sweep(sessions, settings, datetime(2026, 11, 27, 9, 0, tzinfo=VN_TZ))
    assert again.incidents == 0 and again.effects == {}


class _Scheduler:
    """Collects the heartbeat job instead of running it on a schedule (the job itself is the real code)."""

    def add_job(self, func, *args, **kwargs) -> None:
        self.job = func


def test_the_heartbeat_of_tthc_serve_survives_a_poison_script(app, settings, clock, poisoned):
    ordinary, poison = poisoned
    scheduler = _Scheduler()
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=VN_TZ))
    timers._add_heartbeat(scheduler, app.extensions["tthc"]["sessions"], settings, clock)
    scheduler.job()  # raised SystemExit before
    assert overdue_counts(app, ordinary) == {code: 1 for code in ordinary}
    assert len(incidents_of(app, poison)) == 1


# -- the web path: a script run by a request ------------------------------------------------------------
def with_script(script: str) -> bytes:
    text = SCRIPT_ON_FILING.read_text(encoding="utf-8")
    assert text.count("<bpmn:script>so = 1</bpmn:script>") == 1
    return text.replace("so = 1", xml_escape(script)).encode("utf-8")


@pytest.mark.parametrize("script", [
    "stop = SystemExit\nraise stop(3)",  # a call lint lets through (a name the script binds), like one deployed before
    "raise KeyboardInterrupt",
    "x = pow(7, 4*10**6) > 0",
    "x = 7 ** (4*10**6)",
    "x = 'a' * (5*10**7)",
    "x = [0] * 10**8",
    "x = 1 << 10**9",
    "s = 'ab'\nfor i in range(60):\n    s = s + s",
    "s = [1]\nfor i in range(60):\n    s.extend(s)",
    "x = 'a'.ljust(10**9)",
    "x = ('a' * 1000).replace('a', 'b' * 10000)",
    "x = '%1000000000d' % 1",
    "x = f'{1:>{10**9}}'",
    "x = sum([[1] * 1000] * 1000, [])",
    "x = ['a' * 900000, 'b' * 900000]",  # each value allowed, the task data they make is too much
    "x = [('a' * 900000)[:] + str(i) for i in range(900)]",  # caught by the memory check
    "while ho_so['so_lao_dong'] == 2:\n    pass",  # a loop the citizen's form reaches, not the deploy's sample
])
def test_a_script_that_stops_raises_or_grows_makes_the_filing_422_and_stores_nothing(api, app, script):
    deploy(api, with_script(script), SCRIPT_ON_FILING.name)
    before = dossier_count(app)
    started = time.monotonic()
    error = refused_422(file_on(api, "9.000003"))
    assert time.monotonic() - started < 10  # generous: each case is refused in well under a second here
    assert error["code"] == "process_error"
    assert dossier_count(app) == before
    assert api.file(CITIZEN)["code"]  # the service goes on


def test_ordinary_big_but_bounded_work_still_runs(api, app):
    script = "x = 2 ** 1000 * 3\ny = 'ab' * 1000\nz = f'{3.14159:>10.2f}'\nw = '%05d' % 42\nv = [1, 2] * 3"
    deploy(api, with_script(script), SCRIPT_ON_FILING.name)
    assert file_on(api, "9.000003").status_code == 201


def test_a_condition_doing_c_level_work_answers_422_quickly(api, app):
    # The intake offers receive only, so that a condition the validation cannot decide is legal wherever it goes.
    text = (SCRIPT_ON_FILING.read_text(encoding="utf-8")
            .replace('action == "receive"', 'pow(7, 4*10**6) &gt; 0 or action == "receive"')
            .replace('name="actions" value="receive, refuse"', 'name="actions" value="receive"'))
    deploy(api, text.encode("utf-8"), SCRIPT_ON_FILING.name)
    r = file_on(api, "9.000003")
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    task = api.task_for(RECEIVER, code)
    started = time.monotonic()
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", RECEIVER, json={"action": "receive", "data": {}})
    assert time.monotonic() - started < 10  # 5.4 s before, on a fast machine
    assert refused_422(r)["code"] == "process_error"


@pytest.mark.parametrize("script", ["while True:\n    pass", "n = 0\nwhile n >= 0:\n    n += 1"])
def test_a_script_that_never_ends_at_filing_is_refused_at_deploy_with_its_line(api, app, script):
    """Deployed, a script on the filing's path that never ends refused every filing of the version (422 after the
    time limit, each time). The deploy now starts the process on the filing form's sample data first: the upload
    is refused with the script task's line, and nothing is deployed."""
    r = api.post("/api/v1/procedures", "demo.admin", data={"bpmn": (io.BytesIO(with_script(script)), "vong-lap.bpmn")},
                 content_type="multipart/form-data")
    error = refused_422(r)
    [problem] = error["problems"]
    assert problem["element"] == "ghi_so" and problem["line"] == 60, problem
    assert "kịch bản chạy quá 3 giây, gấp 3 lần thời gian cho phép (1 giây" in problem["message"], problem
    assert "mọi hồ sơ nộp vào phiên bản này sẽ bị từ chối" in problem["message"]
    assert api.get("/api/v1/procedures/9.000003", CITIZEN).status_code == 404


def test_the_trial_start_names_a_loop_of_automatic_steps_and_leaves_other_failures_to_the_filing():
    """engine.cases.trialstart on its own: a loop of automatic steps with no person's task (stored before the lint
    refused it) is a problem; a script that fails on the sample (a division by zero) is not, the filing answers
    422 for it with the citizen's own data."""
    from engine.cases import trialstart
    from engine.process import bpmnparser, lint, procedures, runtime

    def definition(path, text=None):
        bpmn = text.encode("utf-8") if text else path.read_bytes()
        _problems, info, tree = lint.lint(bpmn, path.name, {})
        spec, subs = bpmnparser.parse_spec(tree, path.name, info["process_id"])
        return procedures.Definition(file_name=path.name, process_id=info["process_id"],
                                     bpmn_xml=bpmnparser.xml_text(bpmn, tree),
                                     spec_json=runtime.serialize_spec(spec, subs), forms={}, info=info,
                                     content_hash=f"trial:{path.name}:{len(bpmn)}")

    [problem] = trialstart.start_problems(definition(FIXTURES / "endless-loop.bpmn"), 1.0)
    assert f"quá {runtime.MAX_ENGINE_STEPS} bước tự động" in problem.message, problem
    divided = SCRIPT_ON_FILING.read_text(encoding="utf-8").replace("so = 1", "so = 1 / 0")
    assert trialstart.start_problems(definition(SCRIPT_ON_FILING, divided), 1.0) == []
