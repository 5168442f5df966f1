"""The report form sent upward (Biểu 06a, D32) balances row by row: carried over (4) + newly received (5) + (6)
= resolved (7) + pending (11) + withdrawn or stopped (14), every column on one basis, the agency that resolves
the dossiers (D29).

February 2027, across Tết, the demo agency (the sample procedure, 3 working days):

| dossier | received                  | then                                                  | in the form    |
|---------|---------------------------|-------------------------------------------------------|----------------|
| P       | Fri 29/01 09:00, online   | resolved Mon 01/02 10:00, early                       | carried, early |
| A       | Mon 01/02 08:30, online   | resolved Tue 02/02 09:00, early                       | online, early  |
| B       | Mon 01/02 09:00, desk     | resolved on its due day, before the due instant       | direct, on time|
| C       | Mon 01/02 09:30, online   | resolved Mon 22/02 09:00, late, with the apology       | online, late   |
| E       | Mon 01/02 13:30, online   | withdrawn by the citizen Wed 03/02 09:00              | online, ended  |
| F       | Mon 01/02 14:00, desk     | stopped Wed 24/02 09:00                               | direct, ended  |
| G       | Tue 02/02 08:30, online   | still open at the end of February, past its due      | online, pending overdue |

The demo agency's row: carried 1 (P), newly received online 4 (A, C, E, G) and direct 2 (B, F): (3) = 7;
resolved 4 (P, A early; B on time; C late), pending 1 (G, overdue), withdrawn or stopped 2 (E, F): 4 + 1 + 2 = 7.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, STEP_DATA, sign_requested, vn
from test_statistics import pki_2027, settings  # noqa: F401  (the fixtures: keys valid in 2027)
from test_offers import DEMO, DEPT, WARD_A, put_offers
from test_offers import province  # noqa: F401  (the fixture)

from engine.data.model import Dossier
from engine.paperwork import results
from engine.reports import reportform
from engine.reports.scope import Scope

RECEIVER, SPECIALIST, LEADER, HEAD, CLERK = (
    "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.thutruong", "demo.vanthu")
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1960-05-02", "cccd": "046160000777"}
FEBRUARY = Scope(date(2027, 2, 1), date(2027, 2, 28))
REPORTED = vn(2027, 3, 3, 9, 0)


def at(api, clock, when) -> None:
    clock.set(when)
    api.tokens.clear()  # tokens expire with time


def filed(api, clock, when, channel=None, **extra) -> str:
    at(api, clock, vn(*when))
    if channel:
        return api.file(RECEIVER, owner=OWNER, channel=channel, **extra)["code"]
    return api.file(CITIZEN, **extra)["code"]


def act(api, clock, when, user, code, action, data=None):
    at(api, clock, vn(*when))
    return api.act(user, code, action, data)


def resolve(api, app, clock, when, code, late=False) -> None:
    at(api, clock, when)
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    if late:  # D19: the apology first
        r = api.post(f"/api/v1/dossiers/{code}/letters", HEAD, json={"kind": "overdue", "reason": "Chậm xác minh"})
        assert r.status_code in (200, 201), r.get_json()
        sign_requested(app, code)
    api.act(LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])["status"] == 9


def due_of(app, code):
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(Dossier.due_at).where(Dossier.code == code))


def form_of(app, scope: Scope) -> reportform.ReportForm:
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        return reportform.build(session, ext["settings"], scope, "Ủy ban nhân dân tỉnh", REPORTED)


def test_each_row_of_the_form_balances_with_withdrawn_and_stopped_dossiers_across_tet(app, api, clock, settings):  # noqa: F811
    """D32, Biểu 06a: carried over + received = resolved + withdrawn/stopped + pending, by row and in total; a
    withdrawn (status 7) and a stopped (status 8) dossier leave the pending in column (14), never in none."""
    c = {"P": filed(api, clock, (2027, 1, 29, 9, 0))}
    act(api, clock, (2027, 1, 29, 9, 0), RECEIVER, c["P"], "receive")
    c["A"] = filed(api, clock, (2027, 2, 1, 8, 0))
    act(api, clock, (2027, 2, 1, 8, 30), RECEIVER, c["A"], "receive")
    c["B"] = filed(api, clock, (2027, 2, 1, 9, 0), "desk")
    act(api, clock, (2027, 2, 1, 9, 0), RECEIVER, c["B"], "receive")
    c["C"] = filed(api, clock, (2027, 2, 1, 9, 30))
    act(api, clock, (2027, 2, 1, 9, 30), RECEIVER, c["C"], "receive")
    c["E"] = filed(api, clock, (2027, 2, 1, 13, 30))
    act(api, clock, (2027, 2, 1, 13, 30), RECEIVER, c["E"], "receive")
    c["F"] = filed(api, clock, (2027, 2, 1, 14, 0), "desk")
    act(api, clock, (2027, 2, 1, 14, 0), RECEIVER, c["F"], "receive")
    c["G"] = filed(api, clock, (2027, 2, 2, 8, 0))
    act(api, clock, (2027, 2, 2, 8, 30), RECEIVER, c["G"], "receive")
    resolve(api, app, clock, vn(2027, 2, 1, 10, 0), c["P"])  # early
    resolve(api, app, clock, vn(2027, 2, 2, 9, 0), c["A"])  # early
    due_b = due_of(app, c["B"])
    resolve(api, app, clock, due_b - timedelta(minutes=30), c["B"])  # on its due day, before the due instant
    at(api, clock, vn(2027, 2, 3, 9, 0))
    assert api.post(f"/api/v1/dossiers/{c['E']}/withdraw", CITIZEN, json={"reason": "Không cần nữa"}).status_code \
        == 200
    resolve(api, app, clock, vn(2027, 2, 22, 9, 0), c["C"], late=True)
    at(api, clock, vn(2027, 2, 24, 9, 0))
    r = api.post(f"/api/v1/dossiers/{c['F']}/stop", RECEIVER, json={"reason": "Người nộp đề nghị dừng giải quyết"})
    assert r.status_code == 200, r.get_json()
    assert due_of(app, c["G"]) < vn(2027, 3, 1)  # G is overdue at the end of February

    form = form_of(app, FEBRUARY)
    [line] = form.lines
    assert (line.carried, line.online, line.direct, line.received) == (1, 4, 2, 7)
    assert (line.early, line.on_time, line.late, line.resolved) == (2, 1, 1, 4)
    assert (line.pending_in_time, line.pending_overdue, line.ended) == (0, 1, 2)
    assert line.received == line.resolved + line.pending + line.ended and line.balanced
    assert form.total.cells() == [7, 1, 4, 2, 4, 2, 1, 1, 1, 0, 1, 2] and form.total.balanced
    # January: P carried into February is January's pending; nothing ended
    [january] = form_of(app, Scope(date(2027, 1, 1), date(2027, 1, 31))).lines
    assert (january.received, january.pending, january.ended, january.balanced) == (1, 1, 0, True)


def test_the_form_counts_a_ward_received_dossier_under_the_department_that_resolves_it(app, api, clock, province,  # noqa: F811
                                                                                      settings):  # noqa: F811
    """D29, D32: ward A receives, the department (Sở) processes, as ward A's offer says: the form's row is the
    department's for every column (received, pending, withdrawn), so each row balances; ward A, which resolves
    nothing of its own here, has no row."""
    ext = app.extensions["tthc"]
    at(api, clock, vn(2027, 2, 1, 8, 0))
    with ext["sessions"].begin() as session:
        results.ensure_keys(session, ext["settings"], clock.now(), pin=PASSWORD)
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    kept = filed(api, clock, (2027, 2, 1, 8, 30), agency=WARD_A)
    act(api, clock, (2027, 2, 1, 9, 0), "a.canbo", kept, "receive")
    gone = filed(api, clock, (2027, 2, 1, 9, 30), agency=WARD_A)
    act(api, clock, (2027, 2, 1, 10, 0), "a.canbo", gone, "receive")
    at(api, clock, vn(2027, 2, 2, 9, 0))
    assert api.post(f"/api/v1/dossiers/{gone}/withdraw", CITIZEN, json={"reason": "Không cần nữa"}).status_code \
        == 200
    form = form_of(app, Scope(date(2027, 2, 1), date(2027, 2, 28), group_by="agency"))
    by = {line.name: line for line in form.lines}
    assert list(by) == ["Sở Công Thương"], by
    dept = by["Sở Công Thương"]
    assert (dept.carried, dept.online, dept.direct, dept.resolved, dept.pending, dept.ended) == (0, 2, 0, 0, 1, 1)
    assert dept.balanced and form.total.balanced


def test_the_exports_print_the_withdrawn_and_stopped_column_after_the_forms_own_thirteen():
    """Biểu 06a's thirteen columns keep their numbers and places; column (14) "Số hồ sơ rút, dừng giải quyết"
    follows them in the XLSX and the PDF, with its total."""
    import io

    from openpyxl import load_workbook

    from engine.core.settings import load_settings
    from engine.reports.reportform import Line, ReportForm
    from test_report_form import pdf_text

    form = ReportForm("Sở Công Thương", FEBRUARY, [
        Line("Sở Công Thương", carried=1, online=4, direct=2, early=2, on_time=1, late=1, pending_overdue=1, ended=2)])
    sheet = load_workbook(io.BytesIO(reportform.to_xlsx(form))).active
    assert sheet["N8"].value == reportform.ENDED and sheet["N11"].value == "(14)" and sheet["M11"].value == "(13)"
    assert "N8:N10" in {str(r) for r in sheet.merged_cells.ranges}
    assert [sheet.cell(row=r, column=c).value for r in (12, 13) for c in (3, 7, 11, 14)] == [7, 4, 1, 2, 7, 4, 1, 2]
    text = pdf_text(reportform.to_pdf(load_settings(), form, REPORTED))
    assert "Số hồ sơ rút, dừng giải quyết" in text and "Tổng cộng 7 1 4 2 4 2 1 1 1 0 1 2" in text, text
