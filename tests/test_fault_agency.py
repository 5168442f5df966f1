"""D19, D20, D29: the overdue apology goes to the head of the agency at fault. Ward A (UBND phường An Cựu) receives
the procedure and the department (Sở Công Thương) processes it, as ward A's offer says. The apology item was
always opened for the receiving ward: the head of the department, which held the dossier when it became late,
never saw it, and the letter was written and numbered in the ward's name. Now the item, the dossier page's
"apology needed" banner, the letter's issuing body, its number (the department's register) and its seal are the
department's; the ward's head is not asked. A dossier with no processing agency is unchanged. The officers of
the processing agency verify the dossier's audit chain too (``GET /api/v1/dossiers/{code}/audit``).

Timeline (the default clock): filed at ward A and received Monday 23/11/2026 09:00; 3 working days with
Tuesday 24/11 a day off (D15, from 2026): due Friday 27/11/2026 09:00. The sweep at 09:00 that day finds it
overdue while the department's specialist holds the assessment; the apology item is due one working day later,
Monday 30/11/2026 09:00 (28-29/11 weekend).
"""
from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA, iso, make_settings, sign_requested, vn
from test_offers import DEMO, DEPT, WARD_A, WARD_B, put_offers
from test_offers import province  # noqa: F401  (the fixture)
from web_support import Web, text_of

from engine import timers
from engine.cases.steps import apology
from engine.core.settings import with_secrets
from engine.data import agencies
from engine.data.model import Document, DocumentSignature, Dossier, Letter, User
from engine.data.notice_model import Notice
from engine.data.signing_model import SigningRequest
from engine.paperwork import documents, results

REASON = "Chậm xác minh địa điểm kinh doanh tại Sở"
DEPT_NAME = "Sở Công Thương"
BANNER = 'id="apology-title"'  # the dossier page's "apology needed" panel (templates/inbox/dossier.html)


@pytest.fixture
def settings(database_url, tmp_path):
    """This module's own PKI: the province's agencies get their seals and their officers their keys below, never
    in the directory the other tests share."""
    return with_secrets(make_settings(tmp_path / "data", database_url, tmp_path / "pki"))


@pytest.fixture
def processed(api, province, app, clock):  # noqa: F811
    """Ward A receives, the department processes (ward A's offer); every agency has its seal and every signing
    officer their key. Filed and received Mon 23/11/2026 09:00, due Fri 27/11 09:00. Returns (code, ids)."""
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        results.ensure_keys(session, ext["settings"], clock.now(), pin=PASSWORD)
        ids = {code: agencies.by_code(session, code).id for code in (WARD_A, WARD_B, DEPT)}
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    filed = api.file(CITIZEN, agency=WARD_A)
    assert (filed["agency"], filed["processing_agency"]) == (WARD_A, DEPT), filed
    received = api.act("a.canbo", filed["code"], "receive")
    assert received["due_at"] == iso(2026, 11, 27, 9, 0), received["due_at"]
    return filed["code"], ids


def sweep(app, *when) -> timers.SweepResult:
    ext = app.extensions["tthc"]
    return timers.sweep(ext["sessions"], ext["settings"], vn(*when))


def at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()  # tokens expire with time


def apology_tasks(api, user: str, code: str) -> list[dict]:
    r = api.get("/api/v1/tasks", user)
    assert r.status_code == 200, r.get_json()
    return [t for t in r.get_json() if t["dossier"] == code and t["step"] == "apology"]


def letter_documents(app, code: str) -> list[tuple[str, str, Document]]:
    """Each sealed apology (Mẫu 04): its PDF text (lower case, one line), the seal's signer, the document."""
    ext = app.extensions["tthc"]
    found = []
    with ext["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        for doc in session.scalars(select(Document).where(Document.dossier_id == dossier.id,
                                                          Document.kind == "apology")):
            content = documents.read(ext["settings"].data_dir, doc)
            text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(content)).pages)
            [seal] = [s.signer for s in session.scalars(select(DocumentSignature).where(
                DocumentSignature.document_id == doc.id)) if s.valid and s.field == results.FIELD_ORGANISATION]
            session.expunge(doc)
            found.append((text.lower(), seal, doc))
    return found


def apology_requests(app, code: str) -> list[SigningRequest]:
    with app.extensions["tthc"]["sessions"]() as session:
        rows = session.scalars(select(SigningRequest).join(Dossier, Dossier.id == SigningRequest.dossier_id)
                               .where(Dossier.code == code, SigningRequest.kind == "apology")).all()
        for row in rows:
            session.expunge(row)
        return rows


def told(app, event: str, code: str) -> list[str]:
    with app.extensions["tthc"]["sessions"]() as session:
        return sorted(session.scalars(select(User.username).join(Notice, Notice.user_id == User.id)
                                      .join(Dossier, Dossier.id == Notice.dossier_id)
                                      .where(Notice.event == event, Dossier.code == code)))


def assert_the_departments_letter(app, code: str, ids: dict) -> None:
    """Written, numbered and sealed in the department's name (D20, D29), never the receiving ward's."""
    [req] = apology_requests(app, code)
    [(text, seal, doc)] = letter_documents(app, code)
    assert "sở công thương" in text and "an cựu" not in text
    assert seal == DEPT_NAME
    assert req.agency_id == ids[DEPT] and doc.register_agency_id == ids[DEPT]  # the department's register
    assert doc.number == req.number and doc.number.startswith("1/")  # its first apology this year


def test_the_departments_head_gets_the_apology_and_issues_it_from_the_inbox_page(api, app, clock, processed):
    code, ids = processed
    assert sweep(app, 2026, 11, 27, 8, 59).effects.get("overdue") is None
    assert sweep(app, 2026, 11, 27, 9, 0).effects["overdue"] == 1

    # the department held the assessment when the dossier became late: its head has the item
    [task] = apology_tasks(api, "d.canbo", code)
    assert task["role"] == "head_of_agency" and task["actions"] == ["issue_apology"]
    assert task["due_at"] == iso(2026, 11, 30, 9, 0)
    assert apology_tasks(api, "a.canbo", code) == []  # the ward's head is not asked
    assert "d.canbo" in told(app, "overdue", code) and "a.canbo" not in told(app, "overdue", code)
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert apology.apologising_agency(session, dossier) == ids[DEPT]

    at(api, clock, 2026, 11, 27, 10, 0)
    ward = Web(app.test_client()).login("a.canbo")
    dept = Web(app.test_client()).login("d.canbo")
    # the "apology needed" banner: on the department head's dossier page, not on the ward head's
    assert BANNER in dept.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert BANNER not in ward.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert code not in ward.get("/can-bo/cong-viec").get_data(as_text=True)  # nothing in the ward's inbox

    # the ward's head is told whose letter it is, through the page and the API; nothing is written
    ward.post(f"/can-bo/ho-so/{code}/thu-xin-loi", {"reason": REASON}, status=302)
    assert DEPT_NAME in text_of(ward.get(f"/can-bo/ho-so/{code}"))
    r = api.post(f"/api/v1/dossiers/{code}/letters", "a.canbo", json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 403, r.get_json()
    assert r.get_json()["error"]["code"] == "apology_other_agency" and DEPT_NAME in r.get_json()["error"]["message"]
    r = api.post(f"/api/v1/tasks/{task['id']}/complete", "a.canbo",
                 json={"action": "issue_apology", "data": {"reason": REASON}})
    assert r.status_code == 404, r.get_json()  # not the ward's work
    assert apology_requests(app, code) == []

    # the department's head signs from the inbox's task page
    inbox = dept.get("/can-bo/cong-viec").get_data(as_text=True)  # with the assessment the department holds
    assert f'href="/can-bo/cong-viec/{task["id"]}"' in inbox and "Thư xin lỗi" in text_of(dept.get("/can-bo/cong-viec"))
    assert "Ký thư xin lỗi" in text_of(dept.get(f"/can-bo/cong-viec/{task['id']}"))
    dept.post(f"/can-bo/cong-viec/{task['id']}/issue_apology", {"reason": REASON}, status=302)
    assert sign_requested(app, code) == 1  # the head's own signature (D35), then the department's seal
    [letter] = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["letters"]
    assert letter["faults"] == ["overdue"] and letter["signer"] == "Cán bộ d"
    assert letter["signer_role"] == "head_of_agency"
    assert_the_departments_letter(app, code, ids)
    assert apology_tasks(api, "d.canbo", code) == []
    assert BANNER not in dept.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)


def test_the_departments_head_issues_it_from_the_dossier_pages_banner(api, app, clock, processed):
    code, ids = processed
    sweep(app, 2026, 11, 27, 9, 0)
    at(api, clock, 2026, 11, 27, 10, 0)
    dept = Web(app.test_client()).login("d.canbo")
    dept.post(f"/can-bo/ho-so/{code}/thu-xin-loi", {"reason": REASON}, status=302)
    assert "Đã ban hành thư xin lỗi" in text_of(dept.get(f"/can-bo/ho-so/{code}"))
    assert sign_requested(app, code) == 1
    assert_the_departments_letter(app, code, ids)


def test_the_departments_head_issues_it_through_the_api(api, app, clock, processed):
    code, ids = processed
    sweep(app, 2026, 11, 27, 9, 0)
    at(api, clock, 2026, 11, 27, 10, 0)
    r = api.post(f"/api/v1/dossiers/{code}/letters", "d.canbo",
                 json={"kind": "overdue", "reason": REASON, "new_due_at": iso(2026, 11, 30, 9, 0)})
    assert r.status_code == 201, r.get_json()
    [letter] = r.get_json()["letters"]
    assert letter["faults"] == ["overdue"] and letter["new_due_at"] == iso(2026, 11, 30, 9, 0)
    assert apology_tasks(api, "d.canbo", code) == []
    assert sign_requested(app, code) == 1
    assert_the_departments_letter(app, code, ids)
    # the letter exists: the ward's head is told so, as anyone would be
    r = api.post(f"/api/v1/dossiers/{code}/letters", "a.canbo", json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "letter_exists", r.get_json()


def test_a_result_decided_late_before_any_sweep_is_issued_after_the_departments_apology(api, app, clock, processed):
    """No sweep ran: the department decides on Friday 27/11 at 10:00, an hour late (its proposal records the
    overdue first, and the head's letter is in the department's inbox from then); the clerk's issue, which
    releases the result to the citizen, waits for the apology (D19, D23), and the apology is the department's
    head's (whose steps made it late), not the ward's, which holds the return."""
    code, ids = processed
    at(api, clock, 2026, 11, 27, 10, 0)
    api.act("d.canbo", code, "propose_approval", STEP_DATA["propose_approval"])
    assert [t["actions"] for t in apology_tasks(api, "d.canbo", code)] == [["issue_apology"]]
    (approval,) = [t for t in api.get("/api/v1/tasks", "d.canbo").get_json()
                   if t["dossier"] == code and "approve" in t["actions"]]
    approved = api.post(f"/api/v1/tasks/{approval['id']}/complete", "d.canbo",
                        json={"action": "approve", "data": {"y_kien_phe_duyet": "Đồng ý"}})
    assert approved.status_code == 200, approved.get_json()
    sign_requested(app, code)
    (issue,) = [t for t in api.get("/api/v1/tasks", "d.canbo").get_json()
                if t["dossier"] == code and "issue_result" in t["actions"]]
    refused = api.post(f"/api/v1/tasks/{issue['id']}/complete", "d.canbo",
                       json={"action": "issue_result", "data": STEP_DATA["issue_result"]})
    assert refused.status_code == 422 and refused.get_json()["error"]["rule"] == "D19", refused.get_json()
    r = api.post(f"/api/v1/dossiers/{code}/letters", "a.canbo", json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "apology_other_agency", r.get_json()
    r = api.post(f"/api/v1/dossiers/{code}/letters", "d.canbo", json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 201, r.get_json()
    assert apology_tasks(api, "a.canbo", code) == []
    assert sign_requested(app, code) >= 1
    assert_the_departments_letter(app, code, ids)
    issued = api.act("d.canbo", code, "issue_result", STEP_DATA["issue_result"])
    assert issued["status"] == 9 and issued["late"] is True
    returned = api.act("a.canbo", code, "return_result", STEP_DATA["return_result"])  # the ward returns it
    assert returned["status"] == 10 and len(returned["letters"]) == 1


def test_the_receiving_ward_is_at_fault_while_the_dossier_is_at_its_steps(api, app, province):  # noqa: F811
    """Where the dossier stands at the one-stop (the intake here, not received yet), the ward is the agency at
    fault; once the department holds its work, the department."""
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert apology.agency_at_fault(session, dossier) == agencies.by_code(session, WARD_A).id
    api.act("a.canbo", code, "receive")
    with sessions() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert apology.agency_at_fault(session, dossier) == agencies.by_code(session, DEPT).id


def test_a_dossier_without_a_processing_agency_is_unchanged(api, app, clock, settings, province):  # noqa: F811
    """The demo ward receives and processes: its head gets the item and writes, numbers and seals the letter in
    the ward's name, as before."""
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        results.ensure_keys(session, ext["settings"], clock.now(), pin=PASSWORD)
        demo = agencies.by_code(session, DEMO)
        demo_id, demo_name = demo.id, demo.name
    code = api.file(CITIZEN, agency=DEMO)["code"]
    api.act("demo.tiepnhan", code, "receive")
    assert sweep(app, 2026, 11, 27, 9, 0).effects["overdue"] == 1
    [task] = apology_tasks(api, "demo.thutruong", code)
    assert task["due_at"] == iso(2026, 11, 30, 9, 0)
    with ext["sessions"]() as session:
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        assert row.processing_agency_id is None and apology.agency_at_fault(session, row) == demo_id
    at(api, clock, 2026, 11, 27, 10, 0)
    head = Web(app.test_client()).login("demo.thutruong")
    assert BANNER in head.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    r = api.post(f"/api/v1/dossiers/{code}/letters", "demo.thutruong", json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 201, r.get_json()
    assert sign_requested(app, code) == 1
    [req] = apology_requests(app, code)
    [(text, seal, doc)] = letter_documents(app, code)
    assert req.agency_id == demo_id and doc.register_agency_id == demo_id
    assert demo_name.lower() in text and seal == demo_name
    with ext["sessions"]() as session:
        assert session.scalar(select(Letter.signer_name).join(Dossier, Dossier.id == Letter.dossier_id)
                              .where(Dossier.code == code)) == "Hoàng Văn Trưởng"


def test_the_processing_agencys_officers_verify_the_audit_chain(api, app, processed):
    code, _ids = processed
    for officer in ("d.canbo", "a.canbo"):  # the processing agency's (refused before), the receiving one's
        r = api.get(f"/api/v1/dossiers/{code}/audit", officer)
        assert r.status_code == 200 and r.get_json()["valid"] is True, (officer, r.get_json())
    for outsider in ("b.canbo", "demo.chuyenvien", CITIZEN):  # an unrelated ward's, another agency's, a citizen
        r = api.get(f"/api/v1/dossiers/{code}/audit", outsider)
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "dossier_not_found", (outsider, r.get_json())
    r = api.get("/api/v1/dossiers/000.00.31.H56-261123-9999/audit", "d.canbo")
    assert r.status_code == 404
