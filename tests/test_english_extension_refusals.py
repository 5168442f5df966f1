"""An extension the law refuses (D18), on an English task page: said in English with its numbers and dates.

The extension's two refusals (engine.law.extension: over 1/3 of the processing time, asked too late) carry the
code "rule_violation", which the pages' table does not know, and their words change with the cap and the due
instant: an English page said them in Vietnamese. The JSON API keeps the engine's words and code (api.md).

Dates worked out by hand: office hours 07:00–11:30 and 13:30–17:00 (8 h a working day), Tue 24/11/2026 a
public holiday (the tests' calendar). The sample procedure takes 3 working days; filed and received Mon
23/11/2026 09:00, the result is due Fri 27/11/2026 09:00 (Mon 6 h, Wed 8 h, Thu 8 h, Fri 2 h).
- the cap (D18): 1/3 of 3 working days, 1 working day: 100 days asked is over it;
- in time (D18): at least 1 working day before Fri 09:00; on Thu 26/11/2026 11:00 only 6 h are left (Thu
  11:00–11:30 and 13:30–17:00, Fri 07:00–09:00): too late.
"""
from __future__ import annotations

import pytest
from conftest import CITIZEN, vn
from web_support import Web, text_of

EXTENSION = {"amount": "100", "unit": "working_days", "reason": "Cần xác minh thêm"}


@pytest.fixture
def backend():
    """Words of the pages, the same on both databases."""
    return "sqlite"


def signed_in(app, username: str, lang: str) -> Web:
    web = Web(app.test_client()).login(username)
    web.post("/ngon-ngu", {"lang": lang}, status=302)
    return web


@pytest.fixture
def code(app, clock):
    clock.set(vn(2026, 11, 23, 9, 0))
    code = Web(app.test_client()).login(CITIZEN).file_code()
    Web(app.test_client()).login("demo.tiepnhan").act(code, "receive")
    return code


def test_an_extension_over_a_third_of_the_processing_time_is_refused_in_english(app, api, code):
    page = text_of(signed_in(app, "demo.chuyenvien", "en").act(code, "request_extension", EXTENSION, status=422))
    assert "The extension exceeds 1/3 of the processing time: at most 1 day of working time" in page, page
    assert "vượt quá 1/3" not in page
    page = text_of(signed_in(app, "demo.chuyenvien", "vi").act(code, "request_extension", EXTENSION, status=422))
    assert "Thời gian gia hạn vượt quá 1/3 thời hạn giải quyết: tối đa 1 ngày làm việc" in page
    # the JSON API: the engine's words, code and rule as before
    error = api.act("demo.chuyenvien", code, "request_extension",
                    {"working_days": 100, "reason": "Cần xác minh thêm"}, status=422)["error"]
    assert error["code"] == "rule_violation" and error["rule"] == "D18", error
    assert error["message"] == ("Thời gian gia hạn vượt quá 1/3 thời hạn giải quyết: tối đa 1 ngày làm việc (theo "
                                "Điều 19 Nghị định 61/2018/NĐ-CP)")


def test_an_extension_asked_too_late_is_refused_in_english_with_the_due_instant(app, clock, code):
    clock.set(vn(2026, 11, 26, 11, 0))
    late = {"amount": "1", "unit": "working_hours", "reason": "Cần xác minh thêm"}
    page = text_of(signed_in(app, "demo.chuyenvien", "en").act(code, "request_extension", late, status=422))
    assert ("An extension must be made at least 1 working day before the result is due (27/11/2026 09:00); the "
            "dossier can now only be returned late with an apology letter") in page, page
    assert "Phải gia hạn" not in page
    page = text_of(signed_in(app, "demo.chuyenvien", "vi").act(code, "request_extension", late, status=422))
    assert "Phải gia hạn chậm nhất 1 ngày làm việc trước hạn trả kết quả (09:00 ngày 27/11/2026)" in page


def test_a_cap_of_hours_and_minutes_reads_as_english_writes_them(app):
    """A one-day procedure's cap, 2 h 40 min (D18), each number with its noun."""
    from engine.web.refusals import refusal_text
    from engine.core.errors import Invalid
    refusal = Invalid("Thời gian gia hạn vượt quá 1/3 thời hạn giải quyết: tối đa 2 giờ 40 phút làm việc (theo Điều "
                      "19 Nghị định 61/2018/NĐ-CP)", code="rule_violation", rule="D18")
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        assert str(refusal_text(refusal)).startswith(
            "The extension exceeds 1/3 of the processing time: at most 2 hours 40 minutes of working time")
