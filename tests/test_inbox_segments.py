"""The inbox's items without a due time (the column allows it: a step whose due is not set) come after the dated
ones in due order and first in the latest-due order, on the page and through the cursor of the next page, across
the boundary between the two; an officer holding two roles gets both roles' items merged in one order. Each role's
dated and undated items are read in one statement (engine.cases.inbox._key_statement), so these pin the order the
two reads gave before they were one."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from engine.cases import inbox
from engine.data.model import Dossier, User, WorkItem

from conftest import CITIZEN

RECEIVER, SPECIALIST = "demo.tiepnhan", "demo.chuyenvien"
DATED, UNDATED = 7, 5


@pytest.fixture
def mixed(app, api, clock):
    """A received dossier's specialist item and copies of it: DATED due an hour apart from tomorrow, UNDATED with
    no due time. Returns (dated ids in due order, undated ids in id order)."""
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    sessions = app.extensions["tthc"]["sessions"]
    item_t = WorkItem.__table__
    start = clock.now() + timedelta(days=1)
    with sessions.begin() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        item = session.execute(select(item_t).where(item_t.c.dossier_id == dossier_id)).mappings().one()
        session.execute(update(item_t).where(item_t.c.id == item["id"]).values(due_at=start))
        dated, undated = [item["id"]], []
        for n in range(DATED - 1 + UNDATED):
            work = {k: v for k, v in item.items() if k != "id"}
            due = start + timedelta(hours=n + 1) if n < DATED - 1 else None
            work.update(task_id=f"copy-{n}", due_at=due)
            new_id = session.execute(insert(item_t).values(**work)).inserted_primary_key[0]
            (dated if due is not None else undated).append(new_id)
    return dated, undated


def _all_pages(session, officer, sort: str, size: int) -> list[list[int]]:
    pages, after = [], None
    while True:
        page = inbox.page(session, officer, sort=sort, after=after, limit=size)
        pages.append([i.id for i in page.items])
        if page.next is None:
            return pages
        after = inbox.parse_cursor(page.next)


@pytest.mark.parametrize("size", [3, 7, 50])
def test_items_without_a_due_time_come_after_the_dated_ones_and_first_in_reverse(app, mixed, size):
    dated, undated = mixed
    with app.extensions["tthc"]["sessions"]() as session:
        officer = session.scalar(select(User).where(User.username == SPECIALIST))
        by_due = _all_pages(session, officer, "due", size)
        latest_first = _all_pages(session, officer, "due_desc", size)
    assert [i for p in by_due for i in p] == dated + undated
    assert [i for p in latest_first for i in p] == undated[::-1] + dated[::-1]
    total = DATED + UNDATED
    assert [len(p) for p in by_due] == [size] * (total // size) + ([total % size] if total % size else [])


def test_the_api_pages_across_the_undated_items_with_its_link(api, mixed):
    dated, undated = mixed
    seen, path = [], "/api/v1/tasks?limit=4&sort=due"
    while path:
        r = api.get(path, SPECIALIST)
        assert r.status_code == 200
        seen += [t["id"] for t in r.get_json()]
        link = r.headers.get("Link")
        path = link[link.index("<") + 1:link.index(">")] if link else None
    assert seen == dated + undated


def test_an_officer_with_two_roles_gets_both_merged_in_due_order(app, api, mixed, clock):
    """The receiving officer's intake item of a new filing, due within the working hour, comes before the
    specialist's items (due from tomorrow) once the officer also holds the specialist's role."""
    dated, undated = mixed
    code = api.file(CITIZEN)["code"]
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:
        officer = session.scalar(select(User).where(User.username == SPECIALIST))
        officer.roles_text = ",".join(sorted(officer.roles | {"receiving_officer"}))
    with sessions() as session:
        officer = session.scalar(select(User).where(User.username == SPECIALIST))
        intake = session.scalar(select(WorkItem.id).join(Dossier, Dossier.id == WorkItem.dossier_id)
                                .where(Dossier.code == code))
        merged = [i for p in _all_pages(session, officer, "due", 5) for i in p]
        mine_only = inbox.page(session, officer, inbox.Filters(role="specialist"), limit=50)
    assert merged == [intake] + dated + undated
    assert [i.id for i in mine_only.items] == dated + undated


def test_an_undated_cursor_in_the_arrival_order_never_fails(api, mixed):
    """The arrival order has no undated segment (an item's creation is never unset): a cursor of that segment
    (edited, or kept from the due order) ends the oldest-first order (the undated come last: nothing after) and
    starts the newest-first one (they come first: every item after), never an error (schemathesis found a 500)."""
    dated, undated = mixed
    r = api.get("/api/v1/tasks?sort=received&after=n..24545584", SPECIALIST)
    assert r.status_code == 200 and r.get_json() == [], r.get_json()
    r = api.get("/api/v1/tasks?sort=received_desc&after=n..24545584", SPECIALIST)
    assert r.status_code == 200 and sorted(t["id"] for t in r.get_json()) == sorted(dated + undated), r.get_json()
