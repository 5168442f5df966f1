"""Liên thông (D33) and notices (D28): when the citizen's dossier (the parent at the Sở Tư pháp) is withdrawn or
stopped, the city police's sub-dossier still open stops with it (lienthong.stop_children) and the police officers
whose work on it closed are told, in the same transaction, naming the sub-dossier, the parent, the Sở and the
reason. The citizen is told of the parent only; a sub-dossier already resolved or returned is not stopped, and its
officers are told nothing; the parent's own end notice is the same as before.

processes/ly-lich-tu-phap: the Sở's 2.000488 hands over to the police's 2.000505 at its receipt.
"""
from __future__ import annotations

import test_lienthong_parent_ended_while_sealing as sealing
import test_lienthong_parent_ends as ends
from conftest import CITIZEN
from lienthong_support import SO, SO_NAME, officer
from sqlalchemy import select

from engine.cases import notices
from engine.cli.demo import POLICE
from engine.data.model import Dossier, User
from engine.data.notice_model import Notice

FINDINGS = ends.FINDINGS
REASON = "Không còn nhu cầu sử dụng phiếu"


def _notices(app, event: str | None = None) -> list[tuple[str, str, str, str, str, str | None]]:
    """(username, event, dossier code, title, body, role) of every notice written, in order."""
    query = (select(User.username, Notice.event, Dossier.code, Notice.title, Notice.body, Notice.role)
             .join(User, User.id == Notice.user_id).outerjoin(Dossier, Dossier.id == Notice.dossier_id)
             .order_by(Notice.id))
    if event is not None:
        query = query.where(Notice.event == event)
    with app.extensions["tthc"]["sessions"]() as session:
        return [tuple(row) for row in session.execute(query)]


def _choose_english(app, username: str) -> None:
    with app.extensions["tthc"]["sessions"].begin() as session:
        notices.choose(session, session.scalar(select(User).where(User.username == username)), language="en")


def test_withdrawing_the_parent_tells_the_police_specialist_whose_sub_dossier_stopped_d28_d33(app, api, clock):
    code, child = ends._handed_over(app, api, clock, (2026, 12, 7, 8, 30), (2026, 12, 7, 9, 0))  # Monday
    ends._at(api, clock, 2026, 12, 8, 10, 0)  # Tuesday: the police specialist still holds the assessment
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": REASON})
    assert r.status_code == 200 and r.get_json()["status"] == 7, r.get_json()

    [told] = _notices(app, "lienthong_stopped")  # one officer held the sub-dossier's work: that one is told
    username, _, about, title, body, role = told
    assert (username, about, role) == (officer(POLICE, "assessment"), child, "specialist")
    assert child in title and code in body and SO_NAME in body and REASON in body and "rút" in body
    # D33: the citizen is told of the parent only, never of the police's part
    assert [n for n in _notices(app) if n[2] == child and n[0] == CITIZEN] == []
    assert ("ended", code) in [(n[1], n[2]) for n in _notices(app) if n[0] == CITIZEN]
    assert api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "assessment")).get_json()["status"] == 8


def test_stopping_the_parent_tells_the_police_leader_holding_the_approval_in_their_language_d28(app, api, clock):
    code, child = ends._handed_over(app, api, clock, (2026, 12, 7, 8, 30), (2026, 12, 7, 9, 0))
    ends._at(api, clock, 2026, 12, 8, 9, 0)
    api.act(officer(POLICE, "assessment"), child, "propose_approval", FINDINGS)  # now the leader's to approve
    _choose_english(app, officer(POLICE, "approval"))
    ends._at(api, clock, 2026, 12, 8, 10, 0)  # the Sở's one-stop stops the citizen's dossier
    r = api.post(f"/api/v1/dossiers/{code}/stop", officer(SO, "intake"), json={"reason": REASON})
    assert r.status_code == 200 and r.get_json()["status"] == 8, r.get_json()

    [told] = _notices(app, "lienthong_stopped")
    username, _, about, title, body, role = told
    assert (username, about, role) == (officer(POLICE, "approval"), child, "department_leader")
    assert title.startswith("Inter-agency") and child in title  # English, as the leader chose
    assert code in body and SO_NAME in body and REASON in body
    assert [n for n in _notices(app) if n[2] == child and n[0] == CITIZEN] == []


def test_a_police_part_already_resolved_is_not_stopped_nor_its_officers_told_d33(app, api, clock):
    """The police's result issued and waiting for its seal (status 9) when the citizen withdraws: it is not
    stopped (its answer still goes back), so no officer is told of a stop; the citizen's end notice is as ever."""
    code, child = ends._handed_over(app, api, clock, (2026, 12, 7, 8, 30), (2026, 12, 7, 9, 0))
    ends._at(api, clock, 2026, 12, 8, 9, 0)
    api.act(officer(POLICE, "assessment"), child, "propose_approval", FINDINGS)
    api.act(officer(POLICE, "approval"), child, "approve")
    app.extensions["tthc"]["after_commit"] = None  # the worker is busy: the result waits for its seal
    assert api.act(officer(POLICE, "signing"), child, "issue_result")["status"] == 9
    ends._at(api, clock, 2026, 12, 8, 10, 0)
    before = _notices(app)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": REASON})
    assert r.status_code == 200 and r.get_json()["status"] == 7, r.get_json()
    sealing._drain(app)  # the stop notice is sealed, its notice written; the police's answer goes back

    written = _notices(app)[len(before):]
    assert [(n[0], n[1], n[2]) for n in written] == [(CITIZEN, "ended", code)]  # the parent's, to the citizen
    assert api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "approval")).get_json()["status"] == 10


def test_a_police_part_already_returned_is_not_told_when_the_parent_stops_later_d33(app, api, clock):
    code, child = ends._handed_over(app, api, clock, (2026, 12, 7, 8, 30), (2026, 12, 7, 9, 0))
    ends._at(api, clock, 2026, 12, 8, 9, 0)  # the police answers in full: its part is returned to the Sở
    api.act(officer(POLICE, "assessment"), child, "propose_approval", FINDINGS)
    api.act(officer(POLICE, "approval"), child, "approve")
    api.act(officer(POLICE, "signing"), child, "issue_result")
    assert api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "approval")).get_json()["status"] == 10
    ends._at(api, clock, 2026, 12, 9, 9, 0)
    before = _notices(app)
    r = api.post(f"/api/v1/dossiers/{code}/stop", officer(SO, "intake"), json={"reason": REASON})
    assert r.status_code == 200 and r.get_json()["status"] == 8, r.get_json()

    written = _notices(app)[len(before):]
    assert [(n[0], n[1], n[2]) for n in written] == [(CITIZEN, "ended", code)]


def _told(app):
    with app.extensions["tthc"]["sessions"]() as session:
        return [tuple(r) for r in session.execute(
            select(User.username, Notice.role).join(User, User.id == Notice.user_id)
            .where(Notice.event == "lienthong_stopped").order_by(Notice.id))]


def test_the_leader_whose_decision_awaited_their_signature_is_told_it_was_withdrawn_d28_d33(app, api, clock):
    """D28, D33: the police leader approved without signing yet; the parent is withdrawn: the decision and its
    number are withdrawn with the part, and the leader, whose signing list loses it, is told."""
    code, child = ends._handed_over(app, api, clock, (2026, 12, 7, 8, 30), (2026, 12, 7, 9, 0))
    ends._at(api, clock, 2026, 12, 8, 9, 0)
    api.act(officer(POLICE, "assessment"), child, "propose_approval", ends.FINDINGS)
    api.auto_sign = False
    api.act(officer(POLICE, "approval"), child, "approve")
    [request] = api.get("/api/v1/signing-requests", officer(POLICE, "approval")).get_json()
    ends._at(api, clock, 2026, 12, 8, 10, 0)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    told = _told(app)
    assert officer(POLICE, "approval") in [t[0] for t in told], \
        f"the leader whose decision awaiting signature was withdrawn is not told; told: {told}"


def test_only_the_officer_who_claimed_the_task_is_told_not_every_holder_of_the_role_d28(app, api, clock):
    """D28: a claimed task is that officer's work: the other specialists of the police are not told of its stop."""
    from conftest import PASSWORD, password_hash
    from engine.cases import accounts
    from engine.data import agencies
    code, child = ends._handed_over(app, api, clock, (2026, 12, 7, 8, 30), (2026, 12, 7, 9, 0))
    with app.extensions["tthc"]["sessions"].begin() as session:
        accounts.ensure_officer(session, clock.now(), "congan.chuyenvien2", "Chuyên viên khác", {"specialist"},
                                agencies.by_code(session, POLICE), PASSWORD, password_hash=password_hash())
    task = [t for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json() if t["dossier"] == child][0]
    r = api.post(f"/api/v1/tasks/{task['id']}/claim", officer(POLICE, "assessment"))
    assert r.status_code == 200, r.get_json()
    ends._at(api, clock, 2026, 12, 8, 10, 0)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    told = [t[0] for t in _told(app)]
    assert told == [officer(POLICE, "assessment")], f"told: {told} (the task was claimed by one specialist)"
