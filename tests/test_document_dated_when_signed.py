"""D34 (NĐ 30/2020/NĐ-CP): a document carries the date on which the competent person signs it, in Vietnam time,
not the day of the decision that asked for it. The leader approves on Tuesday 24/11/2026 (the draft is rendered
right after the commit), signs on Thursday 26/11 and the clerk issues on Friday 27/11: the result (and the
certificate's "Đăng ký lần đầu", which prints the issuing date) says 26/11, under the number allocated at the
decision. The same for a refusal notice and an apology letter (Mẫu 04); a same-day signature signs the draft as
rendered; a signature at 23:30 UTC is the next day in Vietnam. Real BPMN, real PDFs and PAdES signatures."""
from __future__ import annotations

from datetime import datetime, timezone
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA, Api
from web_support import Web, text_of
from engine.cases import issuing
from engine.core.clock import VN_TZ
from engine.data.model import Document, Dossier, User
from engine.data.signing_model import OPEN_STATES, SigningRequest
from engine.paperwork import documents, drafting

RECEIVER, SPECIALIST, LEADER, CLERK = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.vanthu"
REFUSAL = {"reasons": ["Ngành nghề kinh doanh thuộc danh mục cấm"]}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def api(app):
    return Api(app.test_client(), auto_sign=False)


def at(api, clock, when: datetime) -> None:
    clock.set(when)
    api.tokens.clear()


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


def decided(api, clock, action: str = "approve") -> str:
    """Filed, received and proposed Monday 23/11/2026 09:00; decided by the leader Tuesday 24/11 16:50."""
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    if action == "approve":
        api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    else:
        api.act(SPECIALIST, code, "propose_refusal", STEP_DATA["propose_refusal"])
    at(api, clock, vn(2026, 11, 24, 16, 50))
    api.act(LEADER, code, action, None if action == "approve" else REFUSAL)
    return code


def waiting(app, code: str) -> tuple[int, str, str | None]:
    """The dossier's open signing request: its id, its signer's username, its number."""
    with app.extensions["tthc"]["sessions"]() as session:
        req, user = session.execute(select(SigningRequest, User).join(User, User.id == SigningRequest.signer_id)
                                    .join(Dossier, Dossier.id == SigningRequest.dossier_id)
                                    .where(Dossier.code == code, SigningRequest.state.in_(OPEN_STATES))).one()
        return req.id, user.username, req.number


def sign(api, app, code: str) -> tuple[int, str | None]:
    request_id, signer, number = waiting(app, code)
    r = api.post(f"/api/v1/signing-requests/{request_id}/sign", signer, json={"pin": PASSWORD})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["number"] == number
    return request_id, number


def pdfs(app, code: str, kind: str) -> list[tuple[bytes, str, str | None]]:
    """Each stored document of ``kind``: its bytes, its text on one line, its number."""
    ext = app.extensions["tthc"]
    found = []
    with ext["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        for doc in session.scalars(select(Document).where(Document.dossier_id == dossier.id, Document.kind == kind)
                                   .order_by(Document.id)):
            content = documents.read(ext["settings"].data_dir, doc)
            text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(content)).pages)
            found.append((content, " ".join(text.split()), doc.number))
    return found


def test_a_result_signed_two_days_after_the_approval_carries_the_day_it_is_signed(api, app, clock):
    code = decided(api, clock)
    [(_, draft, _)] = pdfs(app, code, "result_draft")
    assert "ngày 24 tháng 11 năm 2026" in draft  # rendered right after the approval's commit
    at(api, clock, vn(2026, 11, 26, 9, 0))
    request_id, number = sign(api, app, code)
    at(api, clock, vn(2026, 11, 27, 8, 0))
    api.act(CLERK, code, "issue_result", {"so_van_ban": number})
    [(_, text, issued_number)] = pdfs(app, code, "result")
    assert "Huế, ngày 26 tháng 11 năm 2026" in text, text
    assert "Đăng ký lần đầu: ngày 26 tháng 11 năm 2026" in text, text
    assert "ngày 24 tháng 11" not in text and "ngày 27 tháng 11" not in text
    assert number and number in text and issued_number == number  # the number allocated at the decision
    # the day it is dated at is recorded: the request rendered again is the very document that was signed
    [(signed, _, _)] = pdfs(app, code, "result_draft")
    with app.extensions["tthc"]["sessions"]() as session:
        req = session.get(SigningRequest, request_id)
        assert drafting.dated_at(req) == vn(2026, 11, 26, 9, 0)
        again = drafting.render(app.extensions["tthc"]["settings"], req, req.signer.full_name,
                                issuing.issuer(session, req))
    assert signed.startswith(again)


def test_a_refusal_notice_signed_later_carries_the_day_it_is_signed(api, app, clock):
    code = decided(api, clock, "refuse")
    at(api, clock, vn(2026, 11, 26, 9, 0))
    _, number = sign(api, app, code)
    at(api, clock, vn(2026, 11, 27, 8, 0))
    api.act(CLERK, code, "issue_result", {"so_van_ban": number})
    [(_, text, issued_number)] = pdfs(app, code, "result")
    assert "ngày 26 tháng 11 năm 2026" in text, text
    assert "ngày 24 tháng 11" not in text
    assert issued_number == number and number in text


def test_a_result_signed_on_the_day_of_the_approval_is_the_draft_as_rendered(api, app, clock):
    code = decided(api, clock)
    [(draft, _, _)] = pdfs(app, code, "result_draft")
    at(api, clock, vn(2026, 11, 24, 17, 30))
    sign(api, app, code)
    [(signed, text, _)] = pdfs(app, code, "result_draft")
    assert signed.startswith(draft)  # the signature is appended to the very bytes the leader previewed
    assert "ngày 24 tháng 11 năm 2026" in text and "ngày 25 tháng 11" not in text


def test_a_signature_at_23_30_utc_is_dated_the_next_day_in_vietnam(api, app, clock):
    code = decided(api, clock)
    at(api, clock, datetime(2026, 11, 25, 23, 30, tzinfo=timezone.utc))  # Thursday 26/11 06:30 in Huế
    sign(api, app, code)
    [(_, text, _)] = pdfs(app, code, "result_draft")
    assert "ngày 26 tháng 11 năm 2026" in text, text
    assert "ngày 25 tháng 11" not in text and "ngày 24 tháng 11" not in text


def test_the_signer_s_page_says_the_document_will_carry_the_day_it_is_signed(api, app, clock):
    code = decided(api, clock)
    request_id, _, _ = waiting(app, code)
    leader = Web(app.test_client()).login(LEADER)
    same_day = text_of(leader.get(f"/can-bo/ky-so/{request_id}"))
    assert "ngày 24 tháng 11 năm 2026" in same_day and "ngày ký" in same_day
    at(api, clock, vn(2026, 11, 26, 9, 0))
    later = text_of(Web(app.test_client()).login(LEADER).get(f"/can-bo/ky-so/{request_id}"))
    assert "ngày 26 tháng 11 năm 2026" in later, later
    assert "ngày 24 tháng 11 năm 2026" in later  # the draft's own date, said to change


def test_an_apology_letter_signed_the_next_day_carries_the_day_it_is_signed(api, app, clock):
    # Received Monday 23/11/2026 09:00 (due Friday 27/11 09:00); 1 working day of extension asked Wednesday 25/11
    # 09:00, confirmed by the leader and the centre: the head of agency's letter (Mẫu 04) waits for them.
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    at(api, clock, vn(2026, 11, 25, 9, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm"})
    api.act(LEADER, code, "confirm_extension")
    api.act("demo.giamdoc", code, "confirm_extension")
    at(api, clock, vn(2026, 11, 26, 10, 0))
    sign(api, app, code)
    [(_, text, _)] = pdfs(app, code, "apology")
    assert "ngày 26 tháng 11 năm 2026" in text, text
    assert "ngày 25 tháng 11" not in text
