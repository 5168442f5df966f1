"""A document that fails to be made (D22, D35: it stays "đang phát hành", never half issued) is not retried every
minute for ever. The spec does not say how often; an operator wants: each failure of the same request waits
longer before the next try (1, 2, 4, 8 ... minutes on the worker's injected clock, at most an hour); after five
failures the failure shows among the administrators' incidents (one open incident per request, never a flood),
with its message, and an administrator's retry runs it at once; the seal key made (`tthc pki init`) lets it
succeed. Ward 09 arrives after `tthc pki init`: its Mẫu 01 cannot be sealed until its key is made."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, SAMPLE_CODE, START, make_settings, password_hash
from engine import timers
from engine.cases import accounts, incidents, issuing
from engine.core.settings import with_secrets
from engine.data.agency_model import AdminEvent, Agency, ProcedureOffer
from engine.data.model import Document, Dossier, Incident, Procedure, User
from engine.data.signing_model import SigningRequest
from engine.paperwork import results

WARD_09 = "000.00.09.H56"
ALL_ROLES = {"receiving_officer", "specialist", "department_leader", "head_of_agency", "clerk"}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def settings(database_url, tmp_path):
    """This module's own PKI: the key of ward 09 made here is nobody else's."""
    return with_secrets(make_settings(tmp_path / "data", database_url, tmp_path / "pki"))


@pytest.fixture
def keyless(app, clock):
    """Every agency has its seal key (`tthc pki init`), then ward 09 arrives without one, with an officer holding
    every role, an administrator, and an offer of the sample procedure."""
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        results.ensure_keys(session, ext["settings"], clock.now())
        ward = Agency(code=WARD_09, name="Ủy ban nhân dân phường Hương An (kiểm thử)", level="commune")
        session.add(ward)
        session.flush()
        accounts.ensure_officer(session, clock.now(), "nokey.canbo", "Cán bộ phường", ALL_ROLES, ward, PASSWORD,
                                password_hash=password_hash())
        accounts.ensure_officer(session, clock.now(), "nokey.admin", "Quản trị phường", {"administrator"}, ward,
                                PASSWORD, password_hash=password_hash())
        proc = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
        session.add(ProcedureOffer(procedure_id=proc.id, agency_id=ward.id, settings={}, active=True,
                                   created_at=clock.now()))
    assert not results.pki(ext["settings"]).org_key(WARD_09).exists()
    return ext


@pytest.fixture
def receipt(api, keyless, clock):
    """Received on Monday 23/11/2026 09:00: the command succeeds, its Mẫu 01 fails at once (the first failure)."""
    code = api.file(CITIZEN, agency=WARD_09)["code"]
    api.act("nokey.canbo", code, "receive")
    with keyless["sessions"]() as session:
        [req] = session.scalars(select(SigningRequest).join(Dossier, Dossier.id == SigningRequest.dossier_id)
                                .where(Dossier.code == code, SigningRequest.kind == "receipt")).all()
        assert req.state == "pending" and req.attempts == 1
        return code, req.id


def beat(ext, clock, minutes: int) -> int:
    """The worker's beat ``minutes`` after 09:00 (the injected clock): how many documents it tried."""
    clock.set(START + timedelta(minutes=minutes))
    return timers.render_signing(ext["sessions"], ext["settings"], clock.now())


def request(ext, request_id: int) -> SigningRequest:
    with ext["sessions"]() as session:
        return session.get(SigningRequest, request_id)


def open_incidents(ext, code: str) -> list[Incident]:
    with ext["sessions"]() as session:
        return list(session.scalars(select(Incident).join(Dossier, Dossier.id == Incident.dossier_id)
                                    .where(Dossier.code == code, Incident.state == "open")))


def fail_five_times(ext, clock) -> None:
    """Failures 2 to 5, each at the first beat its wait allows: 09:01, 09:03, 09:07, 09:15."""
    for minutes in (1, 3, 7, 15):
        assert beat(ext, clock, minutes) == 1, minutes


def admin_retry(ext, clock, incident_id: int) -> Incident:
    with ext["sessions"].begin() as session:
        admin = session.scalar(select(User).where(User.username == "nokey.admin"))
        incident, _code = timers.retry(session, ext["settings"], admin, incident_id, clock.now())
        return incident


def test_each_failure_of_a_document_waits_longer_before_its_next_try_on_the_injected_clock(keyless, receipt, clock):
    """D22: failed at 09:00, tried at 09:01 (a minute); failed again, not at 09:02 but at 09:03 (two); then not
    before 09:07 (four). The request keeps its clear Vietnamese message meanwhile."""
    _code, request_id = receipt
    assert beat(keyless, clock, 1) == 1  # the second failure
    assert beat(keyless, clock, 2) == 0  # waits two minutes now
    assert beat(keyless, clock, 3) == 1  # the third
    for minutes in (4, 5, 6):
        assert beat(keyless, clock, minutes) == 0, minutes
    assert beat(keyless, clock, 7) == 1  # the fourth
    req = request(keyless, request_id)
    assert req.state == "pending" and req.attempts == 4 and req.document_id is None
    assert "chưa có khóa con dấu số" in req.last_error and "Traceback" not in req.last_error


def test_the_wait_doubles_and_is_never_longer_than_an_hour():
    """An operator's back-off: 1, 2, 4, 8 ... minutes, at most an hour however often it failed."""
    assert [issuing.retry_wait(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert issuing.retry_wait(7) == timedelta(hours=1) == issuing.retry_wait(10_000)


def test_after_five_failures_one_incident_shows_the_documents_failure_to_its_administrators(keyless, receipt,
                                                                                           clock):
    """Four failures are the worker's business; the fifth opens one incident with the message; later failures
    count on it, never a new one."""
    code, _request_id = receipt
    for minutes in (1, 3, 7):
        assert beat(keyless, clock, minutes) == 1
    assert open_incidents(keyless, code) == []
    assert beat(keyless, clock, 15) == 1  # the fifth
    [incident] = open_incidents(keyless, code)
    assert incident.attempts == 5 and "chưa có khóa con dấu số" in incident.message
    assert "Giấy tiếp nhận hồ sơ" in incident.message  # which document, in words
    assert beat(keyless, clock, 30) == 0 and beat(keyless, clock, 31) == 1  # waited sixteen minutes
    [again] = open_incidents(keyless, code)
    assert again.id == incident.id and again.attempts == 6
    with keyless["sessions"]() as session:  # on the administrators' list of incidents
        admin = session.scalar(select(User).where(User.username == "nokey.admin"))
        listed = incidents.page(session, admin, state="open")
        assert [(i.id, c) for i, c in listed.rows] == [(incident.id, code)]


def test_an_administrators_retry_has_the_document_made_at_once_after_its_commit_never_inside_it(
        keyless, receipt, clock):
    """A retry within the wait (09:16; the worker's next try is not before 09:31) has the request tried at once by
    the drain its commit wakes, not in the administrator's transaction (making a PDF there would hold every other
    writer): failing, the failure counts on the still open incident; with the key made, it is issued and the
    incident resolves by itself. Each retry is audited as asked ("queued")."""
    code, request_id = receipt
    fail_five_times(keyless, clock)
    [incident] = open_incidents(keyless, code)
    clock.set(START + timedelta(minutes=16))
    asked = admin_retry(keyless, clock, incident.id)
    assert asked.state == "open" and request(keyless, request_id).attempts == 5  # nothing made in the retry
    assert beat(keyless, clock, 16) == 1  # the drain right after the commit
    [failed] = open_incidents(keyless, code)
    assert failed.attempts == 6 and "chưa có khóa con dấu số" in failed.message
    with keyless["sessions"].begin() as session:  # `tthc pki init`
        results.ensure_keys(session, keyless["settings"], clock.now())
    admin_retry(keyless, clock, incident.id)
    assert beat(keyless, clock, 16) == 1
    req = request(keyless, request_id)
    assert req.state == "signed" and req.document_id is not None and req.last_error is None
    assert open_incidents(keyless, code) == []
    with keyless["sessions"]() as session:
        assert session.get(Document, req.document_id).kind == "receipt"
        assert session.get(Incident, incident.id).state == "resolved"
        outcomes = [e.details.get("outcome") for e in session.scalars(
            select(AdminEvent).where(AdminEvent.action == "incident.retry").order_by(AdminEvent.id))]
        assert outcomes == ["queued", "queued"]


def test_the_seal_key_made_lets_the_next_try_succeed_and_the_incident_closes_by_itself(keyless, receipt, clock):
    code, request_id = receipt
    fail_five_times(keyless, clock)
    with keyless["sessions"].begin() as session:
        results.ensure_keys(session, keyless["settings"], clock.now())
    assert beat(keyless, clock, 31) == 1
    assert request(keyless, request_id).state == "signed"
    assert open_incidents(keyless, code) == []
    with keyless["sessions"]() as session:
        assert session.scalar(select(Incident.state).join(Dossier, Dossier.id == Incident.dossier_id)
                              .where(Dossier.code == code)) == "resolved"


def test_the_timer_sweep_neither_closes_nor_joins_a_documents_incident(keyless, receipt, clock):
    """The sweep handling the dossier does not resolve the document's incident (the document is still not made),
    and a failure of the sweep opens its own; skipping the document's incident leaves the dossier's timers."""
    code, _request_id = receipt
    fail_five_times(keyless, clock)
    [incident] = open_incidents(keyless, code)
    with keyless["sessions"].begin() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        planned = dossier.next_timer_at
        incidents.resolve_handled(session, [dossier.id], clock.now())
        incidents.record_failure(session, dossier.id, clock.now(), "RuntimeError: sweep")
    assert sorted(i.message.startswith("RuntimeError") for i in open_incidents(keyless, code)) == [False, True]
    with keyless["sessions"].begin() as session:
        admin = session.scalar(select(User).where(User.username == "nokey.admin"))
        skipped, _code = incidents.skip(session, keyless["settings"], admin, incident.id,
                                        {"reason": "Chờ cấp khóa con dấu"}, clock.now())
        assert skipped.state == "skipped"
        assert session.scalar(select(Dossier).where(Dossier.code == code)).next_timer_at == planned


def test_making_the_missing_seal_key_tries_the_waiting_documents_at_the_next_beat(keyless, receipt, clock):
    """After five failures the receipt waits sixteen minutes (until 09:31); `tthc pki init` making ward 09's key
    (engine.cli.keys.init_pki: the keys, then issuing.try_now) lets the very next beat, 09:16, make it."""
    _code, request_id = receipt
    fail_five_times(keyless, clock)
    assert beat(keyless, clock, 16) == 0  # still waiting out its back-off
    with keyless["sessions"].begin() as session:
        assert results.ensure_keys(session, keyless["settings"], clock.now()) == 1
        assert issuing.try_now(session) == 1
    assert beat(keyless, clock, 17) == 1
    assert request(keyless, request_id).state == "signed"


def test_the_incidents_page_says_the_document_is_being_made_again(app, keyless, receipt, clock):
    """/quan-tri/su-co: the administrator's "chạy lại" on a document's incident says it is being made now and
    that the incident closes by itself, not that the retry failed."""
    from web_support import Web, text_of

    code, _request_id = receipt
    fail_five_times(keyless, clock)
    [incident] = open_incidents(keyless, code)
    web = Web(app.test_client()).login("nokey.admin")
    r = web.post(f"/quan-tri/su-co/{incident.id}/chay-lai", {}, status=302)
    said = text_of(web.get(r.headers["Location"]))
    assert f"Đã yêu cầu lập lại văn bản của hồ sơ {code} ngay" in said and "vẫn lỗi" not in said
