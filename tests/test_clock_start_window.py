"""Where the legal clock starts and what a calendar notice or a second request compares (domain.md D11–D16).

1. D12 with D16: the 3 working days in which the agency may first ask for a supplement during processing count
   from when the result's clock starts, as the due date counts (a receipt after the 15:00 cut-off: from the next
   working day), not from the receipt itself.
2. D13, D15: a calendar-day deadline counted again after a calendar notice moves both ways: earlier when a day
   off that had pushed it later becomes a working day.
3. D11a: the items of the first request that the applicant did not meet are named as the rest of the supplement
   handling names components: by key or by declared name, in any case.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CITIZEN, SAMPLE_FORM, iso, vn
from engine.cli import main
from engine.core.calendar import Override, load_config, moved
from engine.core.errors import Invalid
from engine.core.settings import load_settings
from engine.law import deadlines, supplement
from engine.process import procedures

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
RECEIVER, SPECIALIST, ADMIN = "demo.tiepnhan", "demo.chuyenvien", "demo.admin"
AGENCY = "000.00.06.H56"


@pytest.fixture(scope="module")
def config():
    return load_config(load_settings().calendar_file)


def deploy(app, settings, clock, folder: str) -> dict:
    """Deploys the library procedure of ``processes/<folder>`` and returns its sample form."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(PROCESSES / folder / f"{folder}.bpmn", settings.forms_dir),
                          clock.now(), "tester")
    return json.loads((PROCESSES / folder / "sample.json").read_text(encoding="utf-8"))["form"]


def received_at(api, clock, procedure: str, form: dict, when) -> str:
    """A dossier of ``procedure`` filed and validly received at ``when``."""
    clock.set(when)
    api.tokens.clear()
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": procedure, "form": form})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    api.act(RECEIVER, code, "receive")
    return code


def ask(api, clock, code: str, when, data: dict):
    clock.set(when)
    api.tokens.clear()
    task = api.task_for(SPECIALIST, code)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", SPECIALIST,
                    json={"action": "request_supplement", "data": data})


def shown(api, code: str) -> dict:
    return api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()


# -- 1. D12: the window starts with the result's clock --------------------------------------------------------------
MARRIAGE_RECEIVED = vn(2026, 4, 24, 16, 0)  # Fri 24/04/2026 16:00, after the 15:00 cut-off


def test_the_window_starts_where_the_due_date_starts_counting(config):
    """Marriage registration, 5 working days (D13), received Fri 24/04/2026 16:00, after the cut-off (D16):
    counting starts at the next working day's opening. Sat 25, Sun 26, Mon 27/04 (the day off in lieu of Giỗ Tổ
    Hùng Vương, D15) are off → Tue 28/04 07:00. Due: Tue 28, Wed 29, (Thu 30/04, Fri 01/05 holidays, weekend)
    Mon 04, Tue 05, Wed 06/05 → Wed 06/05/2026 17:00. The 3 working days of D12 from the same start: Tue 28, Wed 29,
    Mon 04/05 → until Mon 04/05/2026 17:00; at Tue 05/05 07:01 a minute of a fourth working day has passed."""
    cal = config.calendar()
    assert deadlines.result_due(cal, MARRIAGE_RECEIVED, {"value": 5, "unit": "working_day"}) == vn(2026, 5, 6, 17, 0)

    def first(now):
        return supplement.check_request(requests_so_far=0, second_reason=None, first_items=[], stage="processing",
                                        received_at=MARRIAGE_RECEIVED, now=now, cal=cal, unit="working_day")

    assert first(vn(2026, 5, 4, 16, 30)).ordinal == 1
    assert first(vn(2026, 5, 4, 17, 0)).ordinal == 1
    with pytest.raises(Invalid) as caught:
        first(vn(2026, 5, 5, 7, 1))
    assert caught.value.rule == "D12"


@pytest.mark.parametrize("when,status", [(vn(2026, 5, 4, 16, 30), 200), (vn(2026, 5, 5, 7, 1), 422)])
def test_a_marriage_received_after_the_cut_off_can_be_sent_back_until_its_third_working_day(
        api, app, settings, clock, when, status):
    """The same marriage (1.000894) through the API: asked by the specialist on Mon 04/05/2026 16:30 (the third
    working day of the window, see above) it is accepted; on Tue 05/05/2026 07:01 refused (D12)."""
    form = deploy(app, settings, clock, "ket-hon")
    code = received_at(api, clock, "1.000894", form, MARRIAGE_RECEIVED)
    assert shown(api, code)["due_at"] == iso(2026, 5, 6, 17, 0)
    data = {"items": [{"component": "to_khai", "problem": "Thiếu chữ ký bên nam", "required": "Ký và tải lên lại"}]}
    r = ask(api, clock, code, when, data)
    assert r.status_code == status, r.get_json()
    if status == 422:
        error = r.get_json()["error"]
        assert error["rule"] == "D12" and "Đã quá 3 ngày làm việc" in error["message"]


# -- 2. D13, D15: a calendar-day deadline moves earlier too ---------------------------------------------------------
PERMIT_CASES = [  # (received, due before, the day the notice changes, its kind, due after)
    (vn(2027, 1, 20, 10, 0), vn(2027, 2, 11, 10, 0), date(2027, 2, 4), "not_off", vn(2027, 2, 4, 10, 0)),
    (vn(2027, 1, 29, 10, 0), vn(2027, 2, 15, 10, 0), date(2027, 2, 13), "working", vn(2027, 2, 13, 10, 0)),
]


@pytest.mark.parametrize("received,before,day,kind,after", PERMIT_CASES)
def test_a_calendar_day_deadline_counted_again_comes_earlier_when_a_day_off_becomes_working(
        config, received, before, day, kind, after):
    """D13: 15 calendar days end at the same clock time 15 days later, moved to the next working day when that day
    is off. Received Wed 20/01/2027 10:00: 20/01 + 15 days = Thu 04/02/2027, a day off (Tết 2027, 04–10/02) → the
    first working day after, Thu 11/02/2027 10:00; once 04/02 is not a day off, Thu 04/02/2027 10:00.
    Received Fri 29/01/2027 10:00: 29/01 + 15 days (2 left in January, 13 in February) = Sat 13/02/2027, a day off
    (Saturday), Sun 14/02 too → Mon 15/02/2027 10:00; once Sat 13/02 is a make-up working day (D14), Sat 13/02/2027
    10:00."""
    old = config.calendar()
    new = config.calendar(extra=[Override(day, kind, "Thông báo mới")])
    assert old.due(received, 15, "calendar_day") == before
    assert new.due(received, 15, "calendar_day") == after
    assert moved(old, new, before, received, day, "calendar_day", 15) == after
    assert moved(new, old, after, received, day, "calendar_day", 15) == before  # and back when cleared


def tthc(settings, *args) -> list[str]:
    env = {"TTHC_DATA_DIR": str(settings.data_dir), "TTHC_DATABASE_URL": settings.database_url}
    result = CliRunner().invoke(main, ["calendar", *args], env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output.strip().splitlines()


def test_the_command_brings_a_building_permit_due_after_tet_back_to_the_day_made_working(api, app, settings, clock):
    """The building permit (1.009994, 15 calendar days) received Wed 20/01/2027 10:00 is due Thu 11/02/2027 10:00
    (see above); `tthc calendar set 2027-02-04 not_off` re-plans it to Thu 04/02/2027 10:00, as `tthc calendar due`
    counts it, and clearing the day moves it back."""
    form = deploy(app, settings, clock, "giay-phep-xay-dung")
    code = received_at(api, clock, "1.009994", form, vn(2027, 1, 20, 10, 0))
    assert shown(api, code)["due_at"] == iso(2027, 2, 11, 10, 0)

    out = tthc(settings, "set", "2027-02-04", "not_off", "--name", "Làm việc bình thường")
    assert out[-1] == "1 hồ sơ đang giải quyết được tính lại hạn"
    assert tthc(settings, "due", "2027-01-20T10:00+07:00", "--calendar-days", "15")[0].startswith("2027-02-04T10:00")
    d = shown(api, code)
    assert d["due_at"] == d["original_due_at"] == iso(2027, 2, 4, 10, 0)

    out = tthc(settings, "clear", "2027-02-04")
    assert out[-1] == "1 hồ sơ đang giải quyết được tính lại hạn"
    assert shown(api, code)["due_at"] == iso(2027, 2, 11, 10, 0)


def test_a_notice_making_a_saturday_working_brings_a_building_permit_back_to_it(api, app, settings, clock):
    """Received Fri 29/01/2027 10:00: due Mon 15/02/2027 10:00 (see above). The year's notice declares Sat
    13/02/2027 a make-up working day: the preview and the applied notice both give Sat 13/02/2027 10:00."""
    form = deploy(app, settings, clock, "giay-phep-xay-dung")
    code = received_at(api, clock, "1.009994", form, vn(2027, 1, 29, 10, 0))
    assert shown(api, code)["due_at"] == iso(2027, 2, 15, 10, 0)
    notice = {"agency": AGENCY, "days": [{"day": "2027-02-13", "kind": "working", "name": "Làm bù"}]}
    api.tokens.clear()
    r = api.post("/api/v1/calendar/preview", ADMIN, json=notice)
    assert r.status_code == 200, r.get_json()
    assert code in {d["code"] for d in r.get_json()["dossiers"]}
    r = api.post("/api/v1/calendar/apply", ADMIN, json=notice)
    assert r.status_code == 200, r.get_json()
    assert shown(api, code)["due_at"] == iso(2027, 2, 13, 10, 0)


# -- 3. D11a: the unmet items named as the components are ----------------------------------------------------------
COMPONENTS = [{"key": "giay_de_nghi", "name": "Giấy đề nghị đăng ký hộ kinh doanh"},
              {"key": "giay_to_tru_so", "name": "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm "
                                                "trụ sở hộ kinh doanh"}]


@pytest.mark.parametrize("unmet", ["Giấy đề nghị đăng ký hộ kinh doanh", "GIAY_DE_NGHI", " giấy đề nghị  đăng ký "
                                   "HỘ KINH DOANH", "giay_de_nghi"])
def test_an_unmet_item_is_the_component_by_key_or_name_in_any_case(config, unmet):
    """D11a: the first request asked for ``giay_de_nghi`` (1.001612's key of "Giấy đề nghị đăng ký hộ kinh
    doanh"); the second names that component, however it is spelt; a component not asked the first time stays
    refused."""
    def second(items):
        reason = {"kind": "applicant_not_compliant", "unmet_items": items, "explanation": "Chưa ký"}
        return supplement.check_request(requests_so_far=1, second_reason=reason,
                                        first_items=[{"component": "giay_de_nghi"}], stage="processing",
                                        received_at=None, now=vn(2026, 11, 30, 9, 0), cal=config.calendar(),
                                        components=COMPONENTS)

    assert second([unmet]) == supplement.Verdict(2, False, None)
    with pytest.raises(Invalid) as caught:
        second([unmet, "giay_to_tru_so"])
    assert caught.value.rule == "D11"


@pytest.mark.parametrize("unmet", ["Giấy đề nghị đăng ký hộ kinh doanh", "GIAY_DE_NGHI"])
def test_a_second_request_names_the_unmet_component_by_its_declared_name(api, clock, unmet):
    """1.001612: the intake check asked for ``giay_de_nghi`` (Mon 23/11/2026 09:00); the applicant supplemented and
    the dossier was received; the specialist asks again because the applicant did not sign it, naming the item by
    its declared name or its key in capitals: accepted, without an apology (D11a)."""
    code = api.file(CITIZEN)["code"]
    first = {"items": [{"component": "giay_de_nghi", "problem": "Thiếu chữ ký", "required": "Ký và tải lên lại"}]}
    api.act(RECEIVER, code, "request_supplement", first)
    clock.set(vn(2026, 11, 23, 10, 0))
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM, "note": "Đã bổ sung"})
    assert r.status_code == 200, r.get_json()
    api.act(RECEIVER, code, "receive")
    reason = {"kind": "applicant_not_compliant", "unmet_items": [unmet], "explanation": "Vẫn chưa ký giấy đề nghị"}
    r = ask(api, clock, code, vn(2026, 11, 23, 14, 0), {**first, "second_reason": reason})
    assert r.status_code == 200, r.get_json()
    after = r.get_json()
    assert after["supplement_requests"] == 2 and after["letters"] == []
