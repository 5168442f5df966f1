"""The public lookup lists a dossier's issued results (issue #12: item 1, the QR of a result leads to the public
lookup; item 6, a corrected result marks the one it replaces). The QR printed on a result opens /tra-cuu with the
dossier's code; the page then shows each result issued to the citizen (number and symbol, kind, issue date, and
whether it is in force or replaced by which number), so whoever holds the paper can tell an old or forged number
from the one in force. Nothing personal is added (D22: a draft or a re-issue not yet signed is not listed), the
rate limit stays, and the results of the dossiers found are read in one indexed query, without their history."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from conftest import CITIZEN
from test_result_reissue import CORRECTED, issued, reissued
from web_support import text_of
from engine.cases import portal_cases


@pytest.fixture
def backend():
    return "sqlite"


@contextmanager
def statements(engine):
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_issue12_the_lookup_lists_the_results_the_replaced_one_marked_with_its_successor(api, app):
    """Issue #12 items 1 and 6: after a correction, the lookup by code shows 1/GCN-UBND replaced by 2/GCN-UBND
    and 2/GCN-UBND in force, with their kind and issue date; nothing personal (the owner's name) is shown."""
    code = issued(api, returned=True)
    page = api.client.get(f"/tra-cuu?q={code}")
    assert page.status_code == 200
    words = text_of(page)
    assert "1/GCN-UBND" in words and "Đang có hiệu lực" in words and "Kết quả giải quyết" in words
    reissued(api, code, {"reason": "Sai tên hộ kinh doanh", "form": CORRECTED})
    words = text_of(api.client.get(f"/tra-cuu?q={code}"))
    assert "1/GCN-UBND Kết quả giải quyết" in words and "Đã được thay thế bởi số 2/GCN-UBND" in words
    assert "2/GCN-UBND Kết quả giải quyết" in words and words.count("Đang có hiệu lực") == 1
    assert "Nguyễn Văn An" not in words  # the owner's name stays off the public page
    by_cccd = text_of(api.client.get(f"/tra-cuu?q={CITIZEN}"))
    assert "Đã được thay thế bởi số 2/GCN-UBND" in by_cccd


def test_issue12_a_reissue_waiting_for_its_signature_is_not_listed(api, app):
    """D22 (nothing not validly issued is shown): the correction waits for the head of agency's signature, so
    the lookup still shows only the first result, in force."""
    code = issued(api, returned=True)
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue", "demo.vanthu",
                 json={"reason": "Sai tên hộ kinh doanh", "form": CORRECTED})
    assert r.status_code == 201, r.get_json()
    with app.extensions["tthc"]["sessions"]() as session:
        [found] = portal_cases.public_lookup(session, code)
    assert [(x["number"], x["state"], x["replaced_by"]) for x in found["results"]] == [("1/GCN-UBND", "signed", None)]


def test_issue12_the_results_of_the_dossiers_found_are_one_indexed_query_without_history(api, app):
    """One statement reads the documents of every dossier found (by CCCD: up to fifty), through the index of
    document.dossier_id; the history (audit_event) is not read."""
    codes = [issued(api, returned=True) for _ in range(2)]
    reissued(api, codes[0], {"reason": "Sai tên hộ kinh doanh", "form": CORRECTED})
    engine, sessions = app.extensions["tthc"]["engine"], app.extensions["tthc"]["sessions"]
    with sessions() as session, statements(engine) as seen:
        found = portal_cases.public_lookup(session, CITIZEN)
    assert sorted(len(d["results"]) for d in found if d["code"] in codes) == [1, 2]
    reads = [(s, p) for s, p in seen if " document" in s.lower().split(" where ")[0]]
    assert len(reads) == 1, seen
    assert not [s for s, _ in seen if "audit_event" in s]
    statement, parameters = reads[0]
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    assert "ix_document_dossier_id" in plan and "SCAN document" not in plan, plan
