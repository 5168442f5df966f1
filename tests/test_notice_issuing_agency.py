"""D28 with D19-D21, D29: a citizen's notice names the agency that acts. Ward A (UBND phường An Cựu) receives the
procedure and the department (Sở Công Thương) processes it, as ward A's offer says. The notices named the
receiving ward for every event: "UBND phường An Cựu gửi thư xin lỗi…" for the apology the department's head
signed in the department's name, "UBND phường An Cựu đã có văn bản trả lời (không giải quyết)…" for the refusal
the department decided and sealed. Now a notice about a document names the agency that issued it (its register's),
and the receipt's notice still names the ward (the one-stop). A dossier its receiving agency processes itself is
told as before.

Timeline (the default clock): filed at ward A and received Monday 23/11/2026 09:00; 3 working days with Tuesday
24/11 a day off (D15): due Friday 27/11/2026 09:00, when the sweep finds it overdue.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from conftest import CITIZEN, PASSWORD, STEP_DATA, iso, make_settings, sign_requested, vn
from test_offers import DEMO, DEPT, WARD_A, put_offers
from test_offers import province  # noqa: F401  (the fixture)

from engine import timers
from engine.cases import notices
from engine.core.settings import with_secrets
from engine.data import agencies
from engine.data.model import Document, Dossier, User
from engine.data.notice_model import Notice
from engine.paperwork import results

WARD_NAME, DEPT_NAME = "UBND phường An Cựu", "Sở Công Thương"
REASON = "Chậm xác minh địa điểm kinh doanh tại Sở"


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def settings(database_url, tmp_path):
    """This module's own PKI: the agencies' seals and the officers' keys are made here."""
    return with_secrets(make_settings(tmp_path / "data", database_url, tmp_path / "pki"))


def _keys(app, clock) -> None:
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        results.ensure_keys(session, ext["settings"], clock.now(), pin=PASSWORD)


def _language(app, language: str) -> None:
    with app.extensions["tthc"]["sessions"].begin() as session:
        notices.choose(session, session.scalar(select(User).where(User.username == CITIZEN)), language=language)


def _received(api, agency: str, officer: str) -> str:
    """Filed at ``agency`` and received by ``officer`` Mon 23/11/2026 09:00; due Fri 27/11 09:00."""
    code = api.file(CITIZEN, agency=agency)["code"]
    assert api.act(officer, code, "receive")["due_at"] == iso(2026, 11, 27, 9, 0)
    return code


def _told(app, event_name: str, code: str) -> list[str]:
    """The citizen's notices of ``event_name`` for ``code``: title and body, one string each."""
    with app.extensions["tthc"]["sessions"]() as session:
        return [f"{n.title}\n{n.body}" for n in session.scalars(
            select(Notice).join(Dossier, Dossier.id == Notice.dossier_id).join(User, User.id == Notice.user_id)
            .where(Notice.event == event_name, Dossier.code == code, User.username == CITIZEN))]


def _overdue_and_apology(api, app, clock, code: str, head: str) -> None:
    """The real sweep finds the dossier overdue at its due, Fri 27/11/2026 09:00; at 10:00 ``head`` issues the
    overdue apology (Mẫu 04) through the API and signs it."""
    ext = app.extensions["tthc"]
    assert timers.sweep(ext["sessions"], ext["settings"], vn(2026, 11, 27, 8, 59)).effects.get("overdue") is None
    assert timers.sweep(ext["sessions"], ext["settings"], vn(2026, 11, 27, 9, 0)).effects["overdue"] == 1
    clock.set(vn(2026, 11, 27, 10, 0))
    api.tokens.clear()  # tokens expire with time
    r = api.post(f"/api/v1/dossiers/{code}/letters", head, json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 201, r.get_json()
    assert sign_requested(app, code) == 1  # the head's own signature, then the agency's seal and the notice


def test_the_departments_apology_is_told_in_the_departments_name(api, app, clock, province):  # noqa: F811
    _keys(app, clock)
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = _received(api, WARD_A, "a.canbo")
    [receipt] = _told(app, "received", code)
    assert f"{WARD_NAME} đã tiếp nhận hồ sơ {code}" in receipt  # the one-stop received it

    _overdue_and_apology(api, app, clock, code, "d.canbo")
    [told] = _told(app, "apology_letter", code)
    assert f"{DEPT_NAME} gửi thư xin lỗi về hồ sơ {code}" in told, told
    assert "An Cựu" not in told
    with app.extensions["tthc"]["sessions"]() as session:  # the letter's register is the department's
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        doc = session.scalar(select(Document).where(Document.dossier_id == dossier.id, Document.kind == "apology"))
        assert doc.register_agency_id == agencies.by_code(session, DEPT).id


def test_the_departments_refusal_is_told_in_the_departments_name_in_english_too(api, app, clock,
                                                                               province):  # noqa: F811
    """The citizen reads English: the receipt names the ward, the refusal's result the department."""
    _keys(app, clock)
    _language(app, "en")
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = _received(api, WARD_A, "a.canbo")
    [receipt] = _told(app, "received", code)
    assert f"{WARD_NAME} has received dossier {code}" in receipt, receipt

    clock.set(vn(2026, 11, 23, 10, 0))
    api.tokens.clear()
    api.act("d.canbo", code, "propose_refusal", STEP_DATA["propose_refusal"])
    api.act("d.canbo", code, "refuse", {"reasons": ["Ngành nghề cấm kinh doanh"]})  # signed by the Sở's head
    assert api.act("d.canbo", code, "issue_result", {})["status"] == 9  # the number the register gave
    [told] = _told(app, "result_ready", code)
    assert f"{DEPT_NAME} has answered dossier {code}" in told and "with a refusal" in told, told
    assert "An Cựu" not in told


def test_the_refusals_notice_in_vietnamese_names_the_department(api, app, clock, province):  # noqa: F811
    _keys(app, clock)
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = _received(api, WARD_A, "a.canbo")
    clock.set(vn(2026, 11, 23, 10, 0))
    api.tokens.clear()
    api.act("d.canbo", code, "propose_refusal", STEP_DATA["propose_refusal"])
    api.act("d.canbo", code, "refuse", {"reasons": ["Ngành nghề cấm kinh doanh"]})
    api.act("d.canbo", code, "issue_result", {})  # the number the register gave
    [told] = _told(app, "result_ready", code)
    assert f"{DEPT_NAME} đã có văn bản trả lời (không giải quyết) hồ sơ {code}" in told, told
    assert "An Cựu" not in told
    assert api.act("a.canbo", code, "return_result", STEP_DATA["return_result"])["status"] == 10
    [returned] = _told(app, "returned", code)  # the ward returns it (its text names no agency)
    assert "An Cựu" not in returned and DEPT_NAME not in returned


def test_a_dossier_its_receiving_agency_processes_is_told_as_before_without_a_query_more(api, app, clock,
                                                                                        province):  # noqa: F811
    _keys(app, clock)
    with app.extensions["tthc"]["sessions"]() as session:
        demo_name = agencies.by_code(session, DEMO).name
    code = _received(api, DEMO, "demo.tiepnhan")
    [receipt] = _told(app, "received", code)
    assert f"{demo_name} đã tiếp nhận hồ sơ {code}" in receipt
    _overdue_and_apology(api, app, clock, code, "demo.thutruong")
    [told] = _told(app, "apology_letter", code)
    assert f"{demo_name} gửi thư xin lỗi về hồ sơ {code}" in told, told

    # telling of its letter again reads no agency: the dossier's own (loaded with it) is the one named
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        doc = session.scalar(select(Document).where(Document.dossier_id == dossier.id, Document.kind == "apology"))
        assert dossier.agency.name == demo_name and dossier.processing_agency_id is None
        seen: list[str] = []
        listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
        event.listen(ext["engine"], "before_cursor_execute", listener)
        try:
            notices.notify(session, ext["settings"], "apology_letter", now=clock.now(), dossier=dossier,
                           document=doc, context={"new_due_at": None})
        finally:
            event.remove(ext["engine"], "before_cursor_execute", listener)
        assert not [s for s in seen if "FROM agency" in s], seen
        session.rollback()
