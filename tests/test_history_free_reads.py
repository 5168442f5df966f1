"""Reads that must not walk the dossiers' history (migration 0046), by SQLite's plan of each statement the code
sends: the reports' dossiers without a parent are not read off the sub-dossiers' index (SQLite, without
statistics, took ``parent_id IS NULL`` for a selective equality and read every dossier ever filed); the leaders'
watch reads the dossiers its agency processes for another off their own index, in due order."""
from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import OFFICERS, START
from sqlalchemy import select
from test_history_indexes import plans, scans

from engine.cases import watch
from engine.data.model import Dossier, User
from engine.reports.scope import Scope
from engine.reports.statistics import statistics

SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@SQLITE
def test_the_reports_never_read_the_dossiers_without_a_parent_off_the_sub_dossiers_index(app):
    settings = app.extensions["tthc"]["settings"]
    for agencies in (None, frozenset({1})):
        found = plans(app, lambda s: statistics(s, settings, Scope(date(2026, 11, 1), date(2026, 11, 30),
                                                                   agencies=agencies), START))
        assert len(found) > 10, found
        for plan in found:
            assert "ix_dossier_parent_id (parent_id=?)" not in plan, plan


@SQLITE
def test_the_watch_reads_what_an_agency_processes_for_another_off_its_own_index(app):
    settings = app.extensions["tthc"]["settings"]

    def run(session):
        leader = session.scalar(select(User).where(User.username == OFFICERS["approval"]))
        watch.page(session, leader, START, settings)
    found = " || ".join(plans(app, run))
    assert "ix_dossier_watch_processing (processing_agency_id=? AND status=? AND due_at<?)" in found, found
    assert "ix_dossier_processing_filed" not in found, found


@SQLITE
def test_the_officers_list_and_count_never_read_the_citizens_accounts(app):
    """A province's administrator (of every agency): the officers by username off the partial index of the
    accounts of an agency (migration 0047), not the usernames' index, where the citizens' CCCDs come first."""
    from engine.cases import staff

    province_admin = User(id=10**6, username="tinh.admin", roles_text="administrator", agency_id=None,
                          standardised=False, cccd=None)
    found = plans(app, lambda s: (staff.page(s, province_admin), staff.count(s, province_admin)))
    assert len(found) == 2, found
    # either partial index holds no citizen's account (the agency's accounts, or every account but the citizens')
    assert re.search(r"USING INDEX ix_user_account_(officer|staff)\b", found[0]), found
    assert "TEMP B-TREE" not in found[0], found
    assert "SCAN user_account" not in found[1], found  # the count: a range of the agency's index


@SQLITE
def test_the_operators_officer_list_never_reads_the_citizens_accounts(app):
    """`tthc officer list` read every account but the citizens' by testing each one (a province's million citizens
    read to print a few thousand officers), then held them all: it reads the accounts' partial index (migration
    0051) a batch at a time, the officers of no agency included."""
    from engine.cases import staff

    found = plans(app, lambda s: list(staff.every_officer(s, batch=2)))
    assert len(found) >= 2, found  # more than one batch
    for plan in found:
        assert "user_account USING INDEX ix_user_account_staff" in plan and "TEMP B-TREE" not in plan, plan


@SQLITE
def test_the_administrators_trail_of_one_action_or_thing_is_read_off_its_index_newest_first(app):
    from engine.data.agency_model import AdminEvent

    for where in ([AdminEvent.action == "officer_created"], [AdminEvent.target == "demo.tiepnhan"],
                  [AdminEvent.target_kind == "officer"], [AdminEvent.agency_id == 1]):
        query = select(AdminEvent).where(*where).order_by(AdminEvent.id.desc()).limit(51)
        [plan] = plans(app, lambda s: list(s.scalars(query)))
        assert "ix_admin_event_" in plan and "TEMP B-TREE" not in plan, plan


@SQLITE
def test_the_incidents_list_walks_the_incidents_not_the_dossiers_of_the_scope(app):
    """/quan-tri/su-co's page read every dossier of the administrator's agencies (an OR over the dossier's agency
    columns), then sorted: 0.3 s with no incident at all at 300k dossiers. Now it walks the incidents newest
    first and checks each one's dossier by primary key."""
    from engine.cases import incidents

    def run(session):
        for name in ("demo.admin", "phuxuan.admin"):
            admin = session.scalar(select(User).where(User.username == name))
            if admin is not None:
                incidents.page(session, admin)
    found = [p for p in plans(app, run) if "incident" in p]
    assert found
    for plan in found:
        assert not scans(plan, "dossier") and "ix_dossier_agency" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan


@SQLITE
def test_the_pending_at_a_periods_end_reads_the_open_dossiers_and_the_results_since_not_every_receipt(app):
    """stocks.citizens and handed_over (a period ending today has no kept stock): one OR of "no result" and
    "resolved since the end" let SQLite read every dossier received before the end. Each is now its own range of
    ix_dossier_resolved_at."""
    from engine.reports import stocks

    end = START

    def run(session):
        list(stocks.citizens(session, end, [stocks.RESOLVING], [Dossier.parent_id.is_(None)]))
        list(stocks.handed_over(session, end, [Dossier.agency_id], [Dossier.parent_id.is_not(None)]))
    found = [p for p in plans(app, run) if "dossier" in p]
    assert len(found) == 4, found
    for plan in found:
        assert "received_at<?" not in plan and not scans(plan, "dossier"), plan


def test_the_operators_officer_list_pages_through_every_officer_once_in_order(app):
    """The batches of `tthc officer list` (on both databases): every account but the citizens', by username, each
    once, however the batches fall; of one agency when asked."""
    from engine.cases import staff

    with app.extensions["tthc"]["sessions"]() as session:
        expected = session.scalars(select(User.username).where(User.roles_text != "citizen")
                                   .order_by(User.username)).all()
        assert len(expected) > 3 and session.scalar(select(User.id).where(User.roles_text == "citizen"))
        for batch in (1, 2, 3, len(expected), 500):
            assert [u.username for u, _code in staff.every_officer(session, batch=batch)] == expected, batch
        agency = session.scalar(select(User.agency_id).where(User.username == OFFICERS["intake"]))
        mine = [(u.username, code) for u, code in staff.every_officer(session, agency, batch=2)]
        assert (OFFICERS["intake"], mine[0][1]) in mine and {code for _u, code in mine} == {mine[0][1]}
        assert len(mine) == len(session.scalars(select(User.id).where(User.agency_id == agency)).all())
