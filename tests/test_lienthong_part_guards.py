"""Liên thông (D33): another agency's part of a dossier cannot be ended or orphaned from the side.

- The police's sub-dossier answers the Sở Tư pháp's dossier (processes/ly-lich-tu-phap). A province administrator
  terminating it (D16's stop, issue 13's operation) would leave the Sở's dossier waiting in status 4 for an answer
  that never comes, with no task for anyone: refused (409), naming the Sở's dossier, whose own stop or termination
  stops its parts (lienthong.stop_children).
- The police answer the Sở's hand-overs (D29: an agency that works on dossiers stays open): closing it while a
  sub-dossier is open there, or while a deployed procedure hands over to it, would send the parts where no officer
  works: refused (409 ``agency_answers_handovers``), on the API and on the agency page, nothing changed.
"""
from __future__ import annotations

from conftest import CITIZEN, PASSWORD, password_hash, vn
from lienthong_support import FORM, PARENT_CODE, SO, build_lienthong, officer
from sqlalchemy import func, select

from engine.cases import accounts
from engine.cli.demo import POLICE, ROOT
from engine.data import agencies
from engine.data.model import AuditEvent, Dossier
from web_support import Web, text_of

ADMIN = "tinh.quantri"
POLICE_PAGE_FORM = {"name": "Công an thành phố Huế (demo)", "level": "department", "parent": ROOT, "address": "",
                    "seal_name": "", "office_hours": "", "symbol": "", "confirm": "1"}  # "active" unticked


def _at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()  # the day moved on: sign in again


def _province_admin(app, clock) -> None:
    with app.extensions["tthc"]["sessions"].begin() as session:
        accounts.ensure_officer(session, clock.now(), ADMIN, "Quản trị viên tỉnh", {"administrator"},
                                agencies.by_code(session, ROOT), PASSWORD, password_hash=password_hash())


def _handed_over(app, api, clock) -> tuple[str, str]:
    """Filed Monday 07/12/2026 08:30 at the Sở, received and handed over to the police Tuesday 08/12/2026 09:00."""
    _at(api, clock, 2026, 12, 7, 8, 0)
    build_lienthong(app)
    _province_admin(app, clock)
    _at(api, clock, 2026, 12, 7, 8, 30)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    _at(api, clock, 2026, 12, 8, 9, 0)
    api.act(officer(SO, "intake"), code, "receive")
    [task] = [t for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()
              if t["dossier"].startswith(POLICE)]
    return code, task["dossier"]


def _facts(app, *codes: str) -> list[tuple]:
    """Each dossier's status, end and number of trail events: what a refused action must leave as it was."""
    with app.extensions["tthc"]["sessions"]() as session:
        out = []
        for code in codes:
            d = session.scalar(select(Dossier).where(Dossier.code == code))
            events = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.dossier_id == d.id))
            out.append((d.status, d.ended_at, events))
        return out


def _police_active(app) -> bool:
    with app.extensions["tthc"]["sessions"]() as session:
        return agencies.by_code(session, POLICE).active


def _close_police(api):
    return api.client.patch(f"/api/v1/agencies/{POLICE}", json={"active": False}, headers=api.headers(ADMIN))


def test_terminating_the_police_s_part_while_the_so_s_dossier_waits_is_refused(app, api, clock):
    """D33, D16: the part of an open dossier is not terminated on its own; the parent's termination stops it."""
    code, child = _handed_over(app, api, clock)
    before = _facts(app, code, child)
    _at(api, clock, 2026, 12, 9, 10, 0)  # Wednesday 09/12/2026
    r = api.post(f"/api/v1/dossiers/{child}/terminate", ADMIN, json={"reason": "Chấm dứt phần liên thông"})
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "lienthong_part"
    assert code in error["message"] and "dừng" in error["message"], error["message"]
    assert _facts(app, code, child) == before  # nothing changed on either dossier
    # the way the message points to: terminating the Sở's dossier stops the police's part with it
    _at(api, clock, 2026, 12, 9, 11, 0)
    r = api.post(f"/api/v1/dossiers/{code}/terminate", ADMIN, json={"reason": "Chấm dứt hồ sơ nộp trùng"})
    assert r.status_code == 200, r.get_json()
    assert [f[0] for f in _facts(app, code, child)] == [8, 8]


def test_the_dossier_page_tells_the_administrator_to_stop_the_parent(app, api, clock):
    """D33: the administrators' page answers the refusal with its message, never an error page."""
    code, child = _handed_over(app, api, clock)
    before = _facts(app, code, child)
    _at(api, clock, 2026, 12, 9, 10, 0)
    web = Web(app.test_client()).login(ADMIN)
    page = text_of(web.post(f"/quan-tri/ho-so/{child}/cham-dut", {"reason": "Chấm dứt phần liên thông",
                                                                    "confirm": "1"}, status=409))
    assert code in page, page[:800]
    assert _facts(app, code, child) == before


def test_closing_the_police_while_its_part_is_open_is_refused(app, api, clock):
    """D29, D33: an agency that holds an open sub-dossier stays open (its officers must answer it)."""
    code, child = _handed_over(app, api, clock)
    _at(api, clock, 2026, 12, 9, 10, 0)
    r = _close_police(api)
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "agency_answers_handovers"
    assert child in error["message"], error["message"]
    assert _police_active(app)
    web = Web(app.test_client()).login(ADMIN)
    page = text_of(web.post(f"/quan-tri/co-quan/{POLICE}", POLICE_PAGE_FORM, status=409))
    assert child in page, page[:800]
    assert _police_active(app)


def test_closing_the_police_that_a_deployed_procedure_hands_over_to_is_refused(app, api, clock):
    """D29, D33: with no part open, the Sở's current procedure still names the police as the agency that answers
    its hand-over step: closed, the next hand-over would go where no officer works."""
    _at(api, clock, 2026, 12, 7, 8, 0)
    build_lienthong(app)
    _province_admin(app, clock)
    _at(api, clock, 2026, 12, 7, 9, 0)
    r = _close_police(api)
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "agency_answers_handovers"
    assert PARENT_CODE in error["message"], error["message"]
    assert _police_active(app)


def test_another_agency_no_one_hands_over_to_can_still_close(app, api, clock):
    """D29: the guard is the hand-overs' only; the Sở, which nobody hands over to, closes as before."""
    _at(api, clock, 2026, 12, 7, 8, 0)
    build_lienthong(app)
    _province_admin(app, clock)
    _at(api, clock, 2026, 12, 7, 9, 0)
    r = api.client.patch(f"/api/v1/agencies/{SO}", json={"active": False}, headers=api.headers(ADMIN))
    assert r.status_code == 200 and r.get_json()["active"] is False, r.get_json()



def test_the_police_one_stop_cannot_stop_its_part_alone(app, api, clock):
    """D33, D16: the police's one-stop stopping the part it answers would leave the Sở's dossier waiting for an
    answer that never comes: refused (409 lienthong_part), nothing changed."""
    code, child = _handed_over(app, api, clock)
    before = _facts(app, code, child)
    _at(api, clock, 2026, 12, 9, 10, 0)
    r = api.post(f"/api/v1/dossiers/{child}/stop", officer(POLICE, "intake"), json={"reason": "Dừng phần liên thông"})
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["error"]["code"] == "lienthong_part" and code in r.get_json()["error"]["message"]
    assert _facts(app, code, child) == before
