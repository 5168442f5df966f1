"""D30 with D13-D15: a step's own time limit in working days is counted again when the calendar changes, even where
the dossier's own deadlines do not move (a procedure counted in calendar days)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from conftest import CITIZEN, SAMPLE, iso, vn
from test_official_forms import at, with_dossier
from test_replanning import cli_clock, tthc  # noqa: F401 (cli_clock: the command at the test's time)

from engine.data.model import WorkItem

RECEIVER, SPECIALIST, ADMIN = "demo.tiepnhan", "demo.chuyenvien", "demo.admin"
ASSESSMENT = '<spiffworkflow:property name="step" value="assessment" />'


@pytest.fixture
def backend():
    return "sqlite"


def deploy(api, *, duration: str, unit: str, step_limit: tuple[str, str]) -> None:
    """The sample with the process's duration ``duration`` ``unit`` and its assessment task limited to
    ``step_limit`` (value, unit), as the sample's next version."""
    xml = SAMPLE.read_text(encoding="utf-8")
    xml = xml.replace('<spiffworkflow:property name="duration" value="3" />',
                      f'<spiffworkflow:property name="duration" value="{duration}" />', 1)
    xml = xml.replace('<spiffworkflow:property name="durationUnit" value="working_day" />',
                      f'<spiffworkflow:property name="durationUnit" value="{unit}" />', 1)
    value, step_unit = step_limit
    xml = xml.replace(ASSESSMENT, ASSESSMENT + f'<spiffworkflow:property name="duration" value="{value}" />'
                                               f'<spiffworkflow:property name="durationUnit" value="{step_unit}" />')
    r = api.post("/api/v1/procedures", ADMIN, content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(xml.encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()

def received_with_a_step_limit(api, clock) -> str:
    """A procedure of 10 calendar days whose assessment has its own 2 working days, filed Mon 23/11/2026 09:00 and
    received 09:30: the dossier is due Thu 03/12 09:30, the assessment item Thu 26/11 09:30."""
    deploy(api, duration="10", unit="calendar_day", step_limit=("2", "working_day"))
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, 9, 30))
    api.act(RECEIVER, code, "receive")
    return code



def item_due(app, code: str):
    return with_dossier(app, code, lambda session, d: session.scalar(
        select(WorkItem.due_at).where(WorkItem.dossier_id == d.id)))


def test_a_day_made_off_moves_a_steps_own_working_day_limit_when_the_dossiers_calendar_days_do_not_move(
        api, app, clock, settings):
    """D30, D13-D15: a procedure of 10 calendar days (a building permit counts them so) whose assessment step has
    its own limit of 2 working days. Received Mon 23/11/2026 09:30: the dossier is due Thu 03/12 09:30, the step
    Thu 26/11 09:30 (Tue 24/11 is a holiday). Wed 25/11 made a day off: the dossier's calendar-day due time does
    not move, but the step's two working days now end Fri 27/11 09:30."""
    deploy(api, duration="10", unit="calendar_day", step_limit=("2", "working_day"))
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, 9, 30))
    dossier = api.act(RECEIVER, code, "receive")
    assert dossier["due_at"] == iso(2026, 12, 3, 9, 30)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 26, 9, 30)
    tthc(settings, "set", "2026-11-25", "off", "--name", "Nghỉ đột xuất")
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 12, 3, 9, 30)
    assert item_due(app, code) == vn(2026, 11, 27, 9, 30)


def test_a_years_notice_previews_and_applies_a_steps_own_limit_that_moves_alone(api, app, clock):
    """The same day off as a year's notice: the preview lists the assessment step moving from Thu 26/11 09:30 to
    Fri 27/11 09:30 (the dossier's own due time stays), and applying the notice writes it."""
    code = received_with_a_step_limit(api, clock)
    notice = {"agency": "000.00.06.H56", "days": [{"day": "2026-11-25", "kind": "off", "name": "Nghỉ đột xuất"}]}
    r = api.post("/api/v1/calendar/preview", ADMIN, json=notice)
    assert r.status_code == 200, r.get_json()
    [moved] = [d for d in r.get_json()["dossiers"] if d["code"] == code]
    assert moved["moves"] == []
    assert [(s["from"], s["to"]) for s in moved["steps"]] == [(iso(2026, 11, 26, 9, 30), iso(2026, 11, 27, 9, 30))]
    r = api.post("/api/v1/calendar/apply", ADMIN, json=notice)
    assert r.status_code == 200, r.get_json()
    assert item_due(app, code) == vn(2026, 11, 27, 9, 30)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 11, 27, 9, 30)


# -- D29: a dead letter sent again by the administrator of the agency processing the dossier ------------------
