"""The lists, the duplicate check, the calendar walks and the signers' inbox read a range of an index, never the
history (migration 0034): SQLite's plan of each statement the code runs, and the officer list's merge of its two
agencies' branches, which answers as the one OR query did."""
from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from conftest import START
from sqlalchemy import event, insert, or_, select, tuple_

from engine.cases import calendar_notices, dossiers, duplicates, replanning, signing_requests
from engine.data import agencies
from engine.data.agency_model import Agency
from engine.data.db import make_sessionmaker
from engine.data.model import Dossier, User

SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def person(uid: int, roles: str, agency_id: int | None = None) -> User:
    return User(id=uid, roles_text=roles, agency_id=agency_id, standardised=False, cccd=None)


def plans(app, run) -> list[str]:
    """The EXPLAIN QUERY PLAN of every SELECT ``run(session)`` sends, one line per statement."""
    engine, found = app.extensions["tthc"]["engine"], []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            probe = conn.connection.dbapi_connection.cursor()
            probe.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            found.append(" | ".join(row[-1] for row in probe.fetchall()))

    event.listen(engine, "before_cursor_execute", explain)
    try:
        with make_sessionmaker(engine)() as session:
            run(session)
    finally:
        event.remove(engine, "before_cursor_execute", explain)
    assert found
    return found


def scans(plan: str, table: str) -> bool:
    """Whether ``plan`` reads the whole of ``table`` (not an alias of it, e.g. dossier_1 of an eager join)."""
    return re.search(rf"\bSCAN {table}\b(?!_)", plan) is not None


@SQLITE
def test_the_officer_list_reads_each_agency_off_its_index_without_sorting(app):
    officer = person(1, "specialist", 1)
    for kw in ({}, {"status": 4}, {"before": (START, 10**6)}):
        found = plans(app, lambda s: dossiers.list_visible(s, officer, limit=51, light=True, **kw))
        assert len(found) == 2, found
        # one status: its own range (migration 0046), not the agency's history looked at row by row
        infix = "_status" if "status" in kw else ""
        assert f"ix_dossier_agency{infix}_filed" in found[0], found
        assert f"ix_dossier_processing{infix}_filed" in found[1], found
        for plan in found:
            assert not scans(plan, "dossier") and "TEMP B-TREE" not in plan, plan


@SQLITE
def test_the_citizen_list_and_the_duplicate_check_read_the_applicant_s_index(app):
    citizen = person(2, "citizen")
    for plan in plans(app, lambda s: dossiers.list_visible(s, citizen, limit=51)):
        assert "ix_dossier_applicant_filed" in plan and not scans(plan, "dossier"), plan
    [plan] = plans(app, lambda s: duplicates.recent_same(s, citizen, 1, {}, None, START))
    # a range on the filing time: the last minutes of the applicant, not their whole history
    assert "ix_dossier_applicant_filed (applicant_id=? AND filed_at>?)" in plan and not scans(plan, "dossier"), plan


@SQLITE
def test_the_calendar_walks_read_the_open_dossiers_only(app):
    changed = date(2026, 12, 1)
    walk = plans(app, lambda s: s.scalars(select(Dossier).where(Dossier.id > 0, replanning.affected(changed))
                                          .order_by(Dossier.id).limit(replanning.PAGE)).all())
    notice = SimpleNamespace(first_day=changed, notice=SimpleNamespace(scope=None))
    walk += plans(app, lambda s: calendar_notices._dossiers(s, notice, 0, 50))
    for plan in walk:
        assert "ix_dossier_deadlines_run (id>?)" in plan and not scans(plan, "dossier"), plan
        assert "TEMP B-TREE" not in plan, plan


@SQLITE
def test_a_signers_inbox_reads_their_open_requests_only(app):
    [plan] = plans(app, lambda s: signing_requests.pending_for(s, person(3, "department_leader", 1)))
    assert "ix_signing_request_signer_open (signer_id=?)" in plan and not scans(plan, "signing_request"), plan
    assert "TEMP B-TREE" not in plan, plan


def test_the_open_predicates_are_the_statuses_and_states_they_name():
    from engine.data.page_indexes import DEADLINES_RUN
    from engine.data.signing_model import OPEN_REQUEST, OPEN_STATES
    assert DEADLINES_RUN == f"status IN ({', '.join(str(int(s)) for s in replanning.OPEN)})"
    assert OPEN_REQUEST == f"state IN ({', '.join(repr(s) for s in OPEN_STATES)})"


def test_the_officer_list_merges_both_agencies_as_the_or_query_did(app, api):
    """A dossier received at a ward and processed by a department is on both lists, once; every page of either
    list (limits, ``before``, a status) is the one the single OR query gave, in the same order."""
    template = api.file()["code"]
    sessions = make_sessionmaker(app.extensions["tthc"]["engine"])
    with sessions.begin() as session:
        row = dict(session.execute(select(Dossier.__table__).where(Dossier.code == template)).mappings().one())
        ward = row["agency_id"]
        department, other = (agencies.place(session, Agency(code=f"T.{n}", name=f"Sở {n}", level="department"),
                                            None).id for n in (1, 2))
        # (receiving, processing, minutes after the template, status): ties on the filing instant included
        shapes = [(ward, department, 1, 1), (ward, None, 2, 4), (department, None, 2, 1), (other, ward, 3, 4),
                  (other, department, 3, 4), (department, department, 4, 9), (ward, department, 5, 4),
                  (other, None, 6, 1), (ward, None, 6, 4)]
        del row["id"]
        session.execute(insert(Dossier.__table__), [
            {**row, "code": f"{template}-{n}", "agency_id": receiving, "processing_agency_id": processing,
             "filed_at": row["filed_at"] + timedelta(minutes=minutes), "status": status}
            for n, (receiving, processing, minutes, status) in enumerate(shapes)])
    with sessions() as session:
        cross = f"{template}-0"
        for agency_id in (ward, department):
            officer = person(10**6, "specialist", agency_id)
            seen = [d.code for d in dossiers.list_visible(session, officer)]
            assert seen.count(cross) == 1, seen
            every = session.scalars(select(Dossier).order_by(Dossier.filed_at.desc(), Dossier.id.desc())).all()
            middle = every[len(every) // 2]
            for kw in ({}, {"limit": 1}, {"limit": 2}, {"limit": 3}, {"status": 4}, {"status": 4, "limit": 1},
                       {"before": (middle.filed_at, middle.id)}, {"before": (middle.filed_at, middle.id), "limit": 2}):
                got = [d.code for d in dossiers.list_visible(session, officer, **kw)]
                assert got == or_query(session, agency_id, **kw), (agency_id, kw)
        assert cross in [d.code for d in dossiers.list_visible(session, person(10**6, "specialist", ward))]


def or_query(session, agency_id: int, limit: int = 200, status: int | None = None, before=None) -> list[str]:
    """The officer list as one OR query (as it was before migration 0034)."""
    query = (select(Dossier.code).where(or_(Dossier.agency_id == agency_id, Dossier.processing_agency_id == agency_id))
             .order_by(Dossier.filed_at.desc(), Dossier.id.desc()).limit(limit))
    if status is not None:
        query = query.where(Dossier.status == status)
    if before is not None:
        query = query.where(tuple_(Dossier.filed_at, Dossier.id) < tuple_(*before))
    return list(session.scalars(query))
