"""Lists a page at a time (issue 15): the officer's inbox (page and API), the leaders' watch and the citizen's list
show 50 rows a page in their order, the next page continues after the last row shown (ties on the due time
broken by id), every row appears once over the pages, and a stale or edited cursor never fails the page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from engine.data.model import Dossier, WorkItem

from conftest import CITIZEN
from web_support import new_client

RECEIVER, SPECIALIST, LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"
COPIES = 120
NEXT_RE = re.compile(r'<a href="([^"]+)" rel="next">')
ROW_RE = re.compile(r'<tr class="row-[a-z_]+" data-dossier="([^"]+)">')
WATCH_ROW_RE = re.compile(r'<tr class="row-[a-z_]+">\s*<td><a href="/can-bo/ho-so/([^"]+)">')


@pytest.fixture
def many(app, api, clock):
    """One real received dossier and COPIES copies (dossier and work item rows), due two by two an hour apart
    from 3 days ago on; returns the codes in due order (ties by id)."""
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    sessions = app.extensions["tthc"]["sessions"]
    dossier_t, item_t = Dossier.__table__, WorkItem.__table__
    start = clock.now() - timedelta(days=3)
    with sessions.begin() as session:
        row = session.execute(select(dossier_t).where(dossier_t.c.code == code)).mappings().one()
        item = session.execute(select(item_t).where(item_t.c.dossier_id == row["id"])).mappings().one()
        session.execute(dossier_t.update().where(dossier_t.c.id == row["id"]).values(due_at=start - timedelta(hours=1)))
        session.execute(item_t.update().where(item_t.c.id == item["id"]).values(due_at=start - timedelta(hours=1)))
        codes = [code]
        for n in range(COPIES):
            due = start + timedelta(hours=n // 2)
            copy = {k: v for k, v in row.items() if k != "id"}
            copy.update(code=code[:-4] + f"{9000 + n}", due_at=due, filed_at=row["filed_at"] + timedelta(seconds=n + 1),
                        next_timer_at=None)
            new_id = session.execute(insert(dossier_t).values(**copy)).inserted_primary_key[0]
            work = {k: v for k, v in item.items() if k != "id"}
            work.update(dossier_id=new_id, task_id=f"copy-{n}", due_at=due)
            session.execute(insert(item_t).values(**work))
            codes.append(copy["code"])
    return codes


def pages(web, path: str, rows: re.Pattern = ROW_RE) -> list[list[str]]:
    found = []
    while path:
        page = web.get(path).get_data(as_text=True)
        found.append(rows.findall(page))
        link = NEXT_RE.search(page)
        path = link.group(1).replace("&amp;", "&") if link else None
    return found


def test_the_inbox_pages_show_every_item_once_in_due_order(app, many):
    web = new_client(app).login(SPECIALIST)
    by_due = pages(web, "/can-bo/cong-viec")
    assert [len(p) for p in by_due] == [50, 50, 21]
    assert [c for p in by_due for c in p] == many
    latest_first = pages(web, "/can-bo/cong-viec?sort=due_desc")
    assert [c for p in latest_first for c in p] == many[::-1]
    at_risk = pages(web, "/can-bo/cong-viec?due=at_risk")  # every one has run out: none is merely at risk
    assert at_risk == [[]]
    assert "121" in web.get("/can-bo/cong-viec").get_data(as_text=True)  # the tally counts them all
    assert ROW_RE.findall(web.get("/can-bo/cong-viec?after=x.1.2").get_data(as_text=True)) == many[:50]


def test_the_api_pages_with_a_link_header_and_refuses_a_bad_cursor(api, many):
    assert [t["dossier"] for t in api.get("/api/v1/tasks", SPECIALIST).get_json()] == many  # as before: up to 500
    seen, path = [], "/api/v1/tasks?limit=50&sort=due"
    while path:
        r = api.get(path, SPECIALIST)
        assert r.status_code == 200
        seen += [t["dossier"] for t in r.get_json()]
        link = r.headers.get("Link")
        path = re.match(r'<([^>]+)>; rel="next"', link).group(1) if link else None
    assert seen == many
    for query, field in (("after=v.12", "after"), ("limit=0", "limit"), ("limit=501", "limit"), ("sort=up", "sort")):
        r = api.get(f"/api/v1/tasks?{query}", SPECIALIST)
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (query, r.get_json())


def test_the_leaders_watch_pages_the_overdue_and_at_risk_dossiers(app, many):
    web = new_client(app).login(LEADER)
    found = pages(web, "/can-bo/theo-doi", WATCH_ROW_RE)
    assert [len(p) for p in found] == [50, 50, 21]  # all overdue: due from 3 days ago, the last 12 hours ago
    assert [c for p in found for c in p] == many


def test_the_citizens_list_pages_newest_first(app, many):
    web = new_client(app).login(CITIZEN)
    found = []
    path = "/ca-nhan/ho-so"
    while path:
        page = web.get(path).get_data(as_text=True)
        found.append(re.findall(r'href="/ca-nhan/ho-so/([^"/]+)"', page))
        link = NEXT_RE.search(page)
        path = link.group(1).replace("&amp;", "&") if link else None
    assert [len(p) for p in found] == [50, 50, 21]
    assert [c for p in found for c in p] == many[::-1]  # the copies were filed a second apart, after the first
