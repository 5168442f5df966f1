"""D12, D13 on the dossier's page (engine/web/dossier_view.py deadline_notes): after a supplement asked during
processing and answered, the note under "Hạn trả kết quả" says from when the date shown is counted. It said
"3 ngày làm việc kể từ khi tiếp nhận hợp lệ lúc 23/11/2026 09:00" (the receipt's instant, the receipt Mẫu 01's
date) beside a date counted from the supplement.

Dates worked out by hand: office hours 07:00–11:30 and 13:30–17:00, cut-off 15:00, Tue 24/11/2026 a public holiday
(Ngày Văn hóa Việt Nam). The household-business sample (3 working days): filed and received Mon 23/11/2026 09:00,
due Fri 27/11 09:00 (Mon 6 h, Wed 8 h, Thu 8 h, Fri 2 h); the specialist asks for a supplement Wed 25/11 16:00;
the citizen sends the full form Mon 30/11 20:00 (out of hours, after the cut-off).

- "restart" (the default): counted from the next working day, Tue 01/12 07:00: due Thu 03/12 17:00.
- "pause": the clock waited Wed 16:00–17:00 (1 h), Thu, Fri, Mon (8 h each): 25 h = 3 days 1 hour of working
  time; Fri 27/11 09:00 + 25 h → Fri 6 h, Mon 8 h, Tue 8 h, Wed 07:00–10:00 3 h: due Wed 02/12 10:00.
"""
from __future__ import annotations

import io

import pytest

from conftest import CITIZEN, SAMPLE, SAMPLE_FORM, STEP_DATA, iso, vn
from test_dossier_view_deadlines import SUPPLEMENT, deadlines_of, login
from test_official_forms import at

RECEIVER, SPECIALIST, ADMIN = "demo.tiepnhan", "demo.chuyenvien", "demo.admin"
RECEIPT = "kể từ khi tiếp nhận hợp lệ lúc 23/11/2026 09:00"


@pytest.fixture
def backend():
    """Pages over the same use cases as the API: one backend is enough here."""
    return "sqlite"


def deploy(api, *, clock_on_supplement: str = "restart", duration: str = "3", unit: str = "working_day") -> None:
    """The sample as its next version, with this duration and way of counting after a supplement (D12)."""
    xml = SAMPLE.read_text(encoding="utf-8")
    for old, new in (('name="clockOnSupplement" value="restart"',
                      f'name="clockOnSupplement" value="{clock_on_supplement}"'),
                     ('<spiffworkflow:property name="duration" value="3" />',
                      f'<spiffworkflow:property name="duration" value="{duration}" />'),
                     ('<spiffworkflow:property name="durationUnit" value="working_day" />',
                      f'<spiffworkflow:property name="durationUnit" value="{unit}" />')):
        assert xml.count(old) == 1
        xml = xml.replace(old, new)
    r = api.post("/api/v1/procedures", ADMIN, content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(xml.encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()


def supplemented(api, clock, asked=vn(2026, 11, 25, 16, 0), due=iso(2026, 11, 27, 9, 0)) -> str:
    """Received Mon 23/11/2026 09:00 (due ``due``), a supplement asked during processing at ``asked`` (the
    specialist completes request_supplement), answered with the full form Mon 30/11/2026 20:00."""
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    assert api.act(RECEIVER, code, "receive")["due_at"] == due
    at(api, clock, asked)
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 11, 30, 20, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    at(api, clock, vn(2026, 12, 1, 9, 0))
    return code


def pages(app, code: str, lang: str = "vi") -> list[str]:
    """The deadline section of the citizen's and the officer's page of the dossier."""
    return [deadlines_of(login(app, CITIZEN, lang).get(f"/ca-nhan/ho-so/{code}")),
            deadlines_of(login(app, SPECIALIST, lang).get(f"/can-bo/ho-so/{code}"))]


def test_restart_counts_the_date_from_the_complete_supplement_and_says_so(api, app, clock):
    code = supplemented(api, clock)
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 12, 3, 17, 0)
    for notes in pages(app, code):
        assert ("Hạn trả kết quả: 03/12/2026 17:00 3 ngày làm việc kể từ khi nhận đủ hồ sơ bổ sung lúc 30/11/2026 "
                "20:00 (thời hạn giải quyết được tính lại từ đầu); nhận sau 15:00 thì tính từ ngày làm việc kế tiếp "
                "(theo Nghị định 61/2018/NĐ-CP). Chỉ tính giờ hành chính của ngày làm việc, không tính ngày nghỉ lễ, "
                "Tết (theo Bộ luật Lao động 2019 và Điều 112 của Bộ luật này). Hồ sơ bổ sung nhận sau 15:00 hoặc "
                "ngoài giờ làm việc nên thời hạn được tính từ 01/12/2026 07:00.") in notes, notes
        assert RECEIPT not in notes and "23/11/2026 09:00" not in notes
        assert notes.count("Nghị định 61/2018/NĐ-CP") == 1
        assert "lùi thêm" not in notes and "Tạm dừng tính thời gian" not in notes
    for notes in pages(app, code, "en"):
        assert "Result due: 03/12/2026 17:00 3 working days from receiving" in notes, notes
        assert ("3 working days from receiving the complete supplement at 30/11/2026 20:00 (the processing time "
                "counts again from the start); received after 15:00, it counts from the next working day (under "
                "Nghị định 61/2018/NĐ-CP).") in notes, notes
        assert "The supplement came after 15:00 or out of office hours, so the time counts from 01/12/2026 07:00." \
            in notes
        assert "23/11/2026 09:00" not in notes and "kể từ" not in notes


def test_pause_keeps_the_receipt_and_says_how_long_the_date_was_moved(api, app, clock):
    deploy(api, clock_on_supplement="pause")
    code = supplemented(api, clock)
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == iso(2026, 12, 2, 10, 0)
    for notes in pages(app, code):
        assert ("Hạn trả kết quả: 02/12/2026 10:00 3 ngày làm việc " + RECEIPT) in notes, notes
        assert ("Hạn đã được lùi thêm 3 ngày 1 giờ làm việc, đúng thời gian chờ công dân bổ sung hồ sơ (từ "
                "25/11/2026 16:00 đến 30/11/2026 20:00).") in notes, notes
        assert "nhận đủ hồ sơ bổ sung" not in notes and "Hạn ban đầu" not in notes
    for notes in pages(app, code, "en"):
        assert "3 working days from valid intake at 23/11/2026 09:00" in notes, notes
        assert ("The due date was moved later by 3 days 1 hour of working time, the time spent waiting for the "
                "applicant's supplement (from 25/11/2026 16:00 to 30/11/2026 20:00).") in notes, notes


@pytest.mark.parametrize("duration, unit, asked, first_due, due, words", [
    # 8 working hours: received Mon 09:00 → Wed 09:00 (Mon 6 h, Wed 2 h); asked Mon 16:00; counted again from
    # the next working time after Mon 30/11 20:00, Tue 01/12 07:00 → Tue 17:00
    ("8", "working_hour", vn(2026, 11, 23, 16, 0), iso(2026, 11, 25, 9, 0), iso(2026, 12, 1, 17, 0),
     "8 giờ làm việc kể từ khi nhận đủ hồ sơ bổ sung lúc 30/11/2026 20:00 (thời hạn giải quyết được tính lại từ "
     "đầu). Chỉ tính giờ hành chính của ngày làm việc, không tính ngày nghỉ lễ, Tết (theo Nghị định 61/2018/NĐ-CP, "
     "Bộ luật Lao động 2019 và Điều 112 của Bộ luật này). Hồ sơ bổ sung nhận ngoài giờ làm việc nên thời hạn được "
     "tính từ 01/12/2026 07:00."),
    # 10 calendar days: every day counts, no cut-off: Mon 30/11 20:00 + 10 days = Thu 10/12 20:00
    ("10", "calendar_day", vn(2026, 11, 25, 16, 0), iso(2026, 12, 3, 9, 0), iso(2026, 12, 10, 20, 0),
     "10 ngày kể từ khi nhận đủ hồ sơ bổ sung lúc 30/11/2026 20:00 (thời hạn giải quyết được tính lại từ đầu), tính "
     "cả ngày nghỉ"),
    # within the day: received 09:00 → Mon 17:00; asked Mon 10:00; after 15:00 Mon 30/11 → Tue 01/12 17:00
    ("1", "same_day", vn(2026, 11, 23, 10, 0), iso(2026, 11, 23, 17, 0), iso(2026, 12, 1, 17, 0),
     "(theo Nghị định 61/2018/NĐ-CP). Thời hạn được tính lại từ khi nhận đủ hồ sơ bổ sung lúc 30/11/2026 20:00."),
])
def test_restart_words_for_each_unit(api, app, clock, duration, unit, asked, first_due, due, words):
    deploy(api, duration=duration, unit=unit)
    code = supplemented(api, clock, asked=asked, due=first_due)
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == due
    for notes in pages(app, code):
        assert words in notes, notes
        assert RECEIPT not in notes and "Tiếp nhận hợp lệ lúc 23/11/2026 09:00" not in notes


def test_a_restart_within_office_hours_needs_no_word_on_when_counting_began(api, app, clock):
    """Answered Tue 01/12/2026 10:00, a working day before the cut-off: counted from then, due Fri 04/12 10:00."""
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    at(api, clock, vn(2026, 11, 25, 16, 0))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2026, 12, 1, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200 and r.get_json()["due_at"] == iso(2026, 12, 4, 10, 0), r.get_json()
    for notes in pages(app, code):
        assert ("Hạn trả kết quả: 04/12/2026 10:00 3 ngày làm việc kể từ khi nhận đủ hồ sơ bổ sung lúc 01/12/2026 "
                "10:00") in notes, notes
        assert "nên thời hạn được tính từ" not in notes


def test_a_supplement_asked_at_intake_changes_nothing_in_the_words(api, app, clock):
    """Sent back at intake Mon 23/11 09:30, answered Wed 25/11 10:00, received 10:30: counted from the receipt
    (3 working days → Mon 30/11 10:30), as before any supplement."""
    code = login(app, CITIZEN).file_code()
    clock.set(vn(2026, 11, 23, 9, 30))
    login(app, RECEIVER).act(code, "request_supplement", SUPPLEMENT)
    at(api, clock, vn(2026, 11, 25, 10, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    at(api, clock, vn(2026, 11, 25, 10, 30))
    assert api.act(RECEIVER, code, "receive")["due_at"] == iso(2026, 11, 30, 10, 30)
    for notes in pages(app, code):
        assert ("Hạn trả kết quả: 30/11/2026 10:30 3 ngày làm việc kể từ khi tiếp nhận hợp lệ lúc 25/11/2026 "
                "10:30;") in notes, notes
        assert "nhận đủ hồ sơ bổ sung" not in notes and "lùi thêm" not in notes


def test_while_the_supplement_is_awaited_the_note_keeps_the_receipt(api, app, clock):
    """Asked, not yet answered: the date shown is still the receipt's, and so are its words."""
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    at(api, clock, vn(2026, 11, 25, 16, 0))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    for notes in pages(app, code):
        assert "Hạn trả kết quả: 27/11/2026 09:00 3 ngày làm việc " + RECEIPT in notes, notes
        assert "Tạm dừng tính thời gian: 25/11/2026 16:00" in notes and "nhận đủ hồ sơ bổ sung lúc" not in notes
