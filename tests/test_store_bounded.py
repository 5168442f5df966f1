"""The citizen's document store (D24) is read a page at a time, in a fixed number of statements.

A citizen who has filed for years has hundreds of stored documents: the filing page offers the newest ones, and
GET /api/v1/me/documents gives them newest first a page at a time (?limit=, the next page's ?before= in the Link
header), each read with its signatures and its dossier in one query for the whole page, never one per document.
A document older than the page still reuses (once-only), checked on its own against the store."""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from conftest import CITIZEN, SAMPLE_CODE, vn
from engine.data.model import Document, DocumentSignature, Dossier
from test_store_result_copies import COMPONENT, at, granted
from web_support import Web

# the statements are counted on one database; the store's SQL runs on both in the other store tests
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _fill(app, code: str, first: int, count: int, when) -> None:
    """``count`` validly signed files (each its own bytes) on the citizen's dossier ``code``: in their store."""
    with Session(app.extensions["tthc"]["engine"]) as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        for n in range(first, first + count):
            doc = Document(dossier_id=dossier_id, kind="filing", component=COMPONENT, name=f"giay-to-{n:03d}.pdf",
                           media_type="application/pdf", size=1000 + n,
                           sha256=hashlib.sha256(f"giay to {n}".encode()).hexdigest(), created_at=when)
            session.add(doc)
            session.flush()
            session.add(DocumentSignature(document_id=doc.id, field="Signature1", signer="Nguyễn Văn An",
                                          organisation=None, signed_at=when - timedelta(days=1), valid=True,
                                          status="valid", message="", checked_at=when))
        session.commit()


@contextmanager
def counted(app):
    """The SQL statements run meanwhile, in a list of one number."""
    engine, seen = app.extensions["tthc"]["engine"], [0]

    def count(*_args):
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements(app, web: Web, api) -> tuple[int, int]:
    """(the filing page's statements, the API store's) as the citizen opens each once."""
    with counted(app) as page:
        assert web.get(f"/thu-tuc/{SAMPLE_CODE}/nop").status_code == 200
    with counted(app) as listed:
        assert api.get("/api/v1/me/documents", CITIZEN).status_code == 200
    return page[0], listed[0]


def test_the_store_is_read_in_the_same_statements_for_20_and_120_documents_and_paged(app, api, clock):
    at(api, clock, 2026, 12, 7, 9, 0)  # Monday 07/12/2026: a dossier filed, granted and returned: its result
    result = granted(api, CITIZEN)
    at(api, clock, 2026, 12, 7, 14, 0)  # the afternoon: a second dossier, holding the citizen's signed files
    holder = api.file(CITIZEN)["code"]
    web = Web(app.test_client()).login(CITIZEN)
    _fill(app, holder, 1, 20, vn(2026, 12, 7, 14, 5))
    twenty = _statements(app, web, api)
    _fill(app, holder, 21, 100, vn(2026, 12, 7, 14, 10))
    hundred_twenty = _statements(app, web, api)
    assert hundred_twenty[0] <= twenty[0] + 1 and hundred_twenty[1] <= twenty[1] + 1, (twenty, hundred_twenty)

    # the filing page offers the newest 100 of the 121 (120 files and the result)
    page = web.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    assert "giay-to-120.pdf" in page and "giay-to-021.pdf" in page
    assert "giay-to-020.pdf" not in page and f'value="{result["id"]}"' not in page
    assert "chỉ hiện 100 giấy tờ mới nhất" in page

    # the API: newest first, 100 a page by default, the next page in the Link header
    first = api.get("/api/v1/me/documents", CITIZEN)
    ids = [d["id"] for d in first.get_json()]
    assert len(ids) == 100 and ids == sorted(ids, reverse=True)
    assert first.get_json()[0]["name"] == "giay-to-120.pdf"
    assert first.get_json()[0]["signatures"][0]["signer"] == "Nguyễn Văn An"
    link = first.headers["Link"]
    assert link == f'</api/v1/me/documents?before={ids[-1]}>; rel="next"'
    second = api.get(link[1:link.index(">")], CITIZEN)
    rest = second.get_json()
    assert [d["name"] for d in rest[:2]] == ["giay-to-020.pdf", "giay-to-019.pdf"]
    assert len(rest) == 21 and rest[-1]["id"] == result["id"] and "Link" not in second.headers
    small = api.get("/api/v1/me/documents?limit=5", CITIZEN)
    assert len(small.get_json()) == 5 and "limit=5" in small.headers["Link"]
    for bad in ("limit=0", "limit=501", "limit=x", "before=", "before=-1"):
        r = api.get(f"/api/v1/me/documents?{bad}", CITIZEN)
        assert r.status_code == 422, (bad, r.get_json())

    # the result, older than the page, still reuses on a new dossier (once-only)
    at(api, clock, 2026, 12, 8, 9, 0)  # Tuesday 08/12/2026 09:00
    new = api.file(CITIZEN)["code"]
    with counted(app) as reused:
        r = api.post(f"/api/v1/dossiers/{new}/documents", CITIZEN, json={"reuse": result["id"],
                                                                         "component": COMPONENT})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["sha256"] == result["sha256"]
    assert reused[0] < 40, reused[0]
