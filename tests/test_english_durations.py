"""A procedure's processing time in English takes the noun's singular after one: a "1 ngày làm việc" procedure
(a common time limit) read "1 working days" on its page and the catalogue, and its dossier's deadline note "1
working days from valid intake"; a 1-day calendar one "1 calendar days … 1 days later" (its page "1 days"). Vietnamese has one form
and reads as before.

Dates worked out by hand: office hours 07:00–11:30 and 13:30–17:00, cut-off 15:00, Tue 24/11/2026 a public holiday
(Ngày Văn hóa Việt Nam, the tests' calendar). Filed and received Mon 23/11/2026 09:00:
- 1 working day: Mon 09:00–17:00 counts 6 h, Tue is off, Wed 07:00–09:00 the last 2 h: due Wed 25/11/2026 09:00;
- 1 calendar day: Tue 24/11 09:00 falls on the holiday, moved to the next working day: Wed 25/11/2026 09:00.
"""
from __future__ import annotations

import pytest

from conftest import CITIZEN, SAMPLE_CODE, iso, vn
from test_deadline_words import RECEIVER, deploy, pages
from test_english_plurals import web_in
from test_official_forms import at
from web_support import text_of


@pytest.fixture
def backend():
    """Words on pages over the same use cases on both databases: one is enough here."""
    return "sqlite"


def received(api, clock) -> str:
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    assert api.act(RECEIVER, code, "receive")["due_at"] == iso(2026, 11, 25, 9, 0)
    return code


def test_one_working_day_is_singular_on_the_procedure_pages_and_the_deadline_note(api, app, clock):
    deploy(api, duration="1", unit="working_day")
    english = web_in(app, "en")
    for path in (f"/thu-tuc/{SAMPLE_CODE}", "/thu-tuc", "/"):
        page = text_of(english.get(path))
        assert "1 working day" in page and "1 working days" not in page, path
    assert "1 ngày làm việc" in text_of(web_in(app, "vi").get(f"/thu-tuc/{SAMPLE_CODE}"))
    code = received(api, clock)
    for notes in pages(app, code, "en"):
        assert "Result due: 25/11/2026 09:00 1 working day from valid intake at 23/11/2026 09:00;" in notes, notes
        assert "1 working days" not in notes
    for notes in pages(app, code):
        assert "25/11/2026 09:00 1 ngày làm việc kể từ khi tiếp nhận hợp lệ lúc 23/11/2026 09:00; tiếp nhận sau " \
               "15:00 thì tính từ ngày làm việc kế tiếp" in notes, notes


def test_one_calendar_day_is_singular_in_the_deadline_note(api, app, clock):
    deploy(api, duration="1", unit="calendar_day")
    page = text_of(web_in(app, "en").get(f"/thu-tuc/{SAMPLE_CODE}"))
    assert "1 calendar day" in page and "1 calendar days" not in page, page
    code = received(api, clock)
    for notes in pages(app, code, "en"):
        assert ("1 calendar day from valid intake at 23/11/2026 09:00, days off included: due at the same time 1 "
                "calendar day later") in notes, notes
        assert "1 days" not in notes and "calendar days" not in notes
    for notes in pages(app, code):
        assert ("1 ngày kể từ khi tiếp nhận hợp lệ lúc 23/11/2026 09:00, tính cả ngày nghỉ: hết hạn vào cùng giờ "
                "sau 1 ngày, chuyển sang ngày làm việc kế tiếp") in notes, notes


def test_several_days_stay_plural_and_a_half_day_reads_as_english_writes_it(api, app):
    deploy(api, duration="0.5", unit="working_day")
    page = text_of(web_in(app, "en").get(f"/thu-tuc/{SAMPLE_CODE}"))
    assert "0.5 working days" in page, page
    assert "0,5 ngày làm việc" in text_of(web_in(app, "vi").get(f"/thu-tuc/{SAMPLE_CODE}"))
