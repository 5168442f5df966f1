"""D22: the clerk issues the result with the number the register gave it at the decision.

The number is allocated when the leader approves (engine/paperwork/numbers.py) and printed in the header of the
document the leader signs; the clerk seals and issues that document. The clerk's form therefore carries the
register's number: the API takes it when the clerk sends it, or no number at all (it is filled in, so the
clerk's record says the number the document says), and refuses another number with a 422 naming so_van_ban
and the register's number, issuing nothing.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import CITIZEN, OFFICERS, STEP_DATA
from engine.data.model import AuditEvent, Document, Dossier
from engine.web.openapi import spec


@pytest.fixture
def backend():
    return "sqlite"


CLERK = OFFICERS["signing"]


def approved(api) -> str:
    """Received, assessed, approved and signed by the leader (the demo PIN): the clerk's issue is next."""
    code = api.file(CITIZEN)["code"]
    api.act(OFFICERS["intake"], code, "receive")
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(OFFICERS["approval"], code, "approve")
    return code


def result_rows(app, code: str) -> tuple[list[str | None], dict | None]:
    """The numbers of the issued results and the data of the clerk's issue_result audit record."""
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        numbers = list(session.scalars(select(Document.number).where(Document.dossier_id == dossier.id,
                                                                     Document.kind == "result")))
        event = session.scalar(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id,
                                                        AuditEvent.action == "issue_result"))
        return numbers, (None if event is None else dict(event.data))


def test_another_number_than_the_registers_is_refused_naming_both_and_nothing_is_issued(app, api):
    code = approved(api)
    body = api.act(CLERK, code, "issue_result", {"so_van_ban": "123/GCN-HKD"}, status=422)
    error = body["error"]
    assert error["code"] == "document_number_mismatch" and error["rule"] == "D22"
    assert "so_van_ban" in error["fields"] and "1/GCN-UBND" in error["fields"]["so_van_ban"]
    assert "1/GCN-UBND" in error["message"] and "123/GCN-HKD" in error["message"]
    assert result_rows(app, code) == ([], None)
    assert api.get(f"/api/v1/dossiers/{code}", CLERK).get_json()["status"] == 4  # still being processed


def test_the_registers_own_number_is_taken(app, api):
    code = approved(api)
    dossier = api.act(CLERK, code, "issue_result", {"so_van_ban": "1/GCN-UBND", "ngay_ban_hanh": "2026-11-23"})
    assert dossier["status"] == 9  # resolved
    numbers, data = result_rows(app, code)
    assert numbers == ["1/GCN-UBND"] and data["so_van_ban"] == "1/GCN-UBND"


def test_no_number_is_taken_and_the_clerks_record_carries_the_registers(app, api):
    code = approved(api)
    dossier = api.act(CLERK, code, "issue_result", {})
    assert dossier["status"] == 9  # resolved
    numbers, data = result_rows(app, code)
    assert numbers == ["1/GCN-UBND"] and data["so_van_ban"] == "1/GCN-UBND"  # the record says what the paper says


def test_the_task_complete_operation_lists_the_number_rule():
    refused = spec()["paths"]["/api/v1/tasks/{id}/complete"]["post"]["responses"]["422"]
    assert "so_van_ban" in refused["x-rules"]
    assert "so_van_ban: D22" in refused["description"] and "document_number_mismatch" in refused["description"]


def test_the_number_filled_in_is_the_steps_own_the_callers_data_stays_as_sent(app, api, clock):
    """An in-process caller (the simulator, a benchmark) reusing one dict for every dossier: the register's number
    filled into the step's data must not stay in that dict for the next dossier, whose number is another."""
    from engine.cases import tasks
    from engine.cases.dossiers import Context
    from engine.data.model import User, WorkItem

    shared: dict = {}
    for number in ("1/GCN-UBND", "2/GCN-UBND"):
        code = approved(api)
        with app.extensions["tthc"]["sessions"]() as session:
            clerk = session.scalar(select(User).where(User.username == CLERK))
            dossier = session.scalar(select(Dossier).where(Dossier.code == code))
            item_id = session.scalar(select(WorkItem.id).where(WorkItem.dossier_id == dossier.id))
            tasks.complete(session, Context(clerk, clock.now(), app.extensions["tthc"]["settings"]), item_id,
                           "issue_result", shared)
            session.commit()
        assert shared == {}  # the caller's dict: as sent
        assert result_rows(app, code)[1]["so_van_ban"] == number  # each dossier's record: its own register's


def test_the_issue_date_is_the_day_the_document_was_signed(app, api):
    """Mon 23/11/2026: the leader signed the result that day (D34, the day printed in it). The clerk's form typed
    1999-01-01: it was accepted, the document said 23/11/2026 and the clerk's record said 1999-01-01."""
    code = approved(api)
    body = api.act(CLERK, code, "issue_result", {"ngay_ban_hanh": "1999-01-01"}, status=422)
    error = body["error"]
    assert error["code"] == "document_date_mismatch" and error["rule"] == "D22"
    assert error["fields"] == {"ngay_ban_hanh": "Phải là ngày ký văn bản: 23/11/2026 (hoặc để trống)"}
    assert result_rows(app, code) == ([], None)
    dossier = api.act(CLERK, code, "issue_result", {})
    assert dossier["status"] == 9
    assert result_rows(app, code)[1]["ngay_ban_hanh"] == "2026-11-23"  # the record says the day the paper says


def test_the_clerks_page_fills_in_the_signing_day_and_refuses_another(app, api):
    from web_support import Web, text_of

    code = approved(api)
    clerk = Web(app.test_client()).login(CLERK)
    item = clerk.task_id(code)
    page = clerk.get(f"/can-bo/cong-viec/{item}").get_data(as_text=True)
    assert 'name="f.ngay_ban_hanh"' in page and 'value="2026-11-23"' in page
    refused = clerk.post(f"/can-bo/cong-viec/{item}/issue_result", {"f.ngay_ban_hanh": "1999-01-01"}, status=422)
    assert "Phải là ngày ký văn bản: 23/11/2026" in text_of(refused)
    assert 'value="1999-01-01"' in refused.get_data(as_text=True)  # what was typed stays, next to its error
    clerk.post("/ngon-ngu", {"lang": "en"}, status=302)
    refused = clerk.post(f"/can-bo/cong-viec/{item}/issue_result", {"f.ngay_ban_hanh": "1999-01-01"}, status=422)
    assert "Must be the day the document was signed: 23/11/2026" in text_of(refused)
