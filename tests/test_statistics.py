"""D32 statistics from concrete dossiers, every counter worked out by hand from domain.md (not from the code).

The working calendar (config/calendar.toml): office hours 07:00–11:30 and 13:30–17:00 (8 working hours a day),
March 2027 has no holiday (Monday 01/03/2027). The sample procedure (1.001612) lasts 3 working days counted
from the receipt, keeping its clock time (D16), and restarts its clock when a processing-stage supplement
arrives (D12). The period is March 2027; the report is made on Monday 05/04/2027.

| dossier | channel (D5)                        | received      | due           | resolved      | verdict (D19)     |
|---------|-------------------------------------|---------------|---------------|---------------|-------------------|
| A       | online, the citizen                 | Mon 01/03 08:30 | Thu 04/03 08:30 | Tue 02/03 09:30 | early (02 < 04) |
| B       | desk (officer types it in)          | Mon 01/03 09:00 | Thu 04/03 09:00 | Thu 04/03 08:00 | on time (same day, before) |
| C       | post                                | Mon 01/03 10:00 | Thu 04/03 10:00 | Fri 05/03 09:00 | late           |
| D       | online, the citizen; supplement Tue 02/03 10:00, answered Thu 04/03 10:00 (clock restarts: due Tue 09/03 10:00) | Tue 02/03 08:00 | Tue 09/03 10:00 | Fri 05/03 10:00 | early |
| E       | online, filed by the receiving officer on the portal for the citizen (D5: online) | Wed 24/03 08:00 | Mon 29/03 08:00 | — | pending, overdue at 31/03 |
| F       | online, the citizen                 | Tue 30/03 09:00 | Fri 02/04 09:00 | — | pending, in time at 31/03 |
| G       | online, filed Wed 31/03 16:00, never received | — | — | — | counted nowhere (not received) |

Working hours from receipt to result (without the supplement wait):
A: Mon 08:30–11:30 3 + 13:30–17:00 3.5, Tue 07:00–09:30 2.5 = 9 h.
B: Mon 09:00–11:30 2.5 + 3.5, Tue 8, Wed 8, Thu 07:00–08:00 1 = 23 h.
C: Mon 10:00–11:30 1.5 + 3.5, Tue 8, Wed 8, Thu 8, Fri 07:00–09:00 2 = 31 h.
D: Tue 08:00 → Fri 10:00 = 7 + 8 + 8 + 3 = 26 h, less the wait Tue 10:00 → Thu 10:00 = 5 + 8 + 3 = 16 h: 10 h.
Average: (9 + 23 + 31 + 10) / 4 = 73 / 4 = 18.25 h.
C's late result carries the head of agency's apology (Fri 05/03 09:00, before the issue): one letter, a violation (D19).
A is returned Tue 02/03 10:00 and rated 4 by the citizen at 10:30.
"""
from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from conftest import (CITIZEN, SAMPLE_CODE, SAMPLE_FORM, START, STEP_DATA, Api, database_copy, drain_after_commit,
                      settings_with_keys, sign_requested, vn)
from engine.cases import portal_cases
from engine.cases.dossiers import Context
from engine.cli import DEMO_AGENCY
from engine.core.clock import VN_TZ, FixedClock
from engine.data.model import Agency, Dossier, User
from engine.data.payment_model import Payment
from engine.reports import readonly
from engine.reports.scope import Scope
from engine.reports.statistics import statistics
from engine.web import create_app

RECEIVER, SPECIALIST, DEPT_LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"
HEAD, CLERK = "demo.thutruong", "demo.vanthu"
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1960-05-02", "cccd": "046160000777"}
REPORTED = vn(2027, 4, 5, 9, 0)
MARCH = (date(2027, 3, 1), date(2027, 3, 31))


KEYS_ISSUED = datetime(2027, 1, 4, 8, 0, tzinfo=VN_TZ)


@pytest.fixture(scope="session")
def pki_2027(tmp_path_factory):
    """One folder per run (and worker), whichever module imports this fixture: March's template is signed with
    its keys, and every copy of it goes on with them."""
    folder = tmp_path_factory.getbasetemp() / "pki-2027"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def settings(database_url, tmp_path, pki_2027):
    """Signing keys issued on 04/01/2027 (valid on this file's dates), tokens that outlive the clock's jumps."""
    return settings_with_keys(tmp_path / "data", database_url, pki_2027, KEYS_ISSUED)


def at(clock, *when):
    clock.set(vn(*when))


def file(api, clock, when, user=CITIZEN, **extra) -> str:
    at(clock, *when)
    return api.file(user, **extra)["code"]


def receive(api, clock, code, *when):
    at(clock, *when)
    api.act(RECEIVER, code, "receive")


def resolve(api, clock, code, *when):
    at(clock, *when)
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(DEPT_LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])["status"] == 9


def build_march(api, app, clock, settings) -> dict[str, str]:
    """The dossiers of the table above, through the real API."""
    a = file(api, clock, (2027, 3, 1, 8, 0))
    receive(api, clock, a, 2027, 3, 1, 8, 30)
    b = file(api, clock, (2027, 3, 1, 9, 0), RECEIVER, owner=OWNER, channel="desk")
    receive(api, clock, b, 2027, 3, 1, 9, 0)
    c = file(api, clock, (2027, 3, 1, 10, 0), RECEIVER, owner=OWNER, channel="post")
    receive(api, clock, c, 2027, 3, 1, 10, 0)
    d = file(api, clock, (2027, 3, 2, 7, 30))
    receive(api, clock, d, 2027, 3, 2, 8, 0)

    resolve(api, clock, a, 2027, 3, 2, 9, 30)
    at(clock, 2027, 3, 2, 10, 0)
    api.act(RECEIVER, a, "return_result", STEP_DATA["return_result"])
    at(clock, 2027, 3, 2, 10, 30)
    with app.extensions["tthc"]["sessions"].begin() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        portal_cases.rate(session, Context(citizen, clock.now(), settings), a, 4)

    at(clock, 2027, 3, 2, 10, 0)
    api.act(SPECIALIST, d, "request_supplement", STEP_DATA["request_supplement"])
    at(clock, 2027, 3, 4, 10, 0)
    r = api.post(f"/api/v1/dossiers/{d}/supplement", CITIZEN, json={"form": SAMPLE_FORM, "note": "Đã bổ sung"})
    assert r.status_code == 200, r.get_json()

    resolve(api, clock, b, 2027, 3, 4, 8, 0)
    at(clock, 2027, 3, 5, 9, 0)  # C decided late: the head's apology first, then the clerk's issue (D19)
    api.act(SPECIALIST, c, "propose_approval", STEP_DATA["propose_approval"])
    api.act(DEPT_LEADER, c, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    r = api.post(f"/api/v1/dossiers/{c}/letters", HEAD, json={"kind": "overdue", "reason": "Chậm thẩm định"})
    assert r.status_code == 201, r.get_json()
    sign_requested(app, c)
    assert api.act(CLERK, c, "issue_result", STEP_DATA["issue_result"])["status"] == 9
    resolve(api, clock, d, 2027, 3, 5, 10, 0)

    e = file(api, clock, (2027, 3, 24, 7, 45), RECEIVER, owner=OWNER, channel="online")
    receive(api, clock, e, 2027, 3, 24, 8, 0)
    f = file(api, clock, (2027, 3, 30, 8, 30))
    receive(api, clock, f, 2027, 3, 30, 9, 0)
    file(api, clock, (2027, 3, 31, 16, 0))
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f}


# March is built once per backend (and worker) through the API, about 5 s, then copied for each test that asks for
# it, as the demo database is (conftest.database_copy): per backend, the template, its documents folder, the
# dossiers' codes and the clock at the end of the build.
_MARCH: dict[str, tuple[str, Path, dict[str, str], datetime]] = {}


def march_template(backend: str, request) -> tuple[str, Path, dict[str, str], datetime]:
    if backend not in _MARCH:
        pg = request.getfixturevalue("pg_server") if backend == "postgresql" else None
        demo = request.getfixturevalue("demo_template")(backend, pg)
        folder = request.getfixturevalue("tmp_path_factory").mktemp(f"march-{backend}")
        if pg is None:
            template = str(folder / "march.sqlite3")
            shutil.copy(demo, template)
            url = f"sqlite:///{template}"
        else:
            template = "march_template"
            pg.drop_database(template)  # left by a build that failed half-way, if any
            url = pg.create_database(template, template=demo)
        settings = settings_with_keys(folder / "data", url, request.getfixturevalue("pki_2027"), KEYS_ISSUED)
        clock = FixedClock(START)
        app = create_app(settings, clock=clock)
        app.testing = True
        drain_after_commit(app)
        try:
            codes = build_march(Api(app.test_client()), app, clock, settings)
        finally:
            app.extensions["tthc"]["engine"].dispose()  # a PostgreSQL template takes no connections
        _MARCH[backend] = (template, folder / "data", codes, clock.now())
    return _MARCH[backend]


@pytest.fixture
def database_url(backend, tmp_path, request, demo_template):
    """For a test that asks for ``march``: a copy of March's database and its documents; else the demo's."""
    if "march" not in request.fixturenames:
        yield from database_copy(backend, tmp_path, request, demo_template)
        return
    template, documents, _codes, _end = march_template(backend, request)
    shutil.copytree(documents, tmp_path / "data")
    yield from database_copy(backend, tmp_path, request, lambda *_: template)


@pytest.fixture
def march(database_url, backend, clock) -> dict[str, str]:
    """The dossiers of the table above (their codes by letter), the clock where their building left it."""
    _template, _documents, codes, end = _MARCH[backend]
    clock.set(end)
    return codes


EXPECTED = {
    "received": 6, "received_online": 4, "received_desk": 1, "received_post": 1,
    "resolved": 4, "resolved_early": 2, "resolved_on_time": 1, "resolved_late": 1,
    "pending_in_time": 1, "pending_overdue": 1,
    "avg_resolution_working_hours": 18.25,
    "supplement_first": 1, "supplement_second": 0, "supplement_second_not_met": 0, "supplement_second_other": 0,
    "extensions": 0, "apologies": 1, "violations": 1, "payments": 0, "paid_online": 0,
    "rating_count": 1, "rating_avg": 4.0,
}


def run(settings, **scope):
    with readonly.report_session(settings) as session:
        return statistics(session, settings, Scope(*MARCH, **scope), REPORTED)


def test_each_counter_of_march_by_hand(march, settings, app):
    report = run(settings)
    assert {k: report.total[k] for k in EXPECTED} == EXPECTED
    (row,) = report.rows
    assert (row["key"], row["label"]) == DEMO_AGENCY
    assert {k: row[k] for k in EXPECTED} == EXPECTED


def test_grouped_by_month_and_by_procedure(march, settings):
    by_month = run(settings, group_by="month")
    assert [r["key"] for r in by_month.rows] == ["2027-03"]
    assert {k: by_month.rows[0][k] for k in EXPECTED} == EXPECTED
    by_procedure = run(settings, group_by="procedure")
    assert [r["key"] for r in by_procedure.rows] == [SAMPLE_CODE]
    # February: nothing received or resolved, nothing pending at its end.
    with readonly.report_session(settings) as session:
        february = statistics(session, settings, Scope(date(2027, 2, 1), date(2027, 2, 28)), REPORTED)
    assert february.total["received"] == 0 and february.total["pending_in_time"] == 0
    assert february.total["avg_resolution_working_hours"] is None


def test_pending_is_judged_at_the_end_of_the_period(march, settings):
    """At the end of Friday 26/03, E (due Mon 29/03 08:00) was still in time; F was not yet received."""
    with readonly.report_session(settings) as session:
        report = statistics(session, settings, Scope(date(2027, 3, 1), date(2027, 3, 26)), REPORTED)
    assert (report.total["pending_in_time"], report.total["pending_overdue"]) == (1, 0)
    # At the end of Wednesday 03/03: B, C (received Monday) and A? No: A was resolved on Tuesday; D waits for
    # the citizen's supplement (no processing time passes): B, C and D pending, all in time.
    with readonly.report_session(settings) as session:
        report = statistics(session, settings, Scope(date(2027, 3, 1), date(2027, 3, 3)), REPORTED)
    assert (report.total["pending_in_time"], report.total["pending_overdue"]) == (3, 0)
    assert report.total["resolved"] == 1 and report.total["resolved_early"] == 1


def test_agencies_and_procedures_filter(march, settings, app):
    with app.extensions["tthc"]["sessions"]() as session:
        agency_id = session.scalar(select(Agency.id))
    assert run(settings, agencies=frozenset({agency_id})).total["received"] == 6
    assert run(settings, agencies=frozenset({-5})).total["received"] == 0
    assert run(settings, procedures=frozenset({"9.999999"})).total["resolved"] == 0


def test_the_resolution_time_is_kept_at_resolution_and_measured_alike_for_dossiers_resolved_before(march, settings,
                                                                                                    app):
    """A 9 h, B 23 h, C 31 h, D 10 h (the table above), kept in minutes when the result was issued; the same
    figures come from the calendar for dossiers resolved before the minutes were kept (NULL)."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        kept = dict(session.execute(select(Dossier.code, Dossier.resolution_working_minutes)).all())
        assert [kept[march[k]] for k in "ABCDEF"] == [9 * 60, 23 * 60, 31 * 60, 10 * 60, None, None]
        session.execute(update(Dossier).values(resolution_working_minutes=None))
    assert run(settings).total["avg_resolution_working_hours"] == 18.25


def test_a_withdrawn_dossier_was_pending_until_it_was_withdrawn(march, api, clock, settings):
    """H: received Mon 08/03/2027 09:00, withdrawn by the citizen Wed 10/03 09:00 (NĐ 118 Điều 21). At the end
    of Tuesday 09/03 it was pending in time (and the only one: A–D were resolved by Friday 05/03, E and F came
    later); at the end of March it counts nowhere as pending, though it was received in March."""
    h = file(api, clock, (2027, 3, 8, 8, 30))
    receive(api, clock, h, 2027, 3, 8, 9, 0)
    at(clock, 2027, 3, 10, 9, 0)
    r = api.post(f"/api/v1/dossiers/{h}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200 and r.get_json()["status"] == 7, r.get_json()
    with readonly.report_session(settings) as session:
        ninth = statistics(session, settings, Scope(date(2027, 3, 1), date(2027, 3, 9)), REPORTED).total
    assert (ninth["pending_in_time"], ninth["pending_overdue"]) == (1, 0)
    whole = run(settings).total
    assert (whole["received"], whole["pending_in_time"], whole["pending_overdue"]) == (7, 1, 1)


def test_electronic_and_reused_components(march, api, app, clock, settings):
    """G, filed Tue 30/03 10:00, takes A's signed result from the citizen's store as a component before its intake
    (files are added while filing or for a supplement, D8, D10), and is received at 10:30 (D24): one dossier
    received in March with an electronic component, and it reused a stored document (QĐ 766 3a, 3c)."""
    a = api.get(f"/api/v1/dossiers/{march['A']}", CITIZEN).get_json()
    result = next(d for d in a["documents"] if d["kind"] == "result")
    g = file(api, clock, (2027, 3, 30, 10, 0))
    r = api.post(f"/api/v1/dossiers/{g}/documents", CITIZEN, json={"reuse": result["id"], "component": "giay_de_nghi"})
    assert r.status_code == 201, r.get_json()
    receive(api, clock, g, 2027, 3, 30, 10, 30)
    total = run(settings).total
    assert (total["digitised"], total["reused"]) == (1, 1)


def test_fee_payments_online_and_at_the_desk(march, app, settings):
    """A's fee paid online through the gateway on Tue 02/03, B's in cash at the desk on Thu 04/03, C's still
    pending, and a refunded online payment on D (made on Fri 05/03, then given back): three payments made in
    March, two of them online (D26; QĐ 766 4d: 2 / 3)."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        ids = dict(session.execute(select(Dossier.code, Dossier.id)).all())
        for name, status, method, paid in (("A", "paid", "online", vn(2027, 3, 2, 9, 0)),
                                           ("B", "paid", "cash", vn(2027, 3, 4, 9, 0)),
                                           ("C", "pending", None, None),
                                           ("D", "refunded", "online", vn(2027, 3, 5, 9, 0))):
            session.add(Payment(dossier_id=ids[march[name]], moment="intake", fee_keys=["le_phi"], fee="Lệ phí",
                                amount=100_000, status=status, method=method, requested_at=vn(2027, 3, 1, 8, 0),
                                paid_at=paid))
    total = run(settings).total
    assert (total["payments"], total["paid_online"]) == (3, 2)
