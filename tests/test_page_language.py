"""Words of the application's own in the wrong language on its pages: the engine's own name for what it does
itself on English pages, a procedure's clock policy written as its codes on the versions page, the calendar's
own words for a make-up day on the English calendar page. What people typed (names, a notice's names) stays as
it was written."""
from __future__ import annotations

import pytest
from lxml import html

from conftest import CITIZEN, SAMPLE_CODE
from lienthong_support import FORM as LLTP_FORM
from lienthong_support import PARENT_CODE, SO, build_lienthong, officer
from test_admin_versions import upload
from test_versions import variant
from web_support import Web, text_of


@pytest.fixture
def backend():
    return "sqlite"


def in_language(web: Web, language: str, path: str):
    web.post("/ngon-ngu", {"lang": language, "next": path}, status=302)
    return web.get(path)


def test_the_history_names_the_engines_own_steps_in_the_page_language(app, api):
    """A liên thông dossier's history said "— Hệ thống · Processing" on the citizen's English page (the hand-over
    to the police and its automatic intake are the engine's): the engine is now "System" there, and stays
    "Hệ thống" on the Vietnamese page; the officers' names are kept."""
    build_lienthong(app)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": LLTP_FORM, "agency": SO})
    code = r.get_json()["code"]
    api.act(officer(SO, "intake"), code, "receive")
    citizen = Web(app.test_client()).login(CITIZEN)
    english = text_of(in_language(citizen, "en", f"/ca-nhan/ho-so/{code}"))
    assert "— System · Processing" in english and "Hệ thống" not in english
    assert "— Võ Thị Thanh · Received" in english  # a person's name as it is
    vietnamese = text_of(in_language(citizen, "vi", f"/ca-nhan/ho-so/{code}"))
    assert "— Hệ thống · Đang xử lý" in vietnamese and "System" not in vietnamese


def test_the_versions_page_says_the_clock_policy_in_words_not_codes(app):
    """A version that changed how the deadline counts after a supplement listed "Đổi cách tính thời hạn khi bổ
    sung hồ sơ: restart → pause" on the Vietnamese page (and the same codes on the English one)."""
    admin = Web(app.test_client()).login("demo.admin")
    bpmn = variant().replace('name="clockOnSupplement" value="restart"', 'name="clockOnSupplement" value="pause"')
    upload(admin, bpmn, True, 302)
    path = f"/quan-tri/thu-tuc/{SAMPLE_CODE}"
    changes = html.fromstring(in_language(admin, "vi", path).get_data(as_text=True)).xpath(
        "//li[@data-kind='clock_changed']")[0].text_content()
    assert changes == ("Đổi cách tính thời hạn khi bổ sung hồ sơ: tính lại thời hạn từ đầu → lùi hạn thêm đúng "
                       "thời gian chờ bổ sung"), changes
    changes = html.fromstring(in_language(admin, "en", path).get_data(as_text=True)).xpath(
        "//li[@data-kind='clock_changed']")[0].text_content()
    assert "restart" not in changes and "pause" not in changes
    assert changes.endswith(": the time limit counts again from the start → the due date moves by the time spent "
                            "waiting for the supplement"), changes


def test_the_calendars_make_up_days_are_named_in_the_page_language(app):
    """The English calendar page's table of unusual days gave a make-up working day as "Ngày làm bù: Làm bù cho
    ngày nghỉ 31/08/2026": the calendar's own words are English there, the notice's name is kept."""
    admin = Web(app.test_client()).login("demo.admin")
    path = "/quan-tri/lich?nam=2026"
    for language, word in (("en", "Make-up working day"), ("vi", "Ngày làm bù")):
        tree = html.fromstring(in_language(admin, language, path).get_data(as_text=True))
        reasons = [td.text_content() for td in tree.xpath("//table[@id='merged']/tbody/tr/td[3]")]
        made_up = [r for r in reasons if r.startswith(word)]
        assert f"{word}: Làm bù cho ngày nghỉ 31/08/2026" in made_up, (language, reasons)
        if language == "en":
            assert not [r for r in reasons if r.startswith("Ngày làm bù")], reasons
