"""An agency or an officer stored before a rule became stricter stays editable in its other fields on the
administration pages, whose forms send every field back as shown: an agency whose weekday hours differed (Friday
afternoon closed, refused since: the deadlines count one working day) could not be renamed on its page; an officer
whose stored name held a zero-width space could not have a phone changed. What is sent back as stored is not checked
again; a changed value is (D14, D3). Mon 07/12/2026."""
from __future__ import annotations

import html
import logging
import re

from sqlalchemy import select, update

from conftest import CITIZEN, vn
from engine import timers
from engine.cases import issuing
from engine.data.agency_model import Agency
from engine.data.model import User
from engine.data.signing_model import SigningRequest
from web_support import Web

ADMIN, WARD = "demo.admin", "000.00.06.H56"
OLD_HOURS = {**{d: ["07:00-11:30", "13:30-17:00"] for d in ("mon", "tue", "wed", "thu")}, "fri": ["07:00-11:30"]}


def store(app, statement) -> None:
    with app.extensions["tthc"]["sessions"].begin() as session:
        session.execute(statement)


def fields_of(page: str) -> dict:
    found = {m.group(1): html.unescape(m.group(2))
             for m in re.finditer(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page) if m.group(1) != "csrf_token"}
    for m in re.finditer(r'<textarea[^>]*name="(\w+)"[^>]*>([^<]*)<', page):
        found[m.group(1)] = html.unescape(m.group(2))
    return found


def test_an_agency_with_hours_of_before_is_renamed_on_its_page_and_its_hours_still_checked_when_changed(app, clock):
    clock.set(vn(2026, 12, 7, 9, 0))
    store(app, update(Agency).where(Agency.code == WARD).values(office_hours=OLD_HOURS))
    web = Web(app.test_client()).login(ADMIN)
    page = web.get(f"/quan-tri/co-quan/{WARD}").get_data(as_text=True)
    form = {**fields_of(page), "name": "Ủy ban nhân dân phường Thuận Hóa mới"}
    assert "T6 07:00-11:30" in form["office_hours"]
    web.post(f"/quan-tri/co-quan/{WARD}", form, status=302)
    with app.extensions["tthc"]["sessions"]() as session:
        agency = session.scalar(select(Agency).where(Agency.code == WARD))
        assert agency.name == "Ủy ban nhân dân phường Thuận Hóa mới" and agency.office_hours == OLD_HOURS
    changed = {**form, "office_hours": form["office_hours"].replace("T6 07:00-11:30", "T6 07:00-11:00")}
    web.post(f"/quan-tri/co-quan/{WARD}", changed, status=422)


def test_an_officer_whose_stored_name_has_a_hidden_character_gets_a_new_phone_on_the_page(app, clock):
    clock.set(vn(2026, 12, 7, 9, 0))
    store(app, update(User).where(User.username == "demo.tiepnhan").values(full_name="Trần Thị Tiếp\u200b"))
    web = Web(app.test_client()).login(ADMIN)
    page = web.get("/quan-tri/can-bo/demo.tiepnhan").get_data(as_text=True)
    form = {k: v for k, v in fields_of(page).items() if k in ("full_name", "email", "phone")}
    agency = re.search(r'<select[^>]*name="agency".*?<option[^>]*value="([^"]*)"[^>]*selected', page, re.S)
    form.update(agency=agency.group(1), roles=re.findall(r'name="roles" value="(\w+)"[^>]*checked', page),
                phone="0912000111")
    assert form["full_name"] == "Trần Thị Tiếp\u200b"
    web.post("/quan-tri/can-bo/demo.tiepnhan", form, status=302)
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(User.phone).where(User.username == "demo.tiepnhan")) == "0912000111"
    web.post("/quan-tri/can-bo/demo.tiepnhan", {**form, "full_name": "Trần\u200bThị"}, status=422)


def test_a_sealing_that_fails_is_logged_and_tried_again(app, api, clock, caplog, monkeypatch):
    """The drain goes on past a failing request (it is put back with its error): the failure is logged as an
    error, as it was before the drain caught it, so that an operator sees it."""
    clock.set(vn(2026, 12, 7, 9, 0))
    code = api.file(CITIZEN)["code"]

    def broken(*args, **kwargs):
        raise OSError("No space left on device")
    monkeypatch.setattr(issuing.documents, "add", broken)
    caplog.set_level(logging.INFO)
    api.act("demo.tiepnhan", code, "receive")
    tthc = app.extensions["tthc"]
    timers.render_signing(tthc["sessions"], tthc["settings"], vn(2026, 12, 7, 9, 2))
    assert any(r.levelno >= logging.ERROR and "sealing request" in r.getMessage() for r in caplog.records)
    with tthc["sessions"]() as session:
        receipt = session.scalar(select(SigningRequest).where(SigningRequest.kind == "receipt"))
        assert receipt.state == "pending" and "No space left on device" in receipt.last_error
