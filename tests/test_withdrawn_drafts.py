"""D22: nothing unsigned is presented as pending issue when it never will be. A draft rendered for its signer
whose request was withdrawn (a re-issue withdrawn by the clerk or refused by the head, a decision awaiting its
signature when the dossier is withdrawn or stopped) shows as "withdrawn" ("đã thu hồi"), never as awaiting the
signature, and is never shown to the citizen. D22, D35: a result sent back to its signer because the certificate
lapsed says so in the dossier's history, with the number and who signs it again."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import CITIZEN, STEP_DATA
from test_result_reissue import issued
from test_signing_lapse_reopen import RENEWED, renew_certificates, requests_of
from test_signing_lapse_reopen import settings  # noqa: F401 - keys issued 25/11/2024, lapsing 25/11/2026 08:00
from engine.core.vocabulary import ACTIONS
from engine.data.model import Document, Dossier

DRAFT_KINDS = ("result_draft", "reissue_draft", "apology_draft")
REISSUE = ("reissue_draft",)  # the decision's draft, signed before the result was issued, stays as it was


def drafts(api, code: str, who: str, kinds=DRAFT_KINDS) -> list[tuple[str, str | None]]:
    """(kind, state) of the drafts (of ``kinds``) the dossier's description shows ``who``."""
    documents = api.get(f"/api/v1/dossiers/{code}", who).get_json()["documents"]
    return [(d["kind"], d["state"]) for d in documents if d["kind"] in kinds]


def test_a_withdrawn_correction_shows_its_draft_as_withdrawn_not_awaiting_signature_d22(api, app):
    """D22: the clerk withdraws a correction whose draft was already rendered for the head of agency on Monday
    23/11/2026: the draft stays in the dossier marked "withdrawn", no longer awaiting a signature, and the
    citizen never sees it."""
    code = issued(api, returned=True)
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue", "demo.vanthu",
                 json={"reason": "Sai tên hộ kinh doanh"})
    assert r.status_code == 201, r.get_json()
    assert drafts(api, code, "demo.vanthu", REISSUE) == [("reissue_draft", "pending_signature")]
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue/withdraw", "demo.vanthu",
                 json={"reason": "Gõ nhầm tên hộ kinh doanh"})
    assert r.status_code == 200, r.get_json()
    assert [(d["kind"], d["state"]) for d in r.get_json()["documents"] if d["kind"] in REISSUE] == \
        [("reissue_draft", "withdrawn")]
    assert drafts(api, code, "demo.vanthu", REISSUE) == [("reissue_draft", "withdrawn")]
    assert drafts(api, code, CITIZEN) == []
    with app.extensions["tthc"]["sessions"]() as session:
        states = session.scalars(select(Document.state).join(Dossier, Dossier.id == Document.dossier_id)
                                 .where(Dossier.code == code, Document.kind == "reissue_draft")).all()
    assert states == ["withdrawn"]


@pytest.mark.parametrize("who, path, status", [(CITIZEN, "withdraw", 7), ("demo.tiepnhan", "stop", 8)])
def test_a_decision_draft_of_an_ended_dossier_shows_as_withdrawn_d22(api, who, path, status):
    """D22: approved on Monday 23/11/2026 and its draft rendered for the leader, the dossier is withdrawn by the
    citizen (or stopped by the one-stop) before the leader signs: the draft shows as "withdrawn" to the officers,
    not as awaiting the leader's signature, and the citizen is never shown it."""
    api.auto_sign = False
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    assert drafts(api, code, "demo.vanthu") == [("result_draft", "pending_signature")]
    r = api.post(f"/api/v1/dossiers/{code}/{path}", who, json={"reason": "Người nộp muốn bổ sung giấy tờ khác"})
    assert r.status_code == 200 and r.get_json()["status"] == status, r.get_json()
    assert drafts(api, code, "demo.vanthu") == [("result_draft", "withdrawn")]
    assert drafts(api, code, CITIZEN) == []


def test_a_result_sent_back_for_a_lapsed_certificate_is_in_the_dossier_history_d22(api, app, clock, settings):
    """D22, D35: the clerk's issue on Wednesday 25/11/2026 14:00 is refused because the leader's certificate
    lapsed that morning; the result goes back to the leader, and the dossier's history says so (the engine did
    it, naming the number 1/GCN-UBND and the leader who signs again), once."""
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    clock.set(RENEWED)
    renew_certificates(app, settings, clock.now())
    api.auto_sign = False
    with app.extensions["tthc"]["sessions"]() as session:
        version = session.scalar(select(Dossier.version).where(Dossier.code == code))
    api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"], status=422)
    api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"], status=422)
    assert len(requests_of(app, code)) == 2
    history = api.get(f"/api/v1/dossiers/{code}", "demo.vanthu").get_json()["history"]
    sent = [e for e in history if e["action"] == "signature_sent_back"]
    assert len(sent) == 1 and sent[0]["system"] and sent[0]["status"] == 4
    assert ACTIONS["signature_sent_back"].done == \
        "Chuyển lại kết quả để ký số lại (chứng thư số đã hết hiệu lực)"
    from engine.data.model import AuditEvent

    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        data = session.scalar(select(AuditEvent.data).where(AuditEvent.dossier_id == dossier.id,
                                                            AuditEvent.action == "signature_sent_back"))
        assert dossier.version > version and dossier.audit_count == len(history)
    assert data["number"] == "1/GCN-UBND" and data["signer"] == "Phạm Minh Lãnh"
    again = requests_of(app, code)[1]
    assert data["request"] == again.id
