"""D19 with D28: the "sắp đến hạn" (due soon) warning is sent once per due date and person. When the due instant
moves (a fee paid, a supplement answered under the "pause" policy, an extension, a changed calendar), the warning
is due again only when its new instant (one working day before the new due) is still to come; otherwise the
person was already warned of a due that is still about a working day away (engine.law.deadlines.rewarn_after_move).

End to end through the API and the real timer sweep. Dates worked out by hand: office hours 07:00–11:30 and
13:30–17:00, Tue 24/11/2026 a public holiday. The sample procedure 1.001612 (3 working days), filed and received
Mon 23/11/2026 09:00: due Fri 27/11 09:00, warned Thu 26/11 09:00.
"""
from __future__ import annotations

import io
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from conftest import CITIZEN, OFFICERS, SAMPLE, SAMPLE_FORM, STEP_DATA, iso, vn
from payment_support import configure
from test_official_forms import at

from engine import timers
from engine.data.model import User
from engine.data.notice_model import Notice
from engine.law import deadlines
from engine.law.statuses import Status
from law_support import calendar

RECEIVER, SPECIALIST, LEADER, DIRECTOR, CLERK = (OFFICERS["intake"], OFFICERS["assessment"], OFFICERS["approval"],
                                                  "demo.giamdoc", OFFICERS["signing"])
FEE_LINE = '<spiffworkflow:property name="fee.le_phi" value="100000;at_intake;Lệ phí đăng ký hộ kinh doanh" />'
DURATION = '<spiffworkflow:property name="duration" value="3" />'
RESTART = 'name="clockOnSupplement" value="restart"'


@pytest.fixture
def backend():
    return "sqlite"


def deploy(api, *, fee: str = "before_result", duration: str = "3", clock_on_supplement: str = "restart") -> None:
    """The sample as its next version, its fee due at ``fee`` (None: no fee), lasting ``duration`` working days."""
    xml = SAMPLE.read_text(encoding="utf-8")
    assert FEE_LINE in xml and DURATION in xml and RESTART in xml
    xml = xml.replace(FEE_LINE, "" if fee is None else FEE_LINE.replace("at_intake", fee))
    xml = xml.replace(DURATION, DURATION.replace('"3"', f'"{duration}"'))
    xml = xml.replace(RESTART, f'name="clockOnSupplement" value="{clock_on_supplement}"')
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(xml.encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()


def received(api, clock) -> str:
    """Filed and received Mon 23/11/2026 09:00."""
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    return code


def sweep(app, settings, *when) -> dict:
    return dict(timers.sweep(app.extensions["tthc"]["sessions"], settings, vn(*when)).effects)


def warned(app) -> Counter:
    """How many due-soon notices each person got."""
    with app.extensions["tthc"]["sessions"]() as session:
        return Counter(session.scalars(select(User.username).join(Notice, Notice.user_id == User.id)
                                       .where(Notice.event == "warning")))


def due_of(api, code: str) -> str:
    return api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"]


def test_a_fee_paid_after_the_warning_moves_the_due_half_an_hour_and_warns_no_one_again(api, app, clock, settings):
    """The reviewer's case: approved Thu 10:00 (the fee is asked, status 6), paid Thu 10:30: due Fri 27/11 09:30.
    The sweep of Thu 10:31 warned the leader and the clerk a second time; the overdue comes at Fri 09:30."""
    deploy(api)
    configure(app, None)  # fees at the desk
    code = received(api, clock)
    assert due_of(api, code) == iso(2026, 11, 27, 9, 0)
    assert sweep(app, settings, 2026, 11, 26, 8, 59) == {}
    assert sweep(app, settings, 2026, 11, 26, 9, 0) == {"warning": 1}
    first = warned(app)
    assert first[LEADER] == 1 and first[SPECIALIST] == 1 and set(first.values()) == {1}

    at(api, clock, vn(2026, 11, 26, 9, 45))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    at(api, clock, vn(2026, 11, 26, 10, 0))
    assert api.act(LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})["status"] == Status.PAYMENT
    at(api, clock, vn(2026, 11, 26, 10, 30))
    r = api.post(f"/api/v1/dossiers/{code}/payments/desk", RECEIVER, json={"amount": 100000, "method": "cash"})
    assert r.status_code == 201, r.get_json()
    assert due_of(api, code) == iso(2026, 11, 27, 9, 30)

    for when in ((2026, 11, 26, 10, 31), (2026, 11, 26, 17, 0), (2026, 11, 27, 9, 0), (2026, 11, 27, 9, 29)):
        assert sweep(app, settings, *when) == {}, when
    assert warned(app) == first  # one due-soon notice per person, none to the clerk who now holds the result
    assert sweep(app, settings, 2026, 11, 27, 9, 30) == {"overdue": 1}
    assert warned(app) == first


def test_a_supplement_answered_under_pause_that_moves_the_due_less_than_a_day_warns_no_one_again(
        api, app, clock, settings):
    """Under "pause": asked Thu 26/11 09:30 after the warning, answered 10:00: due Fri 27/11 09:30 (half an hour
    waited), its warning instant Thu 09:30 already past: no second warning; overdue at Fri 09:30."""
    deploy(api, fee=None, clock_on_supplement="pause")
    code = received(api, clock)
    assert sweep(app, settings, 2026, 11, 26, 9, 0) == {"warning": 1}
    first = warned(app)
    at(api, clock, vn(2026, 11, 26, 9, 30))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 11, 26, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_at"] == iso(2026, 11, 27, 9, 30)
    for when in ((2026, 11, 26, 10, 1), (2026, 11, 27, 9, 0), (2026, 11, 27, 9, 29)):
        assert sweep(app, settings, *when) == {}, when
    assert warned(app) == first
    assert sweep(app, settings, 2026, 11, 27, 9, 30) == {"overdue": 1}


def test_an_extension_by_a_day_confirmed_at_the_warning_warns_again_at_its_own_time(api, app, clock, settings):
    """D17, D18: asked Wed 25/11, the centre confirms Thu 26/11 09:00 (one working day before the due, just after
    the warning): due Mon 30/11 09:00, so a new warning at Fri 27/11 09:00, overdue at Mon 30/11 09:00."""
    deploy(api, fee=None)
    code = received(api, clock)
    at(api, clock, vn(2026, 11, 25, 10, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm địa điểm"})
    api.act(LEADER, code, "confirm_extension")
    assert sweep(app, settings, 2026, 11, 26, 9, 0) == {"warning": 1}
    first = warned(app)
    at(api, clock, vn(2026, 11, 26, 9, 0))
    assert api.act(DIRECTOR, code, "confirm_extension")["due_at"] == iso(2026, 11, 30, 9, 0)
    assert sweep(app, settings, 2026, 11, 26, 9, 1) == {}
    assert sweep(app, settings, 2026, 11, 27, 8, 59) == {}
    assert sweep(app, settings, 2026, 11, 27, 9, 0) == {"warning": 1}
    again = warned(app)  # warned again, once, of the new due: the leader, and whoever holds the open work now
    assert again[LEADER] == 2 and sum(again.values()) > sum(first.values()) and max(again.values()) == 2
    assert sweep(app, settings, 2026, 11, 30, 8, 59) == {}
    assert sweep(app, settings, 2026, 11, 30, 9, 0) == {"overdue": 1}


def test_an_extension_of_hours_whose_warning_instant_is_past_warns_no_one_again(api, app, clock, settings):
    """A procedure of one working day: received Mon 23/11 09:00, due Wed 25/11 09:00 (Tue off), warned at once.
    Two working hours of extension (at most 2 h 40 min, D18) confirmed Mon 14:00: due Wed 11:00, its warning
    instant Mon 11:00 already past: no second warning."""
    deploy(api, fee=None, duration="1")
    code = received(api, clock)
    assert due_of(api, code) == iso(2026, 11, 25, 9, 0)
    assert sweep(app, settings, 2026, 11, 23, 9, 0) == {"warning": 1}
    first = warned(app)
    at(api, clock, vn(2026, 11, 23, 10, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_hours": 2, "reason": "Cần xác minh thêm địa điểm"})
    api.act(LEADER, code, "confirm_extension")
    at(api, clock, vn(2026, 11, 23, 14, 0))
    assert api.act(DIRECTOR, code, "confirm_extension")["due_at"] == iso(2026, 11, 25, 11, 0)
    assert sweep(app, settings, 2026, 11, 23, 14, 1) == {}
    assert sweep(app, settings, 2026, 11, 25, 10, 59) == {}
    assert warned(app) == first
    assert sweep(app, settings, 2026, 11, 25, 11, 0) == {"overdue": 1}


@pytest.mark.parametrize("now, new_due, warned_again", [
    # confirmed Thu 26/11 11:00, due Fri 27/11 09:00 → Tue 01/12 09:00: warned again Mon 30/11 09:00
    (vn(2026, 11, 26, 11, 0), vn(2026, 12, 1, 9, 0), vn(2026, 11, 30, 9, 0)),
    # moved by half an hour: its warning instant Thu 09:30 is past at 10:30, the warning of 09:00 stands
    (vn(2026, 11, 26, 10, 30), vn(2026, 11, 27, 9, 30), None),
])
def test_the_rule_after_an_extension(now, new_due, warned_again):
    cal = calendar()
    dossier = SimpleNamespace(status=Status.PROCESSING, due_at=vn(2026, 11, 27, 9, 0), late=False, extensions=0,
                              warned_at=vn(2026, 11, 26, 9, 0), calendar_version=None)
    deadlines.apply_extension(dossier, new_due, cal, now)
    assert dossier.due_at == new_due and dossier.extensions == 1
    assert dossier.warned_at == (None if warned_again else vn(2026, 11, 26, 9, 0))
    assert not deadlines.warning_due(dossier, cal, now)
    if warned_again:
        assert deadlines.warning_at(dossier, cal) == warned_again
        assert deadlines.warning_due(dossier, cal, warned_again)
