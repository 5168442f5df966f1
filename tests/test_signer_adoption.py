"""A refusal left without a signer (D21: signed by the head of agency; D22: a result not validly signed cannot be
returned) goes to the head the administrator gives the agency afterwards: an officer given the role, created with
it, a suspended head reinstated, or a head moved into the agency. A role change that concerns no request left
without a signer moves nothing. Real SQLite and PostgreSQL, real PDFs and signatures."""
from __future__ import annotations

from sqlalchemy import select

from staff_support import officer_of_another_ward
from test_signer_competence import (ADMIN, HEAD, NEW_HEAD, NEW_HEAD_NAME, PASSWORD, REASONS, Api, another_officer,
                                    at, change, decided, draft_signers, last_admin_event, waiting)
from engine.cases import staff
from engine.data.model import Dossier, User
from engine.data.signing_model import SigningRequest
from engine.paperwork import results


def orphaned(api, clock) -> str:
    """Mon 07/12/2026: the leader refuses at 10:00, the notice waits for the agency's only head; at 15:00 the
    administrator suspends him and nobody is left to sign it."""
    code = decided(api, clock, "refuse", REASONS)
    at(api, clock, 2026, 12, 7, 15, 0)
    change(api, HEAD, {"active": False, "reason": "Nghỉ hưu"})
    assert last_admin_event(api.client.application, "officer.suspend")["signing"] == {"unassigned": [code]}
    return code


def signs_on_wednesday(api, clock, code: str) -> None:
    """Wed 09/12/2026 09:00 the new head sees the refusal notice, signs it, and the notice bears his name."""
    at(api, clock, 2026, 12, 9, 9, 0)
    [req] = waiting(api, NEW_HEAD, code)
    assert req["state"] == "awaiting_signer"  # drawn again in the new head's name
    r = api.post(f"/api/v1/signing-requests/{req['id']}/sign", NEW_HEAD, json={"pin": PASSWORD})
    assert r.status_code == 200, r.get_json()
    assert draft_signers(api, code) == [[NEW_HEAD_NAME]]


def test_an_officer_given_the_head_role_signs_the_refusal_left_by_the_suspended_head(app, clock):
    api = Api(app.test_client(), auto_sign=False)
    code = orphaned(api, clock)
    at(api, clock, 2026, 12, 8, 9, 0)  # Tue 08/12: another officer becomes head of the agency
    another_officer(app, NEW_HEAD, NEW_HEAD_NAME, "specialist")
    change(api, NEW_HEAD, {"roles": ["head_of_agency"]})
    assert last_admin_event(app, "officer.update")["signing"] == {"adopted": [code]}
    signs_on_wednesday(api, clock, code)


def test_a_reinstated_head_takes_the_refusal_left_by_the_other_suspended_head(app, clock):
    another_officer(app, NEW_HEAD, NEW_HEAD_NAME, "head_of_agency")
    api = Api(app.test_client(), auto_sign=False)
    at(api, clock, 2026, 12, 4, 16, 0)  # Fri 04/12: the second head is suspended (on leave)
    change(api, NEW_HEAD, {"active": False, "reason": "Nghỉ phép"})
    code = orphaned(api, clock)
    at(api, clock, 2026, 12, 8, 9, 0)  # Tue 08/12: back from leave
    change(api, NEW_HEAD, {"active": True})
    assert last_admin_event(app, "officer.reinstate")["signing"] == {"adopted": [code]}
    signs_on_wednesday(api, clock, code)


def test_a_head_created_by_the_administrator_is_given_the_refusal(app, clock):
    api = Api(app.test_client(), auto_sign=False)
    code = orphaned(api, clock)
    with app.extensions["tthc"]["sessions"]() as session:
        agency = session.scalar(select(User).where(User.username == HEAD)).agency.code
    at(api, clock, 2026, 12, 8, 9, 0)
    r = api.client.post("/api/v1/officers", headers=api.headers(ADMIN), json={
        "username": "fx.thutruong3", "full_name": "Lê Văn Bổ", "agency": agency, "roles": ["head_of_agency"],
        "email": "fx.thutruong3@example.vn"})
    assert r.status_code == 201, r.get_json()
    assert last_admin_event(app, "officer.create")["signing"] == {"adopted": [code]}
    with app.extensions["tthc"]["sessions"]() as session:
        [req] = session.scalars(select(SigningRequest).join(SigningRequest.dossier)
                                .where(Dossier.code == code, SigningRequest.purpose == "personal")).all()
        assert req.signer.username == "fx.thutruong3"


def test_a_role_change_that_concerns_no_request_left_without_signer_moves_nothing(app, clock):
    api = Api(app.test_client(), auto_sign=False)
    code = decided(api, clock, "refuse", REASONS)  # the head is still there: the refusal is his to sign
    at(api, clock, 2026, 12, 8, 9, 0)
    another_officer(app, NEW_HEAD, NEW_HEAD_NAME, "specialist")
    change(api, NEW_HEAD, {"roles": ["head_of_agency"]})
    assert "signing" not in last_admin_event(app, "officer.update")
    assert waiting(api, NEW_HEAD, code) == []
    [req] = waiting(api, HEAD, code)
    r = api.post(f"/api/v1/signing-requests/{req['id']}/sign", HEAD, json={"pin": PASSWORD})
    assert r.status_code == 200, r.get_json()


def test_a_head_moved_into_the_agency_is_given_the_refusal(app, clock):
    api = Api(app.test_client(), auto_sign=False)
    code = orphaned(api, clock)
    at(api, clock, 2026, 12, 8, 9, 0)  # Tue 08/12: a head of another ward is moved here
    ext = app.extensions["tthc"]
    officer_of_another_ward(app, clock.now(), NEW_HEAD, {"head_of_agency"})
    with ext["sessions"].begin() as session:
        user = session.scalar(select(User).where(User.username == NEW_HEAD))
        user.full_name = NEW_HEAD_NAME
        agency = session.scalar(select(User).where(User.username == HEAD)).agency
        pki = results.pki(ext["settings"])
        pki.issue(pki.user_key(NEW_HEAD), NEW_HEAD_NAME, agency.name, clock.now(), pin=PASSWORD)
        staff.update(session, clock.now(), None, NEW_HEAD, {"agency": agency.code})
    ext["after_commit"]()  # the worker draws the draft (the web edge wakes it after such a commit)
    assert last_admin_event(app, "officer.update")["signing"] == {"adopted": [code]}
    signs_on_wednesday(api, clock, code)
