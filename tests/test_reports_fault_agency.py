"""Whose figure it is when the receiving agency is not the processing one (D29, D32), and the dossier register's
"Quá hạn" (D31).

Ward A (UBND phường An Cựu) receives the sample procedure and the department (Sở Công Thương) processes it, as
ward A's offer says. The citizen files on Monday 23/11/2026 09:00; ward A asks a supplement at intake, then at
10:00 a second one for its own fault ("other", D11b): the apology goes with it, signed by ward A's centre
director, and it is a violation. Ward A receives the completed dossier at 11:00; on 24/11 the department's
specialist proposes the approval.

- D11b, D32: the intake-stage letter and its violation are ward A's (the one at fault, which signed it); the
  department, which had not yet received the dossier, has none.
- D29, D32: "where time goes" counts each step for the agency that did it: the intake check for ward A, the
  assessment (propose_approval) for the department.
- D31: an open dossier past its due instant is "Quá hạn" in the register made after that instant, even when the
  timer service has not recorded it.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, SAMPLE_FORM, STEP_DATA, password_hash, sign_requested
from test_offers import DEMO, DEPT, WARD_A, put_offers
from test_offers import province  # noqa: F401  (the fixture)
from test_statistics_shares import at, report, rows, settings  # noqa: F401  (settings: the fixture)

from engine.cases import accounts
from engine.data.agency_model import Agency
from engine.data.model import Dossier
from engine.paperwork import registers, results
from engine.reports.scope import Scope
from engine.reports.steptimes import step_times

REQ = STEP_DATA["request_supplement"]
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def _supplement(api, clock, *when) -> None:
    at(api, clock, *when)
    r = api.post(f"/api/v1/dossiers/{_supplement.code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()


def _ward_receives_the_department_processes(app, api, clock) -> str:
    """The scenario of the module docstring; returns the dossier's code."""
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:
        ward = session.scalar(select(Agency).where(Agency.code == WARD_A))
        accounts.ensure_officer(session, clock.now(), "a.giamdoc", "Giám đốc Trung tâm phường An Cựu",
                                {"centre_director"}, ward, PASSWORD, password_hash=password_hash())
    with ext["sessions"].begin() as session:
        results.ensure_keys(session, ext["settings"], clock.now(), pin=PASSWORD)
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = _supplement.code = api.file(CITIZEN, agency=WARD_A)["code"]  # Monday 23/11/2026 09:00
    api.act("a.canbo", code, "request_supplement", REQ)
    _supplement(api, clock, 2026, 11, 23, 9, 30)
    at(api, clock, 2026, 11, 23, 10, 0)
    api.act("a.canbo", code, "request_supplement",
            {**REQ, "second_reason": {"kind": "other", "explanation": "Hướng dẫn của bộ phận một cửa chưa rõ"}})
    sign_requested(app, code)  # the centre director signs the apology (D11b, D20)
    _supplement(api, clock, 2026, 11, 23, 10, 30)
    at(api, clock, 2026, 11, 23, 11, 0)
    api.act("a.canbo", code, "receive")
    at(api, clock, 2026, 11, 24, 9, 0)
    api.act("d.canbo", code, "propose_approval", STEP_DATA["propose_approval"])
    at(api, clock, 2026, 12, 1, 9, 0)
    return code


def test_an_intake_second_request_apology_and_violation_count_for_the_receiving_agency(app, api, clock, province):  # noqa: F811
    """D11b, D29, D32: the letter of a second supplement request asked at intake is the receiving one-stop's fault
    (its centre director signs it): its apology and violation count for ward A, with the request; the processing
    department, which had not received the dossier yet, is credited with neither."""
    _ward_receives_the_department_processes(app, api, clock)
    by = rows(report(api, "from=2026-11-01&to=2026-11-30"))
    ward, dept = by[WARD_A], by[DEPT]
    assert (ward["supplement_first"], ward["supplement_second"], ward["supplement_second_other"]) == (1, 1, 1)
    assert (ward["apologies"], ward["violations"]) == (1, 1)
    assert (dept["supplement_second"], dept["apologies"], dept["violations"]) == (0, 0, 0)
    scoped = report(api, f"from=2026-11-01&to=2026-11-30&agency={DEPT}")["total"]
    assert (scoped["apologies"], scoped["violations"]) == (0, 0)
    scoped = report(api, f"from=2026-11-01&to=2026-11-30&agency={WARD_A}")["total"]
    assert (scoped["apologies"], scoped["violations"]) == (1, 1)


def test_where_time_goes_counts_each_step_for_the_agency_that_did_it(app, api, clock, province):  # noqa: F811
    """D29, D32: the receiving agency's steps (intake, the citizen's supplement) are ward A's; the processing
    steps (the assessment that proposes the approval) the department's, whose officers held them."""
    _ward_receives_the_department_processes(app, api, clock)
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        ids = dict(session.execute(select(Agency.code, Agency.id).where(Agency.code.in_([WARD_A, DEPT]))).all())

        def steps(code):
            found = step_times(session, ext["settings"], Scope(*NOVEMBER, frozenset({ids[code]})), clock.now())
            return {r.step: r.count for r in found}

        ward, dept = steps(WARD_A), steps(DEPT)
    assert dept and all(step not in ("intake", "supplement", "return") for step in dept), dept
    assert ward and "intake" in ward and all(step in ("intake", "supplement", "return") for step in ward), ward


def test_the_register_notes_an_open_dossier_past_its_due_as_late_without_the_timer_service(app, api, clock):
    """D31: the register made after the due instant of an open dossier whose result clock runs says "Quá hạn",
    as the statistics count it pending overdue, even when the timer service never recorded the lateness; made
    before the due instant it does not."""
    code = api.file(CITIZEN)["code"]  # Monday 23/11/2026 09:00, the demo agency
    api.act("demo.tiepnhan", code, "receive")
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        agency_id, due, late = dossier.agency_id, dossier.due_at, dossier.late
        assert not late  # no sweep ran
        first, last = date(2026, 11, 1), date(2026, 12, 31)
        after = registers.register_rows(session, agency_id, first, last, now=due + timedelta(hours=1))
        before = registers.register_rows(session, agency_id, first, last, now=due - timedelta(hours=1))
        unknown = registers.register_rows(session, agency_id, first, last)
    [row] = [r for r in after if r.code == code]
    assert "Quá hạn" in row.notes.split("; "), row.notes
    assert "Quá hạn" not in [r for r in before if r.code == code][0].notes.split("; ")
    assert "Quá hạn" not in [r for r in unknown if r.code == code][0].notes.split("; ")
