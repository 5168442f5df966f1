"""D19: a dossier not resolved by its due instant is overdue (quá hạn), and every face says so once the instant has
come, whether or not working time has passed since. The words were chosen on the sign of the working time between
now and the due instant, which is zero at the due instant itself, after 17:00 and over a weekend: a dossier due
Fri 27/11/2026 09:00 still said "còn 0 phút làm việc" on Saturday 28/11 (the API's ``remaining``, the officer's
dossier page, the inbox, the leaders' watch, the citizen's list and dossier page).

Dates worked out by hand: office hours 07:00–11:30 and 13:30–17:00, Tue 24/11/2026 a public holiday. The
household-business sample (3 working days) received Mon 23/11/2026 09:00 is due Fri 27/11 09:00 (Mon 6 h, Wed 8 h,
Thu 8 h, Fri 2 h). Fri 08:00: 1 h left. Fri 09:00: the due instant, overdue with nothing past. Sat 28/11 10:00:
overdue, nothing past. Mon 30/11 08:00: Fri 09:00–11:30, 13:30–17:00 and Mon 07:00–08:00 = 7 h overdue.
"""
from __future__ import annotations

import html
import re

import pytest

from conftest import CITIZEN, iso, vn
from test_deadline_words import deploy
from test_dossier_view_deadlines import login
from test_official_forms import at
from test_web_inbox import row_of
from web_support import text_of

RECEIVER, SPECIALIST, LEADER = "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao"


@pytest.fixture
def backend():
    return "sqlite"


def received(api, clock, hour: int = 9) -> str:
    """Filed and received Mon 23/11/2026 at ``hour``: 09:00 → due Fri 27/11 09:00; 17:00 (after the 15:00
    cut-off, counted from Wed 25/11 07:00) → due Fri 27/11 17:00."""
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, hour, 0))
    assert api.act(RECEIVER, code, "receive")["due_at"] == iso(2026, 11, 27, hour, 0)
    return code


def faces(api, app, code: str, lang: str) -> dict[str, str]:
    """The words of every face at the clock's instant, in ``lang`` for the pages."""
    inbox = login(app, SPECIALIST, lang).get("/can-bo/cong-viec").get_data(as_text=True)
    return {"api": api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["remaining"],
            "officer": text_of(login(app, SPECIALIST, lang).get(f"/can-bo/ho-so/{code}")),
            "inbox": " ".join(text_of_html(row_of(inbox, code)).split()),
            "watch": text_of(login(app, LEADER, lang).get("/can-bo/theo-doi")),
            "citizen": text_of(login(app, CITIZEN, lang).get(f"/ca-nhan/ho-so/{code}")),
            "list": text_of(login(app, CITIZEN, lang).get("/ca-nhan/ho-so"))}


def text_of_html(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def pages_say(found: dict[str, str], words: str, absent: tuple[str, ...]) -> None:
    for face in ("officer", "inbox", "citizen", "list"):
        assert words in found[face], (face, words, found[face][:3000])
        for wrong in absent:
            assert wrong not in found[face], (face, wrong)


def test_before_the_due_instant_the_time_left(api, app, clock):
    code = received(api, clock)
    at(api, clock, vn(2026, 11, 27, 8, 0))
    vi = faces(api, app, code, "vi")
    assert vi["api"] == "còn 1 giờ làm việc"
    pages_say(vi, "còn 1 giờ làm việc", ("quá hạn 0", "quá 0"))
    assert "còn 1 giờ làm việc" in vi["watch"]
    pages_say(faces(api, app, code, "en"), "1 hour of working time left", ("còn 1 giờ",))


@pytest.mark.parametrize("hour, when", [(9, vn(2026, 11, 27, 9, 0)), (17, vn(2026, 11, 27, 17, 0)),
                                        (17, vn(2026, 11, 27, 17, 30)), (17, vn(2026, 11, 28, 10, 0)),
                                        (17, vn(2026, 11, 29, 15, 0))],
                         ids=["due-instant-09", "due-instant-17", "after-hours", "saturday", "sunday"])
def test_from_the_due_instant_with_no_working_time_past_it_is_overdue(api, app, clock, hour, when):
    code = received(api, clock, hour)
    at(api, clock, when)
    vi = faces(api, app, code, "vi")
    assert vi["api"] == "đã quá hạn"
    pages_say(vi, "đã quá hạn", ("còn 0 phút", "quá 0 phút"))
    assert 'class="row-overdue"' in row_of(login(app, SPECIALIST).get("/can-bo/cong-viec").get_data(as_text=True),
                                           code)
    assert "đã quá hạn" in vi["watch"] and "còn 0 phút" not in vi["watch"]
    en = faces(api, app, code, "en")
    assert en["api"] == "đã quá hạn"  # the API keeps the engine's Vietnamese words
    pages_say(en, "overdue", ("0 minutes of working time left", "đã quá hạn", "overdue by 0"))


@pytest.mark.parametrize("hour, when, words, english", [
    (9, vn(2026, 11, 28, 10, 0), "quá 6 giờ làm việc", "overdue by 6 hours of working time"),  # Fri 09:00–17:00
    (9, vn(2026, 11, 30, 8, 0), "quá 7 giờ làm việc", "overdue by 7 hours of working time"),   # and Mon 07:00–08:00
    (17, vn(2026, 11, 30, 8, 0), "quá 1 giờ làm việc", "overdue by 1 hour of working time")])  # Mon 07:00–08:00
def test_with_working_time_past_the_due_instant_how_much(api, app, clock, hour, when, words, english):
    code = received(api, clock, hour)
    at(api, clock, when)
    vi = faces(api, app, code, "vi")
    assert vi["api"] == words
    pages_say(vi, words, ("còn 0 phút", "đã quá hạn"))
    pages_say(faces(api, app, code, "en"), english, (words,))


def test_no_working_time_left_before_a_due_instant_outside_office_hours(api, app, clock):
    """3 calendar days from a receipt at Mon 23/11/2026 12:00 (the lunch break): due Thu 26/11 12:00. At 11:45 no
    working time is left before it, and it has not come: not "còn 0 phút", not overdue."""
    deploy(api, duration="3", unit="calendar_day")
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, 12, 0))
    assert api.act(RECEIVER, code, "receive")["due_at"] == iso(2026, 11, 26, 12, 0)
    at(api, clock, vn(2026, 11, 26, 11, 45))
    vi = faces(api, app, code, "vi")
    assert vi["api"] == "không còn giờ làm việc trước hạn"
    pages_say(vi, "không còn giờ làm việc trước hạn", ("còn 0 phút", "quá hạn"))
    pages_say(faces(api, app, code, "en"), "no working time left before the due time", ("0 minutes",))
    at(api, clock, vn(2026, 11, 26, 12, 0))
    assert faces(api, app, code, "vi")["api"] == "đã quá hạn"
