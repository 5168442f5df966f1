"""The administrator's calendar notice while dossiers are open, at its edges (D15, D16, D19).

- A deadline counted again after a day was declared off kept the working time left but ended a working period
  (Thu 17:00) where the count itself gives the start of the next one (Fri 07:00, D16's clock time of intake):
  the overdue sweep at Thu 18:00 then judged late a dossier in time, and opened an apology letter.
- The province's notice for a year left its dossiers, the calendar API and the citizen's page marked
  "provisional" (counted on the package's guess), as if no notice had come.
- A notice of many overlapping ranges, or one long line pasted on the page, took seconds (quadratic work) to be
  refused; the page's refusals stayed Vietnamese on the English page.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import CITIZEN, vn
from engine import timers
from engine.core.calendar import Override, load_config, moved
from engine.core.settings import load_settings
from engine.data import calendars
from engine.data.model import WorkItem
from test_calendar_notices import ADMIN, RECEIVER, province, row  # noqa: F401  (province: the fixture)
from web_support import Web, text_of

CASES = [  # (received, working days, the day changed, its new kind)
    (vn(2027, 3, 1, 7, 0), 3, date(2027, 3, 3), "off"),  # received at 07:00 sharp
    (vn(2027, 3, 1, 13, 30), 3, date(2027, 3, 3), "off"),  # at 13:30 sharp
    (vn(2027, 3, 1, 12, 0), 3, date(2027, 3, 3), "off"),  # over lunch
    (vn(2027, 3, 1, 7, 0), 3, date(2027, 3, 3), "not_off"),  # nothing changes
    (vn(2027, 3, 5, 16, 0), 1, date(2027, 3, 6), "working"),  # Friday after the cut-off, a make-up Saturday
    (vn(2027, 3, 5, 10, 0), 1, date(2027, 3, 6), "working"),
    (vn(2027, 2, 1, 7, 0), 3, date(2027, 2, 2), "off"),
    (vn(2027, 1, 29, 13, 30), 3, date(2027, 2, 3), "off"),  # the Friday before Tết
]


@pytest.mark.parametrize("received, days, changed, kind", CASES)
def test_a_deadline_counted_again_is_the_count_the_new_calendar_gives(received, days, changed, kind):
    config = load_config(load_settings().calendar_file)
    old, new = config.calendar(), config.calendar(extra=[Override(changed, kind, "Thông báo")])
    due = old.due(received, days, "working_day")
    before = vn(changed.year, changed.month, changed.day, 9, 0) - timedelta(days=1)  # the notice, the day before
    assert moved(old, new, due, received, changed, "working_day", days, before) == new.due(received, days, "working_day")


def test_received_at_seven_a_day_declared_off_keeps_it_due_at_seven_and_in_time(api, app, clock, province):  # noqa: F811
    clock.set(vn(2027, 3, 1, 6, 50))  # Mon 01/03/2027
    code = api.file(CITIZEN)["code"]
    clock.set(vn(2027, 3, 1, 7, 0))
    api.act(RECEIVER, code, "receive")
    assert row(app, code).due_at == vn(2027, 3, 4, 7, 0)  # 3 working days: Thu 07:00
    clock.set(vn(2027, 3, 2, 9, 0))  # Tuesday: Wednesday is declared a day off (a storm)
    r = api.post("/api/v1/calendar/apply", ADMIN, json={"days": [{"day": "2027-03-03", "kind": "off", "name": "bão"}]})
    assert r.status_code == 200, r.get_json()
    calendars.forget_overrides()
    assert row(app, code).due_at == vn(2027, 3, 5, 7, 0)  # Fri 07:00, as a receipt on Monday 07:00 would count
    timers.sweep(app.extensions["tthc"]["sessions"], app.extensions["tthc"]["settings"], vn(2027, 3, 4, 18, 0))
    assert not row(app, code).late  # Thursday evening: in time
    with app.extensions["tthc"]["sessions"]() as session:
        assert not session.scalars(select(WorkItem).where(WorkItem.step == "apology")).all()
