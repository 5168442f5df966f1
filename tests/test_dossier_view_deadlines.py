"""The deadline section of a dossier's page (engine/web/dossier_view.py), as officers and citizens read it: each
deadline's note cites each legal text once; the working time left is in the page's language (the API keeps the
engine's Vietnamese words); and a dossier sent back for a supplement at intake says that no deadline runs until
the citizen answers (D7, D8, D13). The calendar of 2026: Tuesday 24/11 is a holiday (Ngày Văn hóa Việt Nam)."""
from __future__ import annotations

import html
import io
import re
from datetime import datetime

import pytest

from conftest import CITIZEN, SAMPLE_FORM
from web_support import PDF, Web, flatten, text_of

from engine.core.clock import VN_TZ

SUPPLEMENT = {"items.0.component": "Giấy đề nghị đăng ký hộ kinh doanh", "items.0.problem": "Thiếu chữ ký của chủ hộ",
              "items.0.required": "Ký và tải lên lại"}


@pytest.fixture
def backend():
    """Pages over the same use cases as the API: one backend is enough here."""
    return "sqlite"


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


def login(app, user: str, lang: str = "vi") -> Web:
    web = Web(app.test_client()).login(user)
    if lang != "vi":
        with web.client.session_transaction() as session:
            session["lang"] = lang
    return web


def deadlines_of(response) -> str:
    """The text of the page's deadline section (macros.html deadline_list), tags removed."""
    found = re.search(r'<dl class="deadlines">.*?</dl>', response.get_data(as_text=True), re.S)
    assert found, "no deadline section"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def received_at_half_past_nine(app, clock) -> str:
    """Filed Monday 23/11/2026 09:00, received at 09:30: 3 working days → due Friday 27/11/2026 09:30."""
    code = login(app, CITIZEN).file_code()
    clock.set(vn(2026, 11, 23, 9, 30))
    login(app, "demo.tiepnhan").act(code, "receive")
    return code


# -- 1. each note cites each legal text once ------------------------------------------------------------------
def test_the_result_deadline_cites_each_legal_text_once_for_officers_and_citizens(app, clock):
    """The note read "(theo Nghị định 61/2018/NĐ-CP; Nghị định 61/2018/NĐ-CP, Điều 21 Nghị định 118/2025/NĐ-CP)"
    and "(theo Bộ luật Lao động 2019; Điều 112 Bộ luật Lao động 2019)". The 15:00 cut-off rests on NĐ 61; Điều 21
    NĐ 118 is the withdrawal and stop (domain.md D16), which this note is not about."""
    code = received_at_half_past_nine(app, clock)
    clock.set(vn(2026, 11, 25, 10, 0))
    for page in (login(app, CITIZEN).get(f"/ca-nhan/ho-so/{code}"),
                 login(app, "demo.chuyenvien").get(f"/can-bo/ho-so/{code}")):
        notes = deadlines_of(page)
        assert ("Hạn trả kết quả: 27/11/2026 09:30 3 ngày làm việc kể từ khi tiếp nhận hợp lệ lúc 23/11/2026 09:30; "
                "tiếp nhận sau 15:00 thì tính từ ngày làm việc kế tiếp (theo Nghị định 61/2018/NĐ-CP). Chỉ tính giờ "
                "hành chính của ngày làm việc, không tính ngày nghỉ lễ, Tết (theo Bộ luật Lao động 2019 và Điều 112 "
                "của Bộ luật này).") in notes
        assert notes.count("Nghị định 61/2018/NĐ-CP") == 1 and notes.count("Bộ luật Lao động 2019") == 1
        assert "Điều 21 Nghị định 118/2025/NĐ-CP" not in notes
    english = deadlines_of(login(app, CITIZEN, "en").get(f"/ca-nhan/ho-so/{code}"))
    assert ("intake after 15:00 counts from the next working day (under Nghị định 61/2018/NĐ-CP). Only office hours "
            "of working days count, not public holidays or Tết (under Bộ luật Lao động 2019 and its Điều 112).") in english
    assert english.count("Nghị định 61/2018/NĐ-CP") == 1 and english.count("Bộ luật Lao động 2019") == 1


def test_a_withdrawn_dossier_cites_the_decree_and_the_article_joined_as_a_sentence(app, clock):
    """"(theo Nghị định 61/2018/NĐ-CP, Điều 21 Nghị định 118/2025/NĐ-CP)" read as if Điều 21 were NĐ 61's."""
    code = received_at_half_past_nine(app, clock)
    clock.set(vn(2026, 11, 25, 10, 0))
    citizen = login(app, CITIZEN)
    citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"reason": "Không còn nhu cầu", "confirm": "on"}, status=302)
    notes = deadlines_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert ("Kết thúc tính thời gian: 25/11/2026 10:00 Công dân đã rút hồ sơ; việc giải quyết dừng lại và thời hạn "
            "không còn tính (theo Nghị định 61/2018/NĐ-CP và Điều 21 Nghị định 118/2025/NĐ-CP).") in notes
    assert "(under Nghị định 61/2018/NĐ-CP and Điều 21 Nghị định 118/2025/NĐ-CP)" in deadlines_of(
        login(app, CITIZEN, "en").get(f"/ca-nhan/ho-so/{code}"))


# -- 2. the working time left in the page's language ----------------------------------------------------------
def test_english_pages_give_the_working_time_left_in_english_and_the_api_keeps_its_words(app, api, clock):
    """"còn 3 ngày làm việc", "quá 1 giờ làm việc" stayed Vietnamese on English pages: the inbox, the task and
    dossier pages, the leaders' watch, the citizen's list and dossier page."""
    code = login(app, CITIZEN).file_code()  # Monday 23/11/2026 09:00: the intake check is due at 10:00
    inbox = login(app, "demo.tiepnhan", "en").get("/can-bo/cong-viec").get_data(as_text=True)
    assert "1 hour of working time left" in inbox and "còn 1 giờ" not in inbox
    clock.set(vn(2026, 11, 23, 11, 0))
    inbox = login(app, "demo.tiepnhan", "en").get("/can-bo/cong-viec").get_data(as_text=True)
    assert "overdue by 1 hour of working time" in inbox and "quá 1 giờ" not in inbox
    login(app, "demo.tiepnhan").act(code, "receive")  # 11:00: due Friday 27/11/2026 11:00
    clock.set(vn(2026, 11, 25, 9, 0))                 # Wednesday 25/11 09:00: an extension may still be asked
    specialist = login(app, "demo.chuyenvien", "en")
    task = specialist.get(f"/can-bo/cong-viec/{specialist.task_id(code)}")
    cap = "At most 1 day of working time (1/3 of the processing time)"  # the extension's cap
    assert cap in text_of(task)
    clock.set(vn(2026, 11, 26, 13, 30))               # Thursday 26/11 13:30
    specialist = login(app, "demo.chuyenvien", "en")
    task = specialist.get(f"/can-bo/cong-viec/{specialist.task_id(code)}")
    left = "7 hours 30 minutes of working time left"  # Thursday 13:30-17:00, Friday 07:00-11:00
    assert left in text_of(task) and "còn 7 giờ 30 phút" not in text_of(task)
    assert cap not in text_of(task)  # less than a working day before the due: no extension is offered (D18)
    assert left in text_of(specialist.get(f"/can-bo/ho-so/{code}"))
    assert left in text_of(login(app, "demo.lanhdao", "en").get("/can-bo/theo-doi"))
    citizen = login(app, CITIZEN, "en")
    assert left in text_of(citizen.get("/ca-nhan/ho-so")) and left in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    clock.set(vn(2026, 11, 30, 9, 0))  # Monday: 11:00-11:30, 13:30-17:00 on Friday, 07:00-09:00 today: 6 h
    assert "overdue by 6 hours of working time" in text_of(login(app, CITIZEN, "en").get(f"/ca-nhan/ho-so/{code}"))
    # Vietnamese pages say what they said, and the API keeps the engine's words whatever the page's language
    assert "quá 6 giờ làm việc" in text_of(login(app, CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["remaining"] == "quá 6 giờ làm việc"


# -- 3. waiting for a supplement requested at intake ----------------------------------------------------------
def test_while_a_supplement_requested_at_intake_is_awaited_no_deadline_runs(app, clock):
    """D7, D8, D13: filed Monday 23/11/2026 09:00 (intake check due 10:00), sent back for a supplement at 09:30.
    The section listed "Hạn kiểm tra, tiếp nhận hồ sơ: 23/11/2026 10:00 — 1 giờ làm việc kể từ khi nộp" as if it
    ran (and, from 10:00, as if the one-stop were late), and the citizen's page said the processing time was
    "paused" though it had never started. The check's hour starts again when the supplement is sent: Wednesday
    25/11/2026 16:30 (Tuesday 24/11 is a holiday) → due Thursday 26/11/2026 07:30."""
    code = login(app, CITIZEN).file_code()
    clock.set(vn(2026, 11, 23, 9, 30))
    login(app, "demo.tiepnhan").act(code, "request_supplement", SUPPLEMENT)
    clock.set(vn(2026, 11, 23, 14, 0))
    citizen_page = login(app, CITIZEN).get(f"/ca-nhan/ho-so/{code}")
    for page in (citizen_page, login(app, "demo.tiepnhan").get(f"/can-bo/ho-so/{code}")):
        notes = deadlines_of(page)
        assert notes.startswith(
            "Yêu cầu bổ sung trước khi tiếp nhận: 23/11/2026 09:30 Hồ sơ chưa được tiếp nhận nên chưa có thời hạn "
            "nào đang tính: hạn kiểm tra, tiếp nhận trước đó (23/11/2026 10:00) không còn áp dụng và thời hạn giải "
            "quyết chưa bắt đầu. Khi công dân nộp bổ sung, hồ sơ được kiểm tra lại trong 1 giờ làm việc kể từ lúc "
            "nộp bổ sung (theo Điều 13 Quyết định 88/2017/QĐ-UBND); thời hạn giải quyết tính từ khi hồ sơ được tiếp "
            "nhận hợp lệ (theo Nghị định 61/2018/NĐ-CP)."), notes
        assert "Hạn kiểm tra, tiếp nhận hồ sơ:" not in notes and "Hạn trả kết quả" not in notes
    facts = text_of(citizen_page)
    assert "Thời gian giải quyết Chưa bắt đầu: tính từ khi hồ sơ được tiếp nhận hợp lệ sau khi bạn bổ sung" in facts
    assert "Tạm dừng trong khi chờ bạn bổ sung" not in facts
    english = login(app, CITIZEN, "en").get(f"/ca-nhan/ho-so/{code}")
    assert "Supplement requested before intake: 23/11/2026 09:30" in deadlines_of(english)
    assert "the earlier intake check deadline (23/11/2026 10:00) no longer applies" in deadlines_of(english)
    assert "Not started: it counts from valid intake, after you send the supplement" in text_of(english)

    clock.set(vn(2026, 11, 25, 16, 30))
    citizen = login(app, CITIZEN)
    data = {**flatten(SAMPLE_FORM), "note": "Đã ký", "file.giay_de_nghi": (io.BytesIO(PDF + b"2"), "ky.pdf")}
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", data, status=302, content_type="multipart/form-data")
    for page in (citizen.get(f"/ca-nhan/ho-so/{code}"), login(app, "demo.tiepnhan").get(f"/can-bo/ho-so/{code}")):
        notes = deadlines_of(page)
        assert notes.startswith("Hạn kiểm tra, tiếp nhận hồ sơ: 26/11/2026 07:30 1 giờ làm việc kể từ khi nộp "
                                         "(hoặc nộp bổ sung)"), notes
        assert "Yêu cầu bổ sung trước khi tiếp nhận" not in notes


def test_a_supplement_requested_during_processing_still_pauses_the_running_deadline(app, clock):
    """The processing stage's request keeps its own note: the result's deadline was running and is paused."""
    code = received_at_half_past_nine(app, clock)
    clock.set(vn(2026, 11, 25, 10, 0))
    login(app, "demo.chuyenvien").act(code, "request_supplement", SUPPLEMENT)
    page = login(app, CITIZEN).get(f"/ca-nhan/ho-so/{code}")
    notes = deadlines_of(page)
    assert "Tạm dừng tính thời gian: 25/11/2026 10:00 Đang chờ công dân bổ sung." in notes
    assert "Yêu cầu bổ sung trước khi tiếp nhận" not in notes
    assert "Thời gian giải quyết Tạm dừng trong khi chờ bạn bổ sung" in text_of(page)


# -- 4. the note says how the procedure's own unit counts ----------------------------------------------------------
def test_a_calendar_day_procedure_s_note_counts_every_day_and_no_cut_off(app, api, clock, settings):
    """D13: the building permit (1.009994) takes 15 calendar days. Its note said "tiếp nhận sau 15:00 thì tính từ
    ngày làm việc kế tiếp … Chỉ tính giờ hành chính của ngày làm việc", the working-day rule, which it does not
    follow. Received Monday 23/11/2026 16:00 (after the cut-off): due Tuesday 08/12/2026 16:00, 15 days later."""
    import json
    from pathlib import Path

    from engine.process import procedures

    slug = "giay-phep-xay-dung"
    folder = Path(__file__).resolve().parent.parent / "processes" / slug
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(folder / f"{slug}.bpmn", settings.forms_dir), clock.now(),
                          "tester")
    form = json.loads((folder / "sample.json").read_text(encoding="utf-8"))["form"]
    code = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "1.009994", "form": form}).get_json()["code"]
    clock.set(vn(2026, 11, 23, 16, 0))
    api.act("demo.tiepnhan", code, "receive")
    for page in (login(app, CITIZEN).get(f"/ca-nhan/ho-so/{code}"),
                 login(app, "demo.chuyenvien").get(f"/can-bo/ho-so/{code}")):
        notes = deadlines_of(page)
        assert ("Hạn trả kết quả: 08/12/2026 16:00 15 ngày kể từ khi tiếp nhận hợp lệ lúc 23/11/2026 16:00, tính cả "
                "ngày nghỉ: hết hạn vào cùng giờ sau 15 ngày") in notes, notes
        assert "tiếp nhận sau 15:00" not in notes and "Chỉ tính giờ hành chính" not in notes
    english = deadlines_of(login(app, CITIZEN, "en").get(f"/ca-nhan/ho-so/{code}"))
    assert "15 calendar days from valid intake at 23/11/2026 16:00, days off included" in english


def test_the_intake_check_of_one_working_hour_reads_in_the_singular_in_english(app, clock):
    """"1 working hours from filing" on English pages."""
    code = login(app, CITIZEN).file_code()
    english = deadlines_of(login(app, CITIZEN, "en").get(f"/ca-nhan/ho-so/{code}"))
    assert "Within 1 h of working time from filing" in english and "1 working hours" not in english
