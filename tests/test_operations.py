"""Operations (issue 13, item 6): incidents of the timer service with their state (one open incident per dossier,
retry, skip), an administrator's suspend / resume / terminate of a dossier with a reason, and a dossier's audit
chain verified through the API. Real SQLite and PostgreSQL (``backend``), the real sample BPMN, the real sweep."""
from __future__ import annotations

from datetime import timedelta

from conftest import CITIZEN, PASSWORD, STEP_DATA, vn
from sqlalchemy import func, select, update

from engine import timers
from engine.core.clock import iso_vn
from engine.cases import accounts
from engine.data import agencies
from engine.data.agency_model import AdminEvent, Agency
from engine.data.model import AuditEvent, Dossier, Incident, User
from engine.data.notice_model import Notice
from engine.law.statuses import PROCESSING, RECEIVED, STOPPED

RECEIVER, SPECIALIST, ADMIN = "demo.tiepnhan", "demo.chuyenvien", "demo.admin"
BROKEN_STATE = b"\x00 not a workflow state"


def sessions(app):
    return app.extensions["tthc"]["sessions"]


def row(app, code: str) -> Dossier:
    with sessions(app)() as session:
        return session.scalar(select(Dossier).where(Dossier.code == code))


def received(api) -> str:
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")  # Mon 23/11/2026 09:00: due Fri 27/11/2026 09:00, warned Thu 26/11 09:00
    return code


def break_dossier(app, code: str, due) -> bytes:
    """The dossier's workflow state made unreadable, with a BPMN timer due at ``due``; returns the good state."""
    with sessions(app).begin() as session:
        good = session.scalar(select(Dossier.workflow_state).where(Dossier.code == code))
        session.execute(update(Dossier).where(Dossier.code == code).values(
            workflow_state=BROKEN_STATE, bpmn_timer_at=due, next_timer_at=due))
    return good


def repair(app, code: str, state: bytes) -> None:
    with sessions(app).begin() as session:
        session.execute(update(Dossier).where(Dossier.code == code).values(workflow_state=state, bpmn_timer_at=None))


def incidents_of(app, code: str) -> list[Incident]:
    with sessions(app)() as session:
        return list(session.scalars(select(Incident).join(Dossier, Dossier.id == Incident.dossier_id)
                                    .where(Dossier.code == code).order_by(Incident.id)))


def other_agency_admin(app, clock) -> str:
    """An administrator of an agency that is not the demo agency (nor above it)."""
    with sessions(app).begin() as session:
        agency = Agency(code="000.00.07.H56", name="Ủy ban nhân dân phường khác", level="commune")
        agencies.place(session, agency, None)
        accounts.ensure_officer(session, clock.now(), "other.admin", "Quản Trị Khác", {"administrator"}, agency,
                                PASSWORD)
    return "other.admin"


def sweep(app, settings, when):
    return timers.sweep(sessions(app), settings, when)


# -- incidents ---------------------------------------------------------------------------------------------
def test_a_dossier_failing_at_every_retry_keeps_one_open_incident_counting_attempts(api, app, settings):
    """Regression: the sweep retried a broken dossier every 15 minutes and wrote a new incident each time."""
    code = received(api)
    start = vn(2026, 11, 24, 8, 0)
    break_dossier(app, code, start)
    for n in range(4):
        assert sweep(app, settings, start + n * timers.RETRY_AFTER).incidents == 1
    found = incidents_of(app, code)
    assert len(found) == 1
    assert (found[0].state, found[0].attempts) == ("open", 4)
    assert found[0].last_at == start + 3 * timers.RETRY_AFTER and found[0].at == start
    assert "JSONDecodeError" in found[0].message or "Error" in found[0].message


def test_a_later_sweep_that_handles_the_dossier_resolves_its_open_incident(api, app, settings):
    code = received(api)
    start = vn(2026, 11, 24, 8, 0)
    good = break_dossier(app, code, start)
    sweep(app, settings, start)
    repair(app, code, good)
    with sessions(app).begin() as session:
        session.execute(update(Dossier).where(Dossier.code == code).values(next_timer_at=start))
    assert sweep(app, settings, start + timedelta(minutes=20)).incidents == 0
    [incident] = incidents_of(app, code)
    assert incident.state == "resolved" and incident.handled_by is None


def test_incidents_are_listed_open_first_in_the_administrators_subtree_only(api, app, settings, clock):
    first, second = received(api), received(api)
    start = vn(2026, 11, 24, 8, 0)
    good = break_dossier(app, first, start)
    break_dossier(app, second, start)
    sweep(app, settings, start)
    repair(app, first, good)
    [closed] = incidents_of(app, first)
    r = api.post(f"/api/v1/incidents/{closed.id}/retry", ADMIN)
    assert r.status_code == 200 and r.get_json()["state"] == "retried", r.get_json()
    listed = api.get("/api/v1/incidents", ADMIN).get_json()
    assert [(i["dossier"], i["state"]) for i in listed] == [(second, "open"), (first, "retried")]
    assert listed[0]["message"] and listed[0]["attempts"] == 1
    assert [i["dossier"] for i in api.get("/api/v1/incidents?state=retried", ADMIN).get_json()] == [first]
    # paging: one a page, the cursor in the Link header, open ones first
    page = api.get("/api/v1/incidents?limit=1", ADMIN)
    assert [i["dossier"] for i in page.get_json()] == [second]
    link = page.headers["Link"]
    assert link.endswith('>; rel="next"') and f"after=0.{listed[0]['id']}" in link
    following = api.get(link[1:link.index(">")], ADMIN)
    assert [i["dossier"] for i in following.get_json()] == [first] and "Link" not in following.headers
    assert api.get("/api/v1/incidents?limit=0", ADMIN).status_code == 422
    assert api.get("/api/v1/incidents?state=burning", ADMIN).status_code == 422
    assert api.get("/api/v1/incidents?after=x", ADMIN).status_code == 422
    assert api.get("/api/v1/incidents", RECEIVER).status_code == 403
    outsider = other_agency_admin(app, clock)
    assert api.get("/api/v1/incidents", outsider).get_json() == []
    assert api.post(f"/api/v1/incidents/{listed[0]['id']}/retry", outsider).status_code == 404  # as a dossier
    assert api.post(f"/api/v1/incidents/{listed[0]['id']}/skip", outsider, json={"reason": "không phải của tôi"}
                    ).status_code == 404


def test_a_failing_retry_keeps_the_incident_open_and_a_good_one_does_the_sweeps_work(api, app, settings, clock):
    code = received(api)
    start = vn(2026, 11, 24, 8, 0)
    good = break_dossier(app, code, start)
    sweep(app, settings, start)
    [incident] = incidents_of(app, code)
    clock.set(vn(2026, 11, 27, 10, 0))  # after the result's deadline (Fri 27/11 09:00)
    api.tokens.clear()  # days on: the tokens have expired
    r = api.post(f"/api/v1/incidents/{incident.id}/retry", ADMIN)
    assert r.status_code == 200
    body = r.get_json()
    assert (body["state"], body["attempts"]) == ("open", 2) and body["last_at"] == iso_vn(clock.now())
    assert row(app, code).late is False  # the failed retry changed nothing
    repair(app, code, good)
    body = api.post(f"/api/v1/incidents/{incident.id}/retry", ADMIN).get_json()
    assert body["state"] == "retried" and body["handled_by"] == ADMIN and "overdue" in body["note"]
    assert row(app, code).late is True  # the sweep's own handling: overdue recorded now
    assert api.post(f"/api/v1/incidents/{incident.id}/retry", ADMIN).status_code == 409
    with sessions(app)() as session:
        outcomes = [e.details["outcome"] for e in session.scalars(
            select(AdminEvent).where(AdminEvent.action == "incident.retry").order_by(AdminEvent.id))]
    assert outcomes == ["failed", "handled"]


def test_skipping_moves_the_dossiers_next_visit_past_the_failing_instant(api, app, settings, clock):
    code = received(api)
    failing = vn(2026, 11, 24, 8, 0)
    break_dossier(app, code, failing)
    sweep(app, settings, failing)
    [incident] = incidents_of(app, code)
    clock.set(vn(2026, 11, 24, 9, 0))
    assert api.post(f"/api/v1/incidents/{incident.id}/skip", ADMIN, json={}).status_code == 422
    assert api.post(f"/api/v1/incidents/{incident.id}/skip", ADMIN, json={"reason": "x"}).status_code == 422
    r = api.post(f"/api/v1/incidents/{incident.id}/skip", ADMIN, json={"reason": "Lỗi dữ liệu đã báo đơn vị"})
    assert r.status_code == 200 and r.get_json()["state"] == "skipped"
    dossier = row(app, code)
    # the next due instant after 24/11 09:00: the one-day warning before Fri 27/11 09:00, i.e. Thu 26/11 09:00
    assert dossier.next_timer_at == vn(2026, 11, 26, 9, 0)
    assert sweep(app, settings, vn(2026, 11, 24, 16, 0)).handled == 0  # no retry before then
    assert api.post(f"/api/v1/incidents/{incident.id}/skip", ADMIN, json={"reason": "lần nữa"}).status_code == 409
    with sessions(app)() as session:
        event = session.scalar(select(AdminEvent).where(AdminEvent.action == "incident.skip"))
    assert event.actor == ADMIN and event.details["reason"] == "Lỗi dữ liệu đã báo đơn vị"


# -- suspend, resume, terminate ----------------------------------------------------------------------------
def test_a_suspended_dossier_completes_no_task_and_fires_no_timer_until_resumed(api, app, settings, clock):
    code = received(api)
    r = api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN, json={"reason": "Chờ ý kiến cơ quan thanh tra"})
    assert r.status_code == 200 and r.get_json()["suspended_at"] == iso_vn(clock.now())
    assert row(app, code).next_timer_at is None
    task = api.task_for(SPECIALIST, code)
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", SPECIALIST,
                 json={"action": "propose_approval", "data": STEP_DATA["propose_approval"]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "dossier_suspended"
    assert "tạm dừng" in r.get_json()["error"]["message"]
    assert sweep(app, settings, vn(2026, 11, 27, 10, 0)).effects == {}  # past its deadline: nothing fires
    assert row(app, code).late is False
    assert api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN, json={"reason": "lần hai"}).status_code == 409

    clock.set(vn(2026, 11, 27, 10, 0))
    api.tokens.clear()  # four days on: the tokens have expired
    r = api.post(f"/api/v1/dossiers/{code}/resume", ADMIN, json={"reason": "Đã có ý kiến thanh tra"})
    assert r.status_code == 200 and r.get_json()["suspended_at"] is None
    assert row(app, code).next_timer_at is not None
    assert sweep(app, settings, clock.now()).effects.get("overdue") == 1  # the legal clock was never stopped
    assert api.post(f"/api/v1/dossiers/{code}/resume", ADMIN, json={"reason": "lần hai"}).status_code == 409
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])

    with sessions(app)() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.dossier_id == dossier_id)
                                       .order_by(AuditEvent.id)))
        trail = list(session.execute(select(AdminEvent.action, AdminEvent.details).where(
            AdminEvent.target_kind == "dossier", AdminEvent.target == code).order_by(AdminEvent.id)))
        told = list(session.scalars(select(Notice.title).join(User, User.id == Notice.user_id)
                                    .where(Notice.event == "operation", User.username == CITIZEN)
                                    .order_by(Notice.id)))
    assert actions[actions.index("suspend"):actions.index("resume") + 1] == ["suspend", "resume"]
    assert [(a, d["reason"]) for a, d in trail] == [("dossier.suspend", "Chờ ý kiến cơ quan thanh tra"),
                                                   ("dossier.resume", "Đã có ý kiến thanh tra")]
    assert told == [f"Hồ sơ {code} tạm dừng xử lý", f"Hồ sơ {code} được tiếp tục xử lý"]
    assert api.get(f"/api/v1/dossiers/{code}/audit", ADMIN).get_json()["valid"] is True


def test_the_citizen_cannot_supplement_a_suspended_dossier(api, app):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN, json={"reason": "Kiểm tra giấy tờ giả"})
    from conftest import SAMPLE_FORM

    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "dossier_suspended"


def test_terminating_ends_the_dossier_stopped_never_resolved(api, app, clock):
    code = received(api)
    api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN, json={"reason": "Nghi vấn giả mạo"})
    r = api.post(f"/api/v1/dossiers/{code}/terminate", ADMIN, json={"reason": "Giấy tờ giả mạo đã được xác minh"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == STOPPED and r.get_json()["suspended_at"] is None
    dossier = row(app, code)
    assert (dossier.status, dossier.ended_at, dossier.resolved_at, dossier.next_timer_at) == (
        STOPPED, clock.now(), None, None)
    assert api.get("/api/v1/tasks", SPECIALIST).get_json() == []
    again = api.post(f"/api/v1/dossiers/{code}/terminate", ADMIN, json={"reason": "lần hai"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "dossier_closed"
    assert api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN, json={"reason": "sau khi dừng"}).status_code == 409
    with sessions(app)() as session:
        titles = list(session.scalars(select(Notice.title).where(Notice.event == "operation").order_by(Notice.id)))
    assert titles[-1] == f"Hồ sơ {code} đã chấm dứt xử lý"


def test_who_may_suspend_and_what_is_refused(api, app, clock):
    code = received(api)
    reason = {"reason": "Lý do hợp lệ"}
    assert api.post(f"/api/v1/dossiers/{code}/suspend", RECEIVER, json=reason).status_code == 403
    assert api.post(f"/api/v1/dossiers/{code}/suspend", CITIZEN, json=reason).status_code == 403
    outsider = other_agency_admin(app, clock)
    r = api.post(f"/api/v1/dossiers/{code}/suspend", outsider, json=reason)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "dossier_not_found"  # api.md: as unknown
    assert api.post("/api/v1/dossiers/000.00.06.H56-261123-9999/suspend", ADMIN, json=reason).status_code == 404
    for bad in ({}, {"reason": "ab"}, {"reason": 3}, {"reason": "ok đủ", "more": 1}):
        assert api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN, json=bad).status_code == 422, bad
    assert api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN, data="x",
                    content_type="application/json").status_code == 400
    assert row(app, code).suspended_at is None and row(app, code).status in (RECEIVED, PROCESSING)


# -- the audit chain of a dossier ---------------------------------------------------------------------------
def test_a_dossiers_chain_is_verified_for_its_officers_and_administrators(api, app, clock):
    code = received(api)
    for user in (RECEIVER, SPECIALIST, ADMIN):
        r = api.get(f"/api/v1/dossiers/{code}/audit", user)
        assert r.status_code == 200 and r.get_json() == {"valid": True, "events": 3, "problems": []}, user
    assert api.get(f"/api/v1/dossiers/{code}/audit", CITIZEN).status_code == 404
    assert api.get(f"/api/v1/dossiers/{code}/audit", other_agency_admin(app, clock)).status_code == 404  # api.md
    with sessions(app).begin() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        first = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.dossier_id == dossier_id))
        session.execute(update(AuditEvent).where(AuditEvent.id == first).values(data={"channel": "desk"}))
    body = api.get(f"/api/v1/dossiers/{code}/audit", ADMIN).get_json()
    assert body["valid"] is False and body["events"] == 3
    assert len(body["problems"]) == 1 and "nội dung bị sửa" in body["problems"][0]
