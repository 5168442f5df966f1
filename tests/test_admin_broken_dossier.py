"""An administrator's hand on a dossier whose stored workflow state cannot be read: the very dossiers the incidents
page lists. Terminating one must still stop it (its process is not needed any more), migrating one is refused
(409, with the reason) and never a 500, a batch migration moves the others; and terminating a dossier resolves its
open incident, which would otherwise stay under "open" for someone to retry. Real SQLite and PostgreSQL
(``backend``), the real sample BPMN, the real sweep, injected time."""
from __future__ import annotations

from conftest import CITIZEN, vn
from sqlalchemy import select
from test_operations import (ADMIN, SPECIALIST, break_dossier, incidents_of, received, repair, row, sessions,
                             sweep)
from test_versions import deploy, variant
from web_support import Web, text_of

from engine.data.agency_model import AdminEvent
from engine.data.model import AuditEvent, Dossier, WorkItem
from engine.law.statuses import STOPPED

REASON = {"reason": "Dữ liệu hồ sơ bị hỏng, không xử lý tiếp được"}
START = vn(2026, 11, 24, 8, 0)


def broken_with_incident(api, app, settings, clock) -> str:
    """A received dossier whose workflow state is unreadable, with the sweep's open incident about it."""
    code = received(api)
    break_dossier(app, code, START)
    sweep(app, settings, START)
    assert [i.state for i in incidents_of(app, code)] == ["open"]
    clock.set(vn(2026, 11, 24, 9, 0))
    api.tokens.clear()
    return code


def work_items(app, code: str) -> list:
    with sessions(app)() as session:
        return list(session.scalars(select(WorkItem.step).join(Dossier, Dossier.id == WorkItem.dossier_id)
                                    .where(Dossier.code == code)))


def test_terminating_a_dossier_whose_process_cannot_be_read_stops_it_closes_its_work_and_audits_it(
        api, app, settings, clock):
    """Terminate needs no process: the dossier ends in status 8 (Dừng xử lý), its open work closes, no timer is
    left, and both trails say the process could not be read — never a 500 (README, api.md)."""
    code = broken_with_incident(api, app, settings, clock)
    assert work_items(app, code)  # the specialist's assessment is open
    r = api.post(f"/api/v1/dossiers/{code}/terminate", ADMIN, json=REASON)
    assert r.status_code == 200, r.get_data(as_text=True)[:600]
    assert r.get_json()["status"] == STOPPED
    dossier = row(app, code)
    assert (dossier.status, dossier.ended_at, dossier.resolved_at, dossier.next_timer_at, dossier.bpmn_timer_at) == (
        STOPPED, clock.now(), None, None, None)
    assert work_items(app, code) == [] and api.get("/api/v1/tasks", SPECIALIST).get_json() == []
    with sessions(app)() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                               .order_by(AuditEvent.id.desc()).limit(1))
        trail = session.scalar(select(AdminEvent).where(AdminEvent.target == code,
                                                        AdminEvent.action == "dossier.terminate"))
    assert (event.action, event.to_status, event.data["reason"]) == ("terminate", STOPPED, REASON["reason"])
    assert event.data["process_unreadable"] is True and trail.details["process_unreadable"] is True
    assert api.get(f"/api/v1/dossiers/{code}/audit", ADMIN).get_json()["valid"] is True
    # the sweep leaves it alone afterwards: nothing is due, no new failure is counted
    assert sweep(app, settings, vn(2026, 11, 30, 8, 0)).incidents == 0


def test_terminating_a_broken_dossier_from_the_page_is_no_500(api, app, settings, clock):
    """The page "Chấm dứt hồ sơ" on a dossier of the incidents page ends it as the API does."""
    code = broken_with_incident(api, app, settings, clock)
    web = Web(app.test_client()).login(ADMIN)
    r = web.client.post(f"/quan-tri/ho-so/{code}/cham-dut", data={"reason": "Dữ liệu hỏng", "confirm": "1",
                                                                  "csrf_token": web.csrf()})
    assert r.status_code == 302, text_of(r)[:600]
    assert row(app, code).status == STOPPED


def test_terminating_a_dossier_resolves_its_open_incident(api, app, settings, clock):
    """A terminated dossier needs no more sweeps: its open incident is resolved with a note saying it was
    terminated, not left under "open" for a later retry to close as "retried"."""
    code = received(api)
    good = break_dossier(app, code, START)
    sweep(app, settings, START)
    repair(app, code, good)  # readable again, the incident still open
    clock.set(vn(2026, 11, 24, 9, 0))
    api.tokens.clear()
    assert api.post(f"/api/v1/dossiers/{code}/terminate", ADMIN, json=REASON).status_code == 200
    assert api.get("/api/v1/incidents?state=open", ADMIN).get_json() == []
    [incident] = incidents_of(app, code)
    assert (incident.state, incident.handled_by, incident.handled_at) == ("resolved", ADMIN, clock.now())
    assert "chấm dứt" in incident.note and REASON["reason"] in incident.note
    r = api.post(f"/api/v1/incidents/{incident.id}/retry", ADMIN)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "incident_closed"


def test_terminating_a_broken_dossier_resolves_its_incident_too(api, app, settings, clock):
    """The same for a dossier still unreadable: once terminated, its incident is no longer open."""
    code = broken_with_incident(api, app, settings, clock)
    assert api.post(f"/api/v1/dossiers/{code}/terminate", ADMIN, json=REASON).status_code == 200
    assert [i.state for i in incidents_of(app, code)] == ["resolved"]


def test_migrating_a_dossier_whose_process_cannot_be_read_is_refused_409_with_the_reason(api, app):
    """api.md: migrate answers 409 with the reasons when it cannot; an unreadable process is such a reason (D1:
    the dossier stays on its version), never a 500, and nothing is written."""
    code = api.file(CITIZEN)["code"]
    assert deploy(api, variant(assessment_name="Thẩm định mới")).status_code == 201
    break_dossier(app, code, START)
    r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 409, r.get_data(as_text=True)[:600]
    error = r.get_json()["error"]
    assert error["code"] == "process_unreadable"
    assert "không đọc được" in error["message"] and error["problems"]
    assert row(app, code).procedure_version.version == 1
    with sessions(app)() as session:
        assert session.scalar(select(AdminEvent).where(AdminEvent.action == "dossier_migrate")) is None


def test_batch_migration_moves_the_others_and_lists_the_broken_dossier_with_its_reason(api, app):
    """One unreadable dossier must not fail the page "Chuyển sang phiên bản" for the whole batch (D1: each
    dossier moves or stays on its own)."""
    good, bad = api.file(CITIZEN)["code"], api.file(CITIZEN)["code"]
    assert deploy(api, variant(assessment_name="Thẩm định mới")).status_code == 201
    break_dossier(app, bad, START)
    web = Web(app.test_client()).login(ADMIN)
    r = web.client.post("/quan-tri/thu-tuc/1.001612/phien-ban/1/chuyen",
                        data={"den": "2", "confirm": "1", "csrf_token": web.csrf()})
    assert r.status_code == 200, text_of(r)[:600]
    page = text_of(r)
    assert bad in page and "không đọc được" in page
    assert (row(app, good).procedure_version.version, row(app, bad).procedure_version.version) == (2, 1)
    with sessions(app)() as session:
        moved = session.scalars(select(AdminEvent.target).where(AdminEvent.action == "dossier_migrate")).all()
    assert moved == [good]


def test_a_parent_terminated_stops_its_lienthong_part_whose_process_cannot_be_read(api, app, clock):
    """D33: the other agency's part stops with its parent. A part whose stored state cannot be read stops all the
    same (its work closes, no timer is left), and the parent's termination answers 200, not 500."""
    from conftest import PASSWORD, password_hash
    from lienthong_support import handed_over

    from engine.cases import accounts
    from engine.cli.demo import POLICE, ROOT
    from engine.data import agencies

    code = handed_over(app, api, clock)
    with sessions(app).begin() as session:  # the province's administrator: the Sở and the police are its
        accounts.ensure_officer(session, clock.now(), "tinh.admin", "Quản trị tỉnh", {"administrator"},
                                agencies.by_code(session, ROOT), PASSWORD, password_hash=password_hash())
    with sessions(app)() as session:
        child = session.scalar(select(Dossier.code).where(Dossier.parent_id.is_not(None)))
    assert child.startswith(POLICE) and work_items(app, child)
    break_dossier(app, child, vn(2026, 12, 8, 9, 0))
    clock.set(vn(2026, 12, 7, 10, 0))
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/terminate", "tinh.admin", json=REASON)
    assert r.status_code == 200, r.get_json()
    assert row(app, code).status == row(app, child).status == STOPPED
    assert work_items(app, child) == [] and row(app, child).next_timer_at is None
