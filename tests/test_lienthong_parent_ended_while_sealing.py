"""Liên thông (D33) when the citizen withdraws the parent (D16) while the other agency's result, already issued by
its clerk (D22), waits for the worker to seal it; and the worker's drain when one request fails.

processes/ly-lich-tu-phap: the Sở Tư pháp's 2.000488 hands over to the city police's 2.000505. A resolved
sub-dossier cannot be stopped with its parent: once sealed, its answer still goes back to the Sở (the police's
part is returned, status 10), kept on the withdrawn parent's record, and the parent stays withdrawn with its
stop notice issued. One request that fails in the drain is tried again later and holds back no other.
"""
from __future__ import annotations

from conftest import CITIZEN, Api, iso, vn
from lienthong_support import FORM, PARENT_CODE, SO, build_lienthong, officer
from sqlalchemy import select

from engine.cases import issuing, signing_requests
from engine.cli.demo import POLICE
from engine.data.model import Dossier
from engine.data.signing_model import SigningRequest

FINDINGS = {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"}
RECEIVER = "demo.tiepnhan"  # the sample procedure's one-stop officer (conftest)


def _at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()  # the day moved on: sign in again


def _drain(app) -> int:
    ext = app.extensions["tthc"]
    return signing_requests.drain(ext["sessions"].begin, ext["settings"], ext["clock"].now())


def _requests(app, code: str) -> list[SigningRequest]:
    with app.extensions["tthc"]["sessions"]() as session:
        return list(session.scalars(select(SigningRequest).join(Dossier, Dossier.id == SigningRequest.dossier_id)
                                    .where(Dossier.code == code).order_by(SigningRequest.id)))


def test_the_police_result_sealed_after_the_parent_was_withdrawn_goes_back_to_the_so(app, api, clock, backend):
    build_lienthong(app)
    _at(api, clock, 2026, 12, 7, 8, 30)  # Monday
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    _at(api, clock, 2026, 12, 7, 9, 0)
    api.act(officer(SO, "intake"), code, "receive")  # received and handed over to the police at once
    [task] = [t for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()
              if t["dossier"].startswith(POLICE)]
    child = task["dossier"]
    _at(api, clock, 2026, 12, 8, 9, 0)  # Tuesday: proposed, approved and signed at the police
    api.act(officer(POLICE, "assessment"), child, "propose_approval", FINDINGS)
    api.act(officer(POLICE, "approval"), child, "approve")
    ext = app.extensions["tthc"]
    ext["after_commit"] = None  # the worker is busy: what the commands record waits for it
    sub = api.act(officer(POLICE, "signing"), child, "issue_result")
    assert sub["status"] == 9
    [result] = [q for q in _requests(app, child) if q.kind == "result"]
    assert result.state == "pending"

    _at(api, clock, 2026, 12, 8, 10, 0)  # the citizen withdraws before the worker seals the police's result
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200 and r.get_json()["status"] == 7, r.get_json()
    assert api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "approval")).get_json()["status"] == 9

    _at(api, clock, 2026, 12, 8, 10, 5)
    _drain(app)  # raises nothing
    sub = api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "approval")).get_json()
    assert sub["status"] == 10 and sub["returned_at"] == iso(2026, 12, 8, 10, 5)  # returned to the Sở
    [result] = [q for q in _requests(app, child) if q.kind == "result"]
    assert result.state == "signed" and result.last_error is None
    parent = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert parent["status"] == 7  # still withdrawn: no task of it went on
    assert len([d for d in parent["documents"] if d["kind"] == "stop_notice"]) == 1
    assert all(q.state == "signed" for q in _requests(app, code))
    actions = [e["action"] for e in parent["history"]]
    assert "hand_back" not in actions and actions[-1] == "attach"  # the answer came after the end
    seen = api.get(f"/api/v1/dossiers/{code}", officer(SO, "assessment")).get_json()
    [handover] = seen["handovers"]
    assert handover["returned_at"] == iso(2026, 12, 8, 10, 5) and handover["status"] == 10
    assert [d["id"] for d in seen["documents"] if d["kind"] == "lienthong_result"] == [handover["document"]]
    assert [t for t in api.get("/api/v1/tasks", officer(SO, "assessment")).get_json() if t["dossier"] == code] == []

    _at(api, clock, 2026, 12, 9, 10, 0)
    assert _drain(app) == 0  # nothing left, nothing raised


def test_a_request_that_fails_in_the_drain_does_not_hold_back_the_next(app, clock, monkeypatch, backend):
    ext = app.extensions["tthc"]
    ext["after_commit"] = None  # the drain runs only when the test says
    api = Api(app.test_client(), auto_sign=False)
    clock.set(vn(2026, 12, 7, 8, 30))
    first, second = api.file(CITIZEN)["code"], api.file(CITIZEN)["code"]
    clock.set(vn(2026, 12, 7, 9, 0))
    api.act(RECEIVER, first, "receive")
    api.act(RECEIVER, second, "receive")
    real = issuing.finish

    def failing(session, settings, req, doc, now):
        if req.dossier.code == first:
            raise RuntimeError("không gửi được thông báo")
        real(session, settings, req, doc, now)

    monkeypatch.setattr(issuing, "finish", failing)
    assert _drain(app) == 2  # both tried in the one drain, nothing raised
    [broken], [made] = _requests(app, first), _requests(app, second)
    assert broken.state == "pending" and "không gửi được thông báo" in broken.last_error
    assert broken.document_id is None  # its storing was rolled back
    assert made.state == "signed" and made.document_id is not None
    monkeypatch.setattr(issuing, "finish", real)
    assert _drain(app) == 0  # tried again only after a while
    clock.set(vn(2026, 12, 7, 9, 2))
    assert _drain(app) == 1
    [broken] = _requests(app, first)
    assert broken.state == "signed" and broken.last_error is None
    receipts = [d for d in api.get(f"/api/v1/dossiers/{first}", CITIZEN).get_json()["documents"]
                if d["kind"] == "receipt"]
    assert len(receipts) == 1
