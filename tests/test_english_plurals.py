"""English pages put a count before a noun in its plural form only when the count is not one: they said
"1 procedures found", "1 cases received … (1 cases)", "1 events", "1 accounts created; 1 rows skipped". The
sentences are ngettext's (a plural entry of messages.po); the Vietnamese ones do not change."""
from __future__ import annotations

import io

import pytest
from web_support import Web, text_of

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

AGENCY = "000.00.06.H56"


def web_in(app, lang: str, user: str | None = None) -> Web:
    web = Web(app.test_client())
    if user:
        web.login(user)
    web.post("/ngon-ngu", {"lang": lang, "next": "/"}, status=302)
    return web


def found(page: str) -> str:
    return page[page.index("found") - 30:page.index("found") + 6]


def test_the_catalogue_says_procedure_for_one_and_procedures_for_none(app, api):
    """The sample catalogue has one procedure: "cap" finds none (English's plural too, "0 procedures")."""
    english, vietnamese = web_in(app, "en"), web_in(app, "vi")
    one = text_of(english.get("/thu-tuc?q=ho+kinh+doanh"))
    assert "1 procedure found." in one and "1 procedures" not in one, found(one)
    assert "Tìm thấy 1 thủ tục." in text_of(vietnamese.get("/thu-tuc?q=ho+kinh+doanh"))
    assert "0 procedures found." in text_of(english.get("/thu-tuc?q=cap"))
    assert "Tìm thấy 0 thủ tục." in text_of(vietnamese.get("/thu-tuc?q=cap"))


@pytest.mark.parametrize("received", [1, 2])
def test_the_monthly_chart_counts_cases_in_english_and_dossiers_in_vietnamese(app, api, received):
    for _ in range(received):
        api.act("demo.tiepnhan", api.file()["code"], "receive")
    english = text_of(web_in(app, "en", "demo.lanhdao").get("/can-bo/thong-ke"))
    vietnamese = text_of(web_in(app, "vi", "demo.lanhdao").get("/can-bo/thong-ke"))
    if received == 1:
        assert "1 case received and 0 resolved in all" in english and "(1 case)." in english
        assert "1 cases" not in english
    else:
        assert "2 cases received and 0 resolved in all" in english and "(2 cases)." in english
    assert (f"tổng cộng {received} hồ sơ tiếp nhận và 0 hồ sơ đã giải quyết; tháng tiếp nhận nhiều nhất là "
            in vietnamese and f"({received} hồ sơ)." in vietnamese)


@pytest.mark.parametrize("events", [1, 2])
def test_the_audit_check_says_event_for_one_and_events_for_more(app, api, monkeypatch, events):
    from engine.web import admin_ops

    code = api.file()["code"]
    for valid, english_text, vietnamese_text in (
            (True, f"The audit chain of dossier {code} is intact: {events} event{'s' if events > 1 else ''}.",
             f"Chuỗi nhật ký của hồ sơ {code} toàn vẹn: {events} sự kiện."),
            (False, f"The audit chain of dossier {code} has problems ({events} event{'s' if events > 1 else ''}):",
             f"Chuỗi nhật ký của hồ sơ {code} có vấn đề ({events} sự kiện):")):
        # the count is the chain's (a dossier's chain has several events): the page's sentence is under test
        monkeypatch.setattr(admin_ops.operations, "verify_audit", lambda *a, valid=valid: {
            "valid": valid, "events": events, "problems": [] if valid else ["sửa"]})
        assert english_text in text_of(web_in(app, "en", "demo.admin").get(f"/quan-tri/nhat-ky?ho-so={code}"))
        assert vietnamese_text in text_of(web_in(app, "vi", "demo.admin").get(f"/quan-tri/nhat-ky?ho-so={code}"))


@pytest.mark.parametrize("count", [1, 2])
def test_the_import_says_account_and_row_for_one_and_plurals_for_more(app, count):
    rows = "".join(f"nv.so{lang}{i},Nguyen Van {i},{AGENCY},specialist,nv{i}@example.vn,\n"  # created
                   f"nv.sai{lang}{i},Nguyen Van {i},{AGENCY},khong-co-vai-tro,,\n"  # skipped: no such role
                   for lang in ("en", "vi") for i in range(count))
    pages = {}
    for lang in ("en", "vi"):
        content = "username,full_name,agency,roles,email,phone\n" + "".join(
            line + "\n" for line in rows.splitlines() if f"so{lang}" in line or f"sai{lang}" in line)
        pages[lang] = text_of(web_in(app, lang, "demo.admin").post(
            "/quan-tri/can-bo/nhap", {"file": (io.BytesIO(content.encode()), "can-bo.csv")},
            content_type="multipart/form-data", status=200))
    if count == 1:
        assert "1 account created; 1 row skipped." in pages["en"]
    else:
        assert "2 accounts created; 2 rows skipped." in pages["en"]
    assert f"Đã tạo {count} tài khoản; bỏ qua {count} dòng." in pages["vi"]


def test_the_inbox_says_task_for_one(app, api):
    code = api.file()["code"]
    english = web_in(app, "en", "demo.tiepnhan").get("/can-bo/cong-viec").get_data(as_text=True)
    assert code in english and "<caption>1 task</caption>" in english
    assert "<caption>1 công việc</caption>" in web_in(app, "vi", "demo.tiepnhan").get("/can-bo/cong-viec").get_data(
        as_text=True)
    api.file()
    assert "<caption>2 tasks</caption>" in web_in(app, "en", "demo.tiepnhan").get("/can-bo/cong-viec").get_data(as_text=True)


@pytest.mark.parametrize("count", [1, 2])
def test_an_applied_calendar_notice_says_day_and_dossier_for_one(app, api, clock, count):
    from conftest import vn
    from sqlalchemy import select

    from engine.data import calendars
    from engine.data.agency_model import Agency

    with app.extensions["tthc"]["sessions"].begin() as session:  # the demo agency is the province's root
        session.scalar(select(Agency).where(Agency.code == AGENCY)).level = "province"
    calendars.forget_overrides()
    clock.set(vn(2027, 1, 29, 9, 0))  # received the Friday before: due on Wednesday 3 February
    for _ in range(count):
        api.act("demo.tiepnhan", api.file()["code"], "receive")
    last = "2027-02-02" if count == 1 else "2027-02-03"
    form = {"year": "2027", "agency": "", "lines": f"2027-02-02..{last} nghỉ bão"}
    web = web_in(app, "en", "demo.admin")
    web.post("/quan-tri/lich/ap-dung", form, status=302)
    page = text_of(web.get("/quan-tri/lich?nam=2027"))
    if count == 1:
        assert "Notice applied: 1 day changed, 1 dossier got its deadline recounted." in page
    else:
        assert "Notice applied: 2 days changed, 2 dossiers got their deadlines recounted." in page
