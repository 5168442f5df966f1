"""Small follow-ups, each checked as a person meets it: an account's status change is listed among the
person's notifications (already read) while a one-time code never is (D28); the liên thông sub-dossier's
control slip names the police, not "Hệ thống", for the steps the engine takes on it (D30, D33); the statistics
page writes every percentage as "60,0%" / "60.0%", its indicators as its charts (D32)."""
from __future__ import annotations

import pytest
from conftest import CITIZEN
from lienthong_support import POLICE_NAME, SO_NAME, officer
from lxml import html as lxml_html
from sqlalchemy import select
from test_official_forms import text_of
from test_records_control_slip import answered_lienthong, slip_rows
from web_support import Web

from engine.cases import citizens, notices
from engine.cli.demo import POLICE
from engine.data.model import User
from engine.data.notice_model import Notice

LEADER = "demo.lanhdao"


@pytest.fixture
def backend():
    """Nothing here depends on the database (test_notices, test_records_control_slip, test_web_statistics run
    both)."""
    return "sqlite"


def _ext(app):
    return app.extensions["tthc"]


# -- 1. account notices (D28) --------------------------------------------------------------------------------
def test_an_account_status_change_is_listed_read_and_a_one_time_code_never(app, api, clock):
    ext = _ext(app)
    with ext["sessions"].begin() as session:
        admin = session.scalar(select(User).where(User.username == "demo.admin"))
        person = session.scalar(select(User).where(User.username == CITIZEN))
        citizens.change(session, ext["settings"], clock.now(), admin, person, "suspend", "Nghi giả mạo")
        citizens.change(session, ext["settings"], clock.now(), admin, person, "reinstate", "Đã xác minh")
        notices.notify_code(session, ext["settings"], person, "đăng nhập", "482913", clock.now())
    assert notices.UNLISTED == {"one_time_code"} and notices.ALREADY_READ == set(notices.ACCOUNT_EVENTS)

    listed = api.get("/api/v1/me/notifications", CITIZEN).get_json()
    assert [n["event"] for n in listed] == ["account_status", "account_status"]
    assert all(n["read_at"] for n in listed)  # told on every channel at once: the bell does not count them
    assert "Nghi giả mạo" in listed[1]["body"]
    web = Web(app.test_client()).login(CITIZEN)
    page = web.get("/thong-bao").get_data(as_text=True)
    assert "Nghi giả mạo" in page and "482913" not in page
    assert 'class="count"' not in page
    with ext["sessions"]() as session:
        code_id = session.scalar(select(Notice.id).where(Notice.event == "one_time_code"))
    r = api.post(f"/api/v1/me/notifications/{code_id}/read", CITIZEN)
    assert r.status_code == 404  # the code is not the portal's to show, even by its id


# -- 3. the liên thông sub-dossier's control slip (D30, D33) -------------------------------------------------
def test_the_sub_dossiers_slip_names_the_police_for_its_automatic_intake_and_return(app, api, clock):
    code, child = answered_lienthong(app, api, clock)

    sender = f"Cơ quan chuyển hồ sơ liên thông: {SO_NAME}"
    intake = f"Nhận hồ sơ liên thông: {POLICE_NAME}"  # was "Nhận hồ sơ liên thông: Hệ thống"
    rows = slip_rows(app, child)
    assert [(giver, to) for giver, to, *_rest in rows[:2]] == [
        (sender, intake), (intake, "Tra cứu, xác minh thông tin lý lịch tư pháp: Nguyễn Văn Cường")]
    assert rows[-1][:2] == (f"Trả kết quả cho Sở Tư pháp: {POLICE_NAME}", sender)
    text = text_of(api.get(f"/api/v1/dossiers/{child}/control-slip", officer(POLICE, "assessment")).data)
    assert f"Nhận: {intake}" in text and f"Giao: {intake}" in text and "Hệ thống" not in text


# -- 4. percentages on the statistics page (D32) -------------------------------------------------------------
@pytest.mark.parametrize("language, zero", [("vi", "0,0%"), ("en", "0.0%")])
def test_the_statistics_page_writes_every_percentage_without_a_space(app, api, clock, language, zero):
    code = api.file()["code"]
    api.act("demo.tiepnhan", code, "receive")
    web = Web(app.test_client()).login(LEADER)
    if language == "en":
        with web.client.session_transaction() as session:
            session["lang"] = "en"
    doc = lxml_html.fromstring(web.get(f"/can-bo/thong-ke?month={clock.now():%Y-%m}").get_data(as_text=True))
    values = {tr.get("data-indicator"): tr.xpath("td")[1].text_content()
              for tr in doc.xpath('//table[@id="indicators"]//tbody/tr')}
    assert values["2a-late"] == zero  # nothing late of the one received (was "0,0 %" beside the charts' "%")
    assert not any(v.endswith(" %") for v in values.values())
