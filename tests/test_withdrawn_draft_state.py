"""D22: a draft whose signing request was withdrawn with its dossier is written "withdrawn" in the document's
own row, where the request is withdrawn (engine.data.signing_model.withdraw_personal), not told apart later by
the dossier's status: every reader (the dossier's page and API, the downloads, the registers) reads one state.
The citizen withdraws on Tuesday 24/11/2026 while the leader's approval of Monday waits for its signature.
Migration 0040 writes the same for the drafts of requests withdrawn before it."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from conftest import CITIZEN, STEP_DATA, Api
from test_migrations import _alembic, old_database
from engine.data.model import Document, Dossier
from engine.data.signing_model import SigningRequest


@pytest.fixture
def api(app):
    return Api(app.test_client(), auto_sign=False)


def test_a_decision_awaiting_its_signature_when_the_citizen_withdraws_has_its_draft_written_withdrawn(api, app):
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as session:
        [draft] = session.scalars(select(Document).join(Dossier, Dossier.id == Document.dossier_id)
                                  .where(Dossier.code == code, Document.kind == "result_draft")).all()
        assert draft.state == "pending_signature"
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    with sessions() as session:
        assert session.get(Document, draft.id).state == "withdrawn"
        assert session.scalar(select(SigningRequest.state).where(SigningRequest.document_id == draft.id)) == \
            "withdrawn"
    shown = api.get(f"/api/v1/dossiers/{code}", "demo.lanhdao").get_json()["documents"]
    assert [(d["kind"], d["state"]) for d in shown if d["kind"] == "result_draft"] == [("result_draft", "withdrawn")]


def test_0040_writes_withdrawn_the_drafts_of_requests_withdrawn_before_it(tmp_path):
    """Before 0040: draft 1's request was withdrawn with its dossier (the draft still pending_signature), draft 2's
    request still awaits its signer, draft 3 is a signed result. Only draft 1 becomes withdrawn."""
    path, url, db = old_database(tmp_path, "0039", status=7)
    for n, kind, state in ((1, "result_draft", "pending_signature"), (2, "result_draft", "pending_signature"),
                           (3, "result", "signed")):
        db.execute("insert into document (id, dossier_id, kind, name, media_type, size, sha256, created_at, state) "
                   "values (?, 1, ?, 'd.pdf', 'application/pdf', 1, 'h', '2026-11-23 02:00:00', ?)", (n, kind, state))
    for n, state in ((1, "withdrawn"), (2, "awaiting_signer")):
        db.execute("insert into signing_request (id, dossier_id, kind, purpose, agency_id, role, method, outcome, "
                   "opinion, state, created_at, attempts, version, document_id) values (?, 1, 'result', 'personal', "
                   "1, 'head_of_agency', '{}', 'approved', '', ?, '2026-11-23 02:00:00', 1, 1, ?)", (n, state, n))
    db.commit()
    db.close()
    _alembic(url, "upgrade", "0040")
    db = sqlite3.connect(path)
    assert db.execute("select id, state from document order by id").fetchall() == [
        (1, "withdrawn"), (2, "pending_signature"), (3, "signed")]
    db.close()
    _alembic(url, "downgrade", "0039")
