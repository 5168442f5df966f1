"""D28: a calendar change that moves the result's appointment tells the citizen (the portal, and email or SMS where
given): the date they were given and the new one. A dossier whose appointment stays, and one still waiting for its
intake check, are told nothing.

The sample procedure takes 3 working days. Received Monday 23/11/2026 09:00 → due Friday 27/11/2026 09:00
(Tuesday 24/11 is a day off, D15). Thursday 26/11 made a day off moves it to Monday 30/11/2026 09:00."""
from __future__ import annotations

import importlib

import pytest
from sqlalchemy import select

from conftest import CITIZEN, iso
from engine.data.model import Dossier
from engine.data.notice_model import Notice
from test_replanning import RECEIVER, shown, tthc


@pytest.fixture(autouse=True)
def cli_clock(monkeypatch, clock):
    monkeypatch.setattr(importlib.import_module("engine.cli.calendar"), "clock", clock)


def told(app, code: str) -> list[Notice]:
    with app.extensions["tthc"]["sessions"]() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        return list(session.scalars(select(Notice).where(Notice.dossier_id == dossier_id,
                                                         Notice.event == "replanned")))


def test_the_citizen_is_told_the_new_appointment(api, app, settings):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    waiting = api.file(CITIZEN)["code"]  # its intake check is due on 23/11: the day off is later
    unmoved = api.file(CITIZEN)["code"]
    api.act(RECEIVER, unmoved, "receive")
    assert shown(api, code)["due_at"] == iso(2026, 11, 27, 9, 0)
    assert not told(app, code)  # was: no notice at all
    tthc(settings, "set", "2026-11-26", "off", "--name", "Nghỉ đột xuất")
    assert shown(api, code)["due_at"] == iso(2026, 11, 30, 9, 0)
    [notice] = told(app, code)
    assert notice.title == f"Hồ sơ {code}: ngày hẹn trả kết quả đổi thành 30/11/2026"
    assert "trước đây: 27/11/2026 09:00." in notice.body and "mới: 30/11/2026 09:00." in notice.body
    listed = api.get("/api/v1/me/notifications", CITIZEN).get_json()
    assert notice.title in str(listed)  # in the portal's list
    assert not told(app, waiting)
    tthc(settings, "set", "2026-12-15", "off", "--name", "Nghỉ")  # after every deadline: nothing moves
    assert len(told(app, code)) == 1


def test_the_notice_reads_in_english_too():
    from conftest import vn
    from engine.cases import notices

    title, body = notices.render("replanned", "en", {"code": "X-1", "procedure": "Đăng ký hộ kinh doanh",
                                                     "due_at": vn(2026, 11, 30, 9, 0), "was": vn(2026, 11, 27, 9, 0),
                                                     "link": "/ca-nhan/ho-so/X-1"})
    assert title == "Dossier X-1: the result is now due on 30/11/2026"
    assert "Previous result date: 27/11/2026 09:00." in body and "New result date: 30/11/2026 09:00." in body
