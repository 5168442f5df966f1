"""The callee of a liên thông (D33) and its versions' states: suspending the police's 2.000505 (filed only by the
Sở Tư pháp's hand-over) stops direct filings only, the Sở's dossiers filed before still hand over to it (D1: a
filed dossier is processed to its end); its last version is not retired while the Sở's 2.000488 hands over to it;
the suspension tells the administrator who hands over to it. The versions are administered through the API by an
administrator of the province the two agencies stand under (the tests' demo is one ward, outside it)."""
from __future__ import annotations

from conftest import CITIZEN, vn
from lienthong_support import CHILD_CODE, FORM, PARENT_CODE, SO, build_lienthong, officer
from sqlalchemy import select

from engine.cases import versions
from engine.cli.demo import POLICE, ROOT
from engine.data import agencies
from engine.data.agency_model import AdminEvent
from engine.data.model import Dossier, User

ADMIN = "admin.tinh"
STATES = f"/api/v1/procedures/{CHILD_CODE}/versions"


def _at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()  # the time moved on: sign in again


def _filed(app, api, clock) -> str:
    build_lienthong(app)
    with app.extensions["tthc"]["sessions"].begin() as session:  # the province's administrator, demo's password
        demo = session.scalar(select(User).where(User.username == "demo.admin"))
        session.add(User(username=ADMIN, full_name="Quản Trị Tỉnh", password_hash=demo.password_hash,
                         roles_text="administrator", agency_id=agencies.by_code(session, ROOT).id,
                         created_at=clock.now()))
    _at(api, clock, 2026, 12, 7, 8, 30)  # Monday
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["code"]


def _states(api) -> dict[int, str]:
    r = api.get(STATES, ADMIN)
    assert r.status_code == 200, r.get_json()
    return {v["version"]: v["state"] for v in r.get_json()}


def test_a_suspended_callee_still_receives_the_hand_over_of_a_dossier_filed_before(app, api, clock):
    code = _filed(app, api, clock)
    _at(api, clock, 2026, 12, 7, 8, 45)
    r = api.post(f"{STATES}/1/suspend", ADMIN)
    assert r.status_code == 200 and r.get_json()["state"] == "suspended", r.get_json()
    [warning] = r.get_json()["warnings"]  # the administrator is told who still hands over to it
    assert warning["procedures"] == [PARENT_CODE] and PARENT_CODE in warning["message"]
    _at(api, clock, 2026, 12, 7, 9, 0)
    parent = api.act(officer(SO, "intake"), code, "receive")  # the Sở receives its own dossier: 200
    assert parent["status"] == 4
    [handover] = parent["handovers"]
    assert handover["procedure"] == CHILD_CODE and handover["agency"] == POLICE
    with app.extensions["tthc"]["sessions"]() as session:
        child = session.scalar(select(Dossier).where(Dossier.parent_id == session.scalar(
            select(Dossier.id).where(Dossier.code == code))))
        assert child.procedure_version.procedure.code == CHILD_CODE and child.procedure_version.version == 1
    # a direct filing of the police's procedure stays refused (suspended; and filed by hand-over only anyway)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": CHILD_CODE, "form": FORM})
    assert r.status_code in (409, 422) and r.get_json()["error"]["code"] in ("procedure_suspended", "handover_only")
    assert _states(api) == {1: "suspended"}


def test_the_last_version_of_a_callee_is_not_retired_while_its_caller_is_published(app, api, clock):
    code = _filed(app, api, clock)
    _at(api, clock, 2026, 12, 7, 8, 45)
    r = api.post(f"{STATES}/1/retire", ADMIN)
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "illegal_version_transition"
    assert f"{PARENT_CODE} – Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam" in error["message"]
    assert _states(api) == {1: "active"}  # nothing changed, nothing audited
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalars(select(AdminEvent.action).where(AdminEvent.action == "version_retire")).all() == []
    # suspended, it is not retired either; the Sở's dossier still hands over
    assert api.post(f"{STATES}/1/suspend", ADMIN).status_code == 200
    assert api.post(f"{STATES}/1/retire", ADMIN).status_code == 409
    assert _states(api) == {1: "suspended"}
    _at(api, clock, 2026, 12, 7, 9, 0)
    assert api.act(officer(SO, "intake"), code, "receive")["handovers"][0]["procedure"] == CHILD_CODE
    # once the caller is retired, nothing hands over to it any more: the callee may be retired
    assert api.post(f"/api/v1/procedures/{PARENT_CODE}/versions/1/retire", ADMIN).status_code == 200
    assert api.post(f"{STATES}/1/retire", ADMIN).status_code == 200


def test_the_suspension_names_the_procedures_that_hand_over_to_it(app, api, clock):
    _filed(app, api, clock)
    with app.extensions["tthc"]["sessions"]() as session:
        [warning] = versions.state_warnings(session, CHILD_CODE, "suspend")
        assert warning["procedures"] == [PARENT_CODE] and PARENT_CODE in warning["message"]
        assert versions.state_warnings(session, PARENT_CODE, "suspend") == []  # nobody hands over to the Sở's
        assert versions.state_warnings(session, CHILD_CODE, "resume") == []
