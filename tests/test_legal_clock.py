"""The legal clock, tested from the law (domain.md D7, D10–D20) through the JSON API, the timer service and
`tthc simulate`.

Every expected instant is worked out by hand in a comment from the working calendar (config/calendar.toml):
office hours 07:00–11:30 and 13:30–17:00 (one working day = 8 working hours), cut-off 15:00, intake within
1 working hour, Tết 2026 off from Monday 16/02 to Friday 20/02. The sample procedure (1.001612, household
business) lasts 3 working days and restarts its clock when a processing-stage supplement arrives.
Tests that use ``api`` run once on SQLite and once on PostgreSQL.
"""
from __future__ import annotations

import io
import json
import re
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path

import jinja2
import pypdf
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from conftest import Api, CITIZEN, PASSWORD, SAMPLE_FORM, STEP_DATA, iso, settings_with_keys, sign_requested, vn
from engine.data import audit
from engine.paperwork import letters
from engine import timers
from engine.cli import main
from engine.core.clock import VN_TZ
from engine.data.model import AuditEvent, Dossier, Incident

RECEIVER, SPECIALIST, DEPT_LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"
HEAD, DIRECTOR, CLERK = "demo.thutruong", "demo.giamdoc", "demo.vanthu"
OWNER_NAME = "Nguyễn Văn An"  # the demo citizen, who files for themself
PROCEDURE_NAME = "Đăng ký thành lập hộ kinh doanh"
FIRST_ITEM = STEP_DATA["request_supplement"]["items"][0]["component"]
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
KEYS_ISSUED = datetime(2026, 1, 2, 8, 0, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def pki_2026(tmp_path_factory):
    """Signing keys issued on 02/01/2026: the session's demo PKI is issued at the real time of the run, so
    its certificates are not yet valid on this file's virtual dates (February–March 2026)."""
    return tmp_path_factory.mktemp("pki-2026")


@pytest.fixture
def settings(database_url, tmp_path, pki_2026):
    """As in conftest, with keys valid in early 2026 and tokens that outlive the clock's jumps over Tết."""
    return settings_with_keys(tmp_path / "data", database_url, pki_2026, KEYS_ISSUED)


# -- helpers ---------------------------------------------------------------------------------------------


def show(api: Api, code: str, user: str = CITIZEN) -> dict:
    r = api.get(f"/api/v1/dossiers/{code}", user)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def actions(dossier: dict) -> list[str]:
    return [h["action"] for h in dossier["history"]]


def attempt(api: Api, user: str, code: str, action: str, data: dict | None = None):
    """Complete the user's open task on the dossier; returns the raw response (the caller checks it)."""
    task = api.task_for(user, code)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"action": action, "data": data or {}})


def refused(response, status: int, rule: str | None = None) -> dict:
    """The api.md error format, with the rule that said no; returns the inner error object."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, text[:500])
    assert "Traceback" not in text
    err = response.get_json()["error"]
    assert err["message"]
    if rule is not None:
        assert err.get("rule") == rule, err
    return err


def sweep(app, settings, *when) -> timers.SweepResult:
    """One run of the timer service at the given Vietnam time."""
    return timers.sweep(app.extensions["tthc"]["sessions"], settings, vn(*when))


def post_letter(api: Api, user: str, code: str, reason: str = "Chậm thẩm định do thiếu cán bộ"):
    return api.post(f"/api/v1/dossiers/{code}/letters", user, json={"kind": "overdue", "reason": reason})


def file_at(api: Api, clock, *when) -> str:
    clock.set(vn(*when))
    return api.file(CITIZEN)["code"]


def receive_at(api: Api, clock, code: str, *when) -> dict:
    clock.set(vn(*when))
    return api.act(RECEIVER, code, "receive")


def filed_before_tet_and_received_monday(api: Api, clock) -> str:
    """Filed Friday 13/02/2026 16:30, received Monday 23/02/2026 08:00: due Thursday 26/02/2026 08:00."""
    code = file_at(api, clock, 2026, 2, 13, 16, 30)
    receive_at(api, clock, code, 2026, 2, 23, 8, 0)
    return code


def second_reason(kind: str, **extra) -> dict:
    return {"items": STEP_DATA["request_supplement"]["items"],
            "second_reason": {"kind": kind, "explanation": "Lần trước chưa nêu rõ yêu cầu về chữ ký",
                              **extra}}


def supplement_at(api: Api, clock, code: str, *when) -> dict:
    clock.set(vn(*when))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN,
                 json={"form": SAMPLE_FORM, "note": "Đã bổ sung"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def document_text(response) -> str:
    """The words of a downloaded document (signed PDF, D22; or HTML), whitespace collapsed."""
    if response.mimetype == "application/pdf":
        reader = pypdf.PdfReader(io.BytesIO(response.get_data()))
        raw = "\n".join(page.extract_text() or "" for page in reader.pages)
    else:
        assert response.mimetype == "text/html", response.mimetype
        raw = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(raw.split())


def register_citizen(api: Api, cccd: str, full_name: str) -> str:
    r = api.post("/api/v1/citizens", json={"full_name": full_name, "cccd": cccd,
                                           "cccd_issued_on": "2021-06-01", "phone": "0905123456",
                                           "password": PASSWORD})
    assert r.status_code == 201, r.get_json()
    return cccd


# -- 1. intake (D7) and the start of processing time (D13, D16) -------------------------------------------
def test_a_dossier_filed_on_the_friday_evening_before_tet_is_due_for_intake_at_07_30_on_monday_23_02(
        api, clock, app, settings):
    # Friday 13/02/2026 16:30 is inside office hours: 30 working minutes pass before 17:00. Mon 16/02 to
    # Fri 20/02 are Tết, 21–22/02 the weekend; the other 30 minutes run from Monday 23/02 07:00 → 07:30.
    code = file_at(api, clock, 2026, 2, 13, 16, 30)
    filed = show(api, code)
    assert filed["filed_at"] == iso(2026, 2, 13, 16, 30)
    assert filed["intake_due_at"] == iso(2026, 2, 23, 7, 30)
    assert filed["intake_late"] is False
    assert filed["calendar_version"]

    # Nothing is due during Tết.
    assert sweep(app, settings, 2026, 2, 20, 16, 59).effects == {}
    # One minute past the intake due: the dossier is late for intake, once.
    first = sweep(app, settings, 2026, 2, 23, 7, 31)
    assert first.effects == {"intake_overdue": 1} and first.incidents == 0
    late = show(api, code)
    assert late["intake_late"] is True and late["status"] == 1
    assert actions(late).count("intake_overdue") == 1
    again = sweep(app, settings, 2026, 2, 23, 7, 45)
    assert again.effects == {} and again.incidents == 0
    assert show(api, code)["history"] == late["history"]

    # Received Monday 23/02 08:00 (before the 15:00 cut-off, so the day counts): 3 working days keep the
    # clock time of intake (D16) → Thursday 26/02/2026 08:00.
    received = receive_at(api, clock, code, 2026, 2, 23, 8, 0)
    assert received["received_at"] == iso(2026, 2, 23, 8, 0)
    assert received["due_at"] == iso(2026, 2, 26, 8, 0)
    assert received["original_due_at"] == iso(2026, 2, 26, 8, 0)
    assert received["calendar_version"]
    assessment = api.task_for(SPECIALIST, code)
    assert assessment["step"] == "assessment"
    assert assessment["due_at"] == received["due_at"]


# -- 2. warning and overdue (D19) --------------------------------------------------------------------------
def test_a_dossier_is_warned_one_working_day_before_its_due_then_overdue_and_issued_only_with_an_apology(
        api, clock, app, settings):
    code = filed_before_tet_and_received_monday(api, clock)  # due Thursday 26/02/2026 08:00

    # One working day (8 working hours) before Thu 26/02 08:00 is Wed 25/02 08:00.
    assert sweep(app, settings, 2026, 2, 25, 7, 59).effects == {}
    assert sweep(app, settings, 2026, 2, 25, 8, 0).effects == {"warning": 1}
    warned = show(api, code, SPECIALIST)  # the officers' history (the citizen's leaves their warning out)
    assert actions(warned).count("warning") == 1 and warned["late"] is False
    assert "warning" not in actions(show(api, code))

    # Not late yet: the head of agency has nothing to apologise for.
    clock.set(vn(2026, 2, 25, 8, 0))
    refused(post_letter(api, HEAD, code), 422, "D19")

    # No second warning; overdue exactly at the due instant.
    assert sweep(app, settings, 2026, 2, 26, 7, 59).effects == {}
    assert sweep(app, settings, 2026, 2, 26, 8, 0).effects == {"overdue": 1}
    overdue = show(api, code, SPECIALIST)
    assert overdue["late"] is True and show(api, code)["late"] is True
    assert actions(overdue).count("overdue") == 1 and actions(overdue).count("warning") == 1
    assert sweep(app, settings, 2026, 2, 27, 8, 0).effects == {}

    # The result can still be decided, late; the clerk's issue, which releases it to the citizen, waits for the
    # head of agency's apology (D19, D23)
    clock.set(vn(2026, 2, 26, 9, 0))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(DEPT_LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    refused(attempt(api, CLERK, code, "issue_result", STEP_DATA["issue_result"]), 422, "D19")
    for other in (DIRECTOR, SPECIALIST, CITIZEN):
        refused(post_letter(api, other, code), 403)
    assert show(api, code)["letters"] == []

    clock.set(vn(2026, 2, 26, 10, 0))
    r = post_letter(api, HEAD, code)
    assert r.status_code == 201, r.get_json()
    (letter,) = r.get_json()["letters"]
    assert letter["kind"] == "apology"
    assert letter["faults"] == ["overdue"]
    assert letter["signer_role"] == "head_of_agency" and letter["signer"] == "Hoàng Văn Trưởng"
    assert letter["violation"] is True
    # the letter is signed by the head with their own key (D35), then sealed: until then the result waits
    assert letter["document"] is None
    refused(attempt(api, CLERK, code, "issue_result", STEP_DATA["issue_result"]), 422, "D19")
    assert sign_requested(app, code) >= 1
    (letter,) = show(api, code)["letters"]
    assert letter["document"] in [d["id"] for d in show(api, code)["documents"] if d["kind"] == "apology"]

    issued = api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])
    assert issued["status"] == 9 and issued["late"] is True
    returned = api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])
    assert returned["status"] == 10 and returned["returned_at"] == iso(2026, 2, 26, 10, 0)
    assert returned["late"] is True
    assert len(returned["letters"]) == 1
    with app.extensions["tthc"]["sessions"]() as session:  # the sweeps ran at Vietnam times: the chain holds
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert audit.verify_chain(audit.history(session, dossier.id), dossier.audit_head)


# -- 3. extension (D17–D18) --------------------------------------------------------------------------------
def test_an_extension_confirmed_by_department_and_centre_moves_the_due_one_working_day_with_an_apology(
        api, clock, app):
    code = filed_before_tet_and_received_monday(api, clock)  # due Thursday 26/02/2026 08:00
    clock.set(vn(2026, 2, 24, 9, 0))

    # 1/3 of 3 working days is 1 working day (D18): 2 days are refused, the cap is said in words.
    err = refused(attempt(api, SPECIALIST, code, "request_extension",
                          {"working_days": 2, "reason": "Cần xác minh thêm địa điểm"}), 422, "D18")
    assert "1 ngày làm việc" in err["message"]

    api.act(SPECIALIST, code, "request_extension",
            {"working_days": 1, "reason": "Cần xác minh thêm địa điểm"})
    pending = show(api, code)
    assert pending["due_at"] == iso(2026, 2, 26, 8, 0) and pending["extensions"] == 0

    # The department leader's confirmation alone does not move the appointment.
    clock.set(vn(2026, 2, 24, 10, 0))
    api.act(DEPT_LEADER, code, "confirm_extension")
    halfway = show(api, code)
    assert halfway["due_at"] == iso(2026, 2, 26, 8, 0)
    assert halfway["extensions"] == 0 and halfway["letters"] == []

    # The centre confirms: one working day after the original due Thu 26/02 08:00 → Fri 27/02/2026 08:00.
    clock.set(vn(2026, 2, 24, 11, 0))
    extended = api.act(DIRECTOR, code, "confirm_extension")
    assert extended["due_at"] == iso(2026, 2, 27, 8, 0)
    assert extended["original_due_at"] == iso(2026, 2, 26, 8, 0)
    assert extended["extensions"] == 1 and extended["late"] is False
    (letter,) = extended["letters"]
    assert letter["kind"] == "apology" and letter["new_due_at"] == iso(2026, 2, 27, 8, 0)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 2, 27, 8, 0)

    # Mẫu 04 (D20): the citizen downloads it; it names the dossier, the owner, the request, the legal due,
    # the date received and the new appointment.
    r = api.get(f"/api/v1/documents/{letter['document']}", CITIZEN)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    text = document_text(r)
    for wanted in (code, OWNER_NAME, PROCEDURE_NAME, "Phiếu xin lỗi", "hẹn lại", "23/02/2026",
                   "08 giờ 00 phút, ngày 26/02/2026", "08 giờ 00 phút, ngày 27/02/2026"):
        assert wanted.casefold() in text.casefold(), (wanted, text)
    stranger = register_citizen(api, "038095004321", "Lê Thị Người Lạ")
    refused(api.get(f"/api/v1/documents/{letter['document']}", stranger), 404)

    # At most one re-appointment per dossier (D18).
    clock.set(vn(2026, 2, 24, 14, 0))
    refused(attempt(api, SPECIALIST, code, "request_extension",
                    {"working_days": 1, "reason": "Cần thêm thời gian"}), 422, "D18")
    assert show(api, code)["due_at"] == iso(2026, 2, 27, 8, 0)


def test_a_rejected_extension_keeps_the_due_and_one_asked_less_than_a_working_day_before_the_due_is_refused(
        api, clock):
    code = filed_before_tet_and_received_monday(api, clock)  # due Thursday 26/02/2026 08:00
    clock.set(vn(2026, 2, 24, 9, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm"})
    clock.set(vn(2026, 2, 24, 10, 0))
    rejected = api.act(DEPT_LEADER, code, "reject_extension", {"reason": "Còn đủ thời gian giải quyết"})
    assert rejected["due_at"] == iso(2026, 2, 26, 8, 0)
    assert rejected["extensions"] == 0 and rejected["letters"] == []

    # Wed 25/02 09:00 → Thu 26/02 08:00 is 7 working hours (09:00–11:30, 13:30–17:00, 07:00–08:00): less
    # than one working day before the due, so no extension any more (D18).
    clock.set(vn(2026, 2, 25, 9, 0))
    refused(attempt(api, SPECIALIST, code, "request_extension",
                    {"working_days": 1, "reason": "Cần xác minh thêm"}), 422, "D18")
    after = show(api, code)
    assert after["due_at"] == iso(2026, 2, 26, 8, 0) and after["extensions"] == 0


# -- 4. supplement requests: only once (D10–D12) -----------------------------------------------------------
def test_a_second_intake_supplement_request_needs_a_reason_and_for_another_reason_an_apology_from_the_centre(
        api, clock):
    code = file_at(api, clock, 2026, 2, 23, 9, 0)
    clock.set(vn(2026, 2, 23, 9, 30))
    first = api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    assert first["status"] == 5 and first["supplement_requests"] == 1 and first["letters"] == []

    supplement_at(api, clock, code, 2026, 2, 23, 10, 0)
    clock.set(vn(2026, 2, 23, 10, 30))
    err = refused(attempt(api, RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"]),
                  422, "D10")
    assert "second_reason" in err["fields"]

    second = api.act(RECEIVER, code, "request_supplement", second_reason("other"))
    assert second["status"] == 5 and second["supplement_requests"] == 2
    (letter,) = second["letters"]
    # Intake stage: signed by the centre director (QĐ 88/2017 Điều 13 k2), counted as a violation.
    assert letter["signer_role"] == "centre_director" and letter["signer"] == "Đỗ Thị Giám"
    assert letter["faults"] == ["second_supplement"] and letter["violation"] is True


def test_a_processing_supplement_restarts_the_three_days_from_the_answer_and_nothing_falls_due_while_waiting(
        api, clock, app, settings):
    code = filed_before_tet_and_received_monday(api, clock)  # due Thursday 26/02/2026 08:00

    # A first request is free.
    clock.set(vn(2026, 2, 24, 9, 0))
    waiting = api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    assert waiting["status"] == 5 and waiting["supplement_requests"] == 1 and waiting["letters"] == []

    # While the citizen completes the dossier, no warning and no overdue, even past the old due.
    assert sweep(app, settings, 2026, 2, 25, 8, 0).effects == {}
    assert sweep(app, settings, 2026, 2, 27, 9, 0).effects == {}
    still = show(api, code)
    assert still["status"] == 5 and still["late"] is False
    assert "overdue" not in actions(still) and "warning" not in actions(still)

    # Restart policy (NĐ 61): the full 3 working days run again from Monday 02/03/2026 10:00
    # → Thursday 05/03/2026 10:00.
    answered = supplement_at(api, clock, code, 2026, 3, 2, 10, 0)
    assert answered["status"] == 4
    assert answered["due_at"] == iso(2026, 3, 5, 10, 0)
    assert api.task_for(SPECIALIST, code)["due_at"] == iso(2026, 3, 5, 10, 0)
    assert sweep(app, settings, 2026, 3, 2, 11, 0).effects == {}
    assert show(api, code)["late"] is False

    # A second request needs a reason (D10); "the applicant did not comply" must name unmet items of the
    # first request (D11a) and carries no apology.
    clock.set(vn(2026, 3, 2, 14, 0))
    refused(attempt(api, SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"]), 422, "D10")
    never_asked = second_reason("applicant_not_compliant", unmet_items=["Một mục chưa từng yêu cầu"])
    refused(attempt(api, SPECIALIST, code, "request_supplement", never_asked), 422, "D11")
    second = api.act(SPECIALIST, code, "request_supplement",
                     second_reason("applicant_not_compliant", unmet_items=[FIRST_ITEM]))
    assert second["status"] == 5 and second["supplement_requests"] == 2
    assert second["letters"] == []


def test_a_second_processing_supplement_request_for_another_reason_carries_an_apology_from_the_head_of_agency(
        api, clock):
    code = filed_before_tet_and_received_monday(api, clock)
    clock.set(vn(2026, 2, 23, 9, 0))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    supplement_at(api, clock, code, 2026, 2, 23, 10, 0)
    clock.set(vn(2026, 2, 23, 11, 0))
    second = api.act(SPECIALIST, code, "request_supplement", second_reason("other"))
    assert second["status"] == 5 and second["supplement_requests"] == 2
    (letter,) = second["letters"]
    # Processing stage: signed by the head of the agency (QĐ 88/2017 Điều 14 k1), counted as a violation.
    assert letter["signer_role"] == "head_of_agency" and letter["signer"] == "Hoàng Văn Trưởng"
    assert letter["faults"] == ["second_supplement"] and letter["violation"] is True


def test_a_first_processing_supplement_request_after_three_working_days_is_refused_D12(api, clock):
    code = filed_before_tet_and_received_monday(api, clock)
    # Received Mon 23/02 08:00; three working days end Thu 26/02 08:00; 09:00 is past the window.
    clock.set(vn(2026, 2, 26, 9, 0))
    refused(attempt(api, SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"]), 422, "D12")
    after = show(api, code)
    assert after["status"] == 4 and after["supplement_requests"] == 0


# -- 5. the timer service: several workers, broken dossiers ------------------------------------------------
@pytest.fixture
def postgresql_only(backend):
    if backend != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite has one writer")


def history_counts(app, codes: list[str]) -> dict[str, Counter]:
    with app.extensions["tthc"]["sessions"]() as session:
        rows = session.execute(select(Dossier.code, AuditEvent.action)
                               .join(AuditEvent, AuditEvent.dossier_id == Dossier.id)
                               .where(Dossier.code.in_(codes))).all()
    counts = {code: Counter() for code in codes}
    for code, action in rows:
        counts[code][action] += 1
    return counts


def test_two_timer_workers_at_once_fire_each_overdue_exactly_once(postgresql_only, api, clock, app, settings):
    # 30 dossiers filed and received Monday 23/02/2026 08:00: all due Thursday 26/02/2026 08:00.
    clock.set(vn(2026, 2, 23, 8, 0))
    codes = [api.file(CITIZEN)["code"] for _ in range(30)]
    for code in codes:
        assert api.act(RECEIVER, code, "receive")["due_at"] == iso(2026, 2, 26, 8, 0)

    sessions = app.extensions["tthc"]["sessions"]
    when = vn(2026, 2, 26, 9, 0)
    start = threading.Barrier(2)
    outcomes, errors = [], []

    def worker():
        try:
            start.wait()
            outcomes.append(timers.sweep(sessions, settings, when, batch=4))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(outcomes) == 2
    assert sum(r.effects.get("overdue", 0) for r in outcomes) == 30
    assert sum(r.incidents for r in outcomes) == 0

    for code, counts in history_counts(app, codes).items():
        assert counts["overdue"] == 1, (code, counts)
        assert counts["warning"] <= 1, (code, counts)
    assert timers.sweep(sessions, settings, when).effects == {}


def test_a_broken_dossier_becomes_an_incident_and_the_sweep_handles_the_others(api, clock, app, settings):
    clock.set(vn(2026, 2, 23, 8, 0))
    codes = [api.file(CITIZEN)["code"] for _ in range(3)]
    for code in codes:
        api.act(RECEIVER, code, "receive")  # due Thursday 26/02/2026 08:00
    broken = codes[1]
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:
        session.execute(update(Dossier).where(Dossier.code == broken).values(
            workflow_state=b"\x00 not a workflow state", bpmn_timer_at=vn(2026, 2, 24, 8, 0),
            next_timer_at=vn(2026, 2, 24, 8, 0)))

    done = sweep(app, settings, 2026, 2, 26, 9, 0)
    assert done.incidents == 1
    assert done.effects.get("overdue") == 2
    with sessions() as session:
        broken_id = session.scalar(select(Dossier.id).where(Dossier.code == broken))
        incidents = session.scalars(select(Incident).where(Incident.dossier_id == broken_id)).all()
        assert len(incidents) == 1 and incidents[0].message
        assert session.scalar(select(Incident.id).where(Incident.dossier_id != broken_id)) is None
    counts = history_counts(app, codes)
    assert counts[codes[0]]["overdue"] == 1 and counts[codes[2]]["overdue"] == 1
    assert counts[broken]["overdue"] == 0
    # The broken dossier is retried later, not in a loop within the same sweep instant.
    again = sweep(app, settings, 2026, 2, 26, 9, 0)
    assert again.incidents == 0 and again.effects == {}


# -- 6. `tthc simulate` ------------------------------------------------------------------------------------
def simulate(tmp_path, scenario: Path):
    runner = CliRunner()
    return runner.invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path)})


def test_simulating_the_api_md_scenario_gives_the_extended_due_and_the_timeline_in_time_order(tmp_path):
    result = simulate(tmp_path, SCENARIOS / "extension-before-tet.json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    # Received Mon 23/02 08:00 → due Thu 26/02 08:00; one working day of extension → Fri 27/02 08:00.
    assert out["dossier"]["due_at"] == iso(2026, 2, 27, 8, 0)
    assert out["dossier"]["extensions"] == 1 and out["dossier"]["late"] is True
    events = out["events"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    expected = [("filed", iso(2026, 2, 13, 16, 30)),
                ("intake_overdue", iso(2026, 2, 23, 7, 30)),  # 30 min on Friday + 30 min on Monday
                ("received", iso(2026, 2, 23, 8, 0)),
                ("extension_requested", iso(2026, 2, 24, 9, 0)),
                ("extended", iso(2026, 2, 24, 11, 0)),
                ("letter_issued", iso(2026, 2, 24, 11, 0)),
                ("warning", iso(2026, 2, 26, 8, 0)),  # one working day before the new due
                ("overdue", iso(2026, 2, 27, 8, 0))]
    seen = [(e["type"], e["at"]) for e in events]
    positions = [seen.index(item) for item in expected]  # each is there ...
    assert positions == sorted(positions)  # ... in this order
    for kind in ("intake_overdue", "warning", "overdue", "extended"):
        assert [t for t, _ in seen].count(kind) == 1, kind
    letter = next(e for e in events if e["type"] == "letter_issued")
    assert letter["new_due_at"] == iso(2026, 2, 27, 8, 0)


def test_a_refused_step_in_a_simulation_is_a_rule_refused_event_and_the_simulation_goes_on(tmp_path):
    result = simulate(tmp_path, SCENARIOS / "extension-too-long.json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    events = out["events"]
    (refusal,) = [e for e in events if e["type"] == "rule_refused"]
    assert refusal["rule"] == "D18" and refusal["at"] == iso(2026, 2, 24, 9, 0) and refusal["message"]
    # Nothing was extended; the dossier went on to the leader and fell due at the original instant.
    assert out["dossier"]["extensions"] == 0 and out["dossier"]["due_at"] == iso(2026, 2, 26, 8, 0)
    types = [e["type"] for e in events]
    assert "extended" not in types
    assert types.index("rule_refused") < types.index("propose_approval")
    assert ("overdue", iso(2026, 2, 26, 8, 0)) in [(e["type"], e["at"]) for e in events]


@pytest.mark.parametrize("content", [
    "{ this is not json",
    json.dumps({"procedure": "processes/ho-kinh-doanh/ho-kinh-doanh.bpmn", "steps": "file"}),
    json.dumps({"procedure": "processes/khong-co/khong-co.bpmn",
                "steps": [{"at": "2026-02-13T16:30:00+07:00", "do": "file"}]}),
    json.dumps({"procedure": "processes/ho-kinh-doanh/ho-kinh-doanh.bpmn",
                "steps": [{"at": "13/02/2026 16:30", "do": "file"}]}),
], ids=["not-json", "steps-not-a-list", "missing-procedure", "bad-instant"])
def test_a_bad_scenario_file_exits_1_with_a_clear_message_and_no_traceback(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = simulate(tmp_path, path)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "lỗi:" in result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""


# -- 7. the letter template is strict (D20) ----------------------------------------------------------------
def test_the_apology_letter_template_refuses_to_render_with_a_missing_field():
    env = letters._env
    assert env.undefined is jinja2.StrictUndefined
    (name,) = [n for n in env.list_templates() if n.startswith("letters/apology.")]
    template = env.get_template(name)
    complete = {"agency_name": "Ủy ban nhân dân phường Thuận Hóa", "addressee": OWNER_NAME,
                "received_on": "23/02/2026", "procedure_name": PROCEDURE_NAME,
                "dossier_code": "000.00.06.H56-260213-0001", "legal_due": "08 giờ 00 phút, ngày 26/02/2026",
                "faults": ["Hồ sơ cần thêm thời gian giải quyết: cần xác minh"],
                "new_due": "08 giờ 00 phút, ngày 27/02/2026",
                # fields of the earlier HTML layout, ignored by templates that do not use them
                "number": "1/PXL", "place": "Thừa Thiên Huế", "issued": vn(2026, 2, 24, 11, 0),
                "signer_title": "Thủ trưởng cơ quan", "signer_name": "Hoàng Văn Trưởng"}
    text = template.render(**complete)
    assert complete["dossier_code"] in text and OWNER_NAME in text and complete["new_due"] in text
    for missing in ("addressee", "dossier_code", "legal_due"):
        incomplete = {k: v for k, v in complete.items() if k != missing}
        with pytest.raises(jinja2.UndefinedError):
            template.render(**incomplete)


# -- 8. edges where the law decides (rules, not storage: run on SQLite only) -------------------------------
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


@sqlite_only
def test_a_dossier_received_after_its_intake_due_is_late_for_intake_even_without_a_sweep(api, clock):
    # Intake due Monday 23/02/2026 07:30 (see test 1); received at 08:00 with no timer sweep in between.
    code = filed_before_tet_and_received_monday(api, clock)
    assert show(api, code)["intake_late"] is True


@sqlite_only
def test_an_extension_the_centre_confirms_less_than_a_working_day_before_the_due_is_refused_D18(api, clock):
    code = filed_before_tet_and_received_monday(api, clock)  # due Thursday 26/02/2026 08:00
    clock.set(vn(2026, 2, 24, 9, 0))
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm"})
    clock.set(vn(2026, 2, 24, 10, 0))
    api.act(DEPT_LEADER, code, "confirm_extension")
    # D17: the appointment changes only when the centre confirms; D18: the re-appointment must be made at
    # least one working day before the due. Wed 25/02 09:00 is 7 working hours before Thu 26/02 08:00.
    clock.set(vn(2026, 2, 25, 9, 0))
    refused(attempt(api, DIRECTOR, code, "confirm_extension"), 422, "D18")
    after = show(api, code)
    assert after["due_at"] == iso(2026, 2, 26, 8, 0) and after["extensions"] == 0 and after["letters"] == []


@sqlite_only
def test_a_result_issued_before_the_due_and_collected_after_it_is_not_late(api, clock, app, settings):
    code = filed_before_tet_and_received_monday(api, clock)  # due Thursday 26/02/2026 08:00
    clock.set(vn(2026, 2, 25, 9, 0))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(DEPT_LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    assert api.act(CLERK, code, "issue_result", STEP_DATA["issue_result"])["late"] is False
    # D19: overdue means not resolved by the due date; the citizen collecting later changes nothing (D23).
    assert sweep(app, settings, 2026, 2, 26, 9, 0).effects == {}
    clock.set(vn(2026, 2, 26, 9, 0))
    returned = api.act(RECEIVER, code, "return_result", STEP_DATA["return_result"])
    assert returned["status"] == 10 and returned["late"] is False and returned["letters"] == []
