"""D28 audit of the notices, end to end through the API, the pages and the timer service on a real database: each
person is told in their own language, amounts written as that language writes them; a terminated dossier's notice
links its stop notice; a filing fee owed promises no intake time; the agency processing a dossier for another is
the one warned of its deadline."""
from __future__ import annotations

from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, vn
from payment_support import configure, fee_with_the_filing
from sqlalchemy import select
from test_offers import DEMO, DEPT, WARD_A, province, put_offers  # noqa: F401 (fixture)
from web_support import OTHER_CITIZEN, Web

from engine import timers
from engine.cases import notices
from engine.data.model import User
from engine.data.notice_model import Notice


def sessions_of(app):
    return app.extensions["tthc"]["sessions"]


def choose_language(app, username: str, language: str) -> None:
    with sessions_of(app).begin() as session:
        notices.choose(session, session.scalar(select(User).where(User.username == username)), language=language)


def test_officers_who_chose_different_languages_are_all_warned_each_in_their_own(api, app, settings):
    """D19, D28: received Mon 23/11/2026 09:00, 3 working days with Tue 24/11 off: due Fri 27/11 09:00, the
    officers warned Thu 26/11 09:00. The department leader reads English. Before, the second language rendered the
    template with the first person's notice row: the sweep failed, the dossier became an incident, nobody was
    warned, and at the due date nobody was told it was overdue."""
    choose_language(app, "demo.lanhdao", "en")
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")

    warned = timers.sweep(sessions_of(app), settings, vn(2026, 11, 26, 9, 0))
    assert (warned.effects, warned.incidents) == ({"warning": 1}, 0)
    assert api.get("/api/v1/me/notifications", "demo.chuyenvien").get_json()[0]["title"] == f"Hồ sơ {code} sắp đến hạn"
    [english] = api.get("/api/v1/me/notifications", "demo.lanhdao").get_json()
    assert english["title"] == f"Dossier {code} is due soon"
    assert "at 27/11/2026 09:00" in english["body"] and english["link"] == f"/can-bo/ho-so/{code}"

    overdue = timers.sweep(sessions_of(app), settings, vn(2026, 11, 27, 9, 0))
    assert (overdue.effects, overdue.incidents) == ({"overdue": 1}, 0)
    with sessions_of(app)() as session:
        told = sorted(session.execute(select(User.username, Notice.title).join(User, User.id == Notice.user_id)
                                      .where(Notice.event == "overdue")).all())
    assert told == [("demo.chuyenvien", f"Hồ sơ {code} đã quá hạn"), ("demo.lanhdao", f"Dossier {code} is overdue"),
                    ("demo.thutruong", f"Hồ sơ {code} đã quá hạn")]


def test_a_dossier_filed_for_an_owner_who_reads_english_tells_the_filer_and_the_owner_each_in_their_language(
        api, app, clock):
    """D4, D28: both the filer and the owner are told; the owner chose English, the filer did not. Before, the
    filing itself failed with a 500 (the owner's notice was rendered from the filer's notice row)."""
    web = Web(app.test_client())
    web.post("/dang-ky", {"full_name": "Trần Thị Bình", "cccd": OTHER_CITIZEN, "cccd_issued_on": "2020-01-01",
                          "phone": "0987654321", "password": "matkhau123", "password2": "matkhau123"}, status=302)
    token = api.client.post("/api/v1/auth/token", json={"username": OTHER_CITIZEN, "password": "matkhau123"})
    filer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    choose_language(app, CITIZEN, "en")
    owner = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}
    r = api.client.post("/api/v1/dossiers", headers=filer, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM,
                                                                 "owner": owner})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    assert [n["title"] for n in api.client.get("/api/v1/me/notifications", headers=filer).get_json()] == [
        f"Hồ sơ {code} đã được nộp"]
    assert [n["title"] for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()] == [
        f"Dossier {code} has been filed"]


def test_an_english_notice_writes_the_fee_as_english_readers_read_amounts(api, app, clock):
    """D26, D28: the fee due at intake is 100 000 đồng. An English notice said "100.000 đ", a hundred đồng to an
    English reader; it says "100,000 đ" now, and the Vietnamese one still "100.000 đ"."""
    configure(app)
    web = Web(app.test_client()).login(CITIZEN)
    web.post("/ngon-ngu", {"lang": "en"}, status=302)  # the portal's language switch
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    [due] = [n for n in api.get("/api/v1/me/notifications", CITIZEN).get_json() if n["event"] == "payment_requested"]
    assert due["title"] == f"Dossier {code}: a fee of 100,000 đ is due"
    assert "needs a payment of 100,000 đ (Lệ phí đăng ký hộ kinh doanh)." in due["body"], due["body"]
    page = web.get("/thong-bao").get_data(as_text=True)
    assert "needs a payment of 100,000 đ" in page and "100.000 đ" not in page

    web.post("/ngon-ngu", {"lang": "vi"}, status=302)
    other = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", other, "receive")
    [vietnamese] = [n for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()
                    if n["event"] == "payment_requested" and n["dossier"] == other]
    assert "cần nộp 100.000 đ (Lệ phí đăng ký hộ kinh doanh)." in vietnamese["body"]


def test_a_terminated_dossiers_notice_links_its_stop_notice_for_its_citizen_only(api, app):
    """D16, D28: an administrator terminates a received dossier. The citizen's notice linked only the dossier's
    page, while the Thông báo dừng giải quyết hồ sơ issued for it went out with no notice; the notice now links that
    document (its email attaches it), and the link opens it for this citizen, not for another."""
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    r = api.post(f"/api/v1/dossiers/{code}/terminate", "demo.admin", json={"reason": "Hồ sơ nộp trùng với hồ sơ khác"})
    assert r.status_code == 200, r.get_json()
    [stop] = [d for d in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"]
              if d["kind"] == "stop_notice"]
    told = [n for n in api.get("/api/v1/me/notifications", CITIZEN).get_json() if n["event"] == "operation"]
    assert [n["title"] for n in told] == [f"Hồ sơ {code} đã chấm dứt xử lý"]  # once
    assert told[0]["link"] == f"/tai-lieu/{stop['id']}"
    assert f"Thông báo dừng giải quyết hồ sơ: http://127.0.0.1:5000/tai-lieu/{stop['id']}" in told[0]["body"]
    assert "Lý do: Hồ sơ nộp trùng với hồ sơ khác" in told[0]["body"]

    web = Web(app.test_client()).login(CITIZEN)
    opened = web.post(f"/thong-bao/{told[0]['id']}/da-doc", {"open": "1"}, status=302)
    assert opened.headers["Location"].endswith(f"/tai-lieu/{stop['id']}")
    assert web.get(f"/tai-lieu/{stop['id']}").mimetype == "application/pdf"
    assert api.get("/api/v1/me/notifications", CITIZEN).get_json()[0]["read_at"] is not None
    other = Web(app.test_client())
    other.post("/dang-ky", {"full_name": "Trần Thị Bình", "cccd": OTHER_CITIZEN, "cccd_issued_on": "2020-01-01",
                            "phone": "0987654321", "password": "matkhau123", "password2": "matkhau123"}, status=302)
    other.get(f"/tai-lieu/{stop['id']}", status=404)


def test_a_dossier_with_a_filing_fee_is_not_promised_an_intake_time_before_the_fee_is_paid(api, app):
    """D7, D26, D28: with a fee owed at filing, the intake check's working hour starts when the fee is paid. Filed
    Mon 23/11/2026 09:00, the notice said it would be checked "trước 23/11/2026 10:00", an hour that no longer held;
    it now says it is checked once the fee is paid."""
    fee_with_the_filing(app, api)
    filed = api.file(CITIZEN)
    assert filed["status"] == 6, filed
    told = {n["event"]: n for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()}
    assert set(told) == {"filed", "payment_requested"}
    body = told["filed"]["body"]
    assert "Hồ sơ sẽ được xem xét tiếp nhận sau khi phí, lệ phí được nộp." in body and "10:00" not in body, body

    choose_language(app, CITIZEN, "en")
    english = api.file(CITIZEN)["code"]
    [notice] = [n for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()
                if n["event"] == "filed" and n["dossier"] == english]
    assert "It will be checked for intake once the fee is paid." in notice["body"], notice["body"]


def test_the_processing_agency_named_by_the_offer_is_warned_and_told_of_the_overdue_not_only_the_ward(
        api, province, app, settings):
    """D19, D28, D29: ward A receives the dossier and the department processes it (the offer says so). Received
    Mon 23/11/2026 09:00, due Fri 27/11 09:00 (Tue 24/11 off): warned Thu 26/11 09:00. The warning went to the
    ward's officers, who hold no work on it, and not to the department's specialist holding the assessment nor
    its leader; now the department's are warned, and at the due date told it is overdue, as is the head whose
    inbox gets the apology letter to sign."""
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    api.act("a.canbo", code, "receive")
    sessions = sessions_of(app)

    def told(event):
        with sessions() as session:
            return sorted(session.scalars(select(User.username).join(Notice, Notice.user_id == User.id)
                                          .where(Notice.event == event)))

    assert timers.sweep(sessions, settings, vn(2026, 11, 26, 9, 0)).effects == {"warning": 1}
    assert told("warning") == ["d.canbo"]
    [warning] = api.get("/api/v1/me/notifications", "d.canbo").get_json()
    assert warning["link"] == f"/can-bo/ho-so/{code}"
    assert code in Web(app.test_client()).login("d.canbo").get(warning["link"]).get_data(as_text=True)

    assert timers.sweep(sessions, settings, vn(2026, 11, 27, 9, 0)).effects == {"overdue": 1}
    [apology_holder] = {u for u in ("a.canbo", "d.canbo")
                        if any(t["step"] == "apology" and t["dossier"] == code
                               for t in api.get("/api/v1/tasks", u).get_json())}
    assert "d.canbo" in told("overdue") and apology_holder in told("overdue")
    assert told("warning") == ["d.canbo"]  # once


def test_the_fee_notice_says_where_to_pay_online_or_at_the_desk(api, app):
    """D26, D28: the notice that a fee is due (100 000 đồng at intake) had a line for the online payment's address
    that nothing filled: the citizen was told to pay and not where. With an online gateway it now gives the fees
    on the citizen's dossier page, where the pay button is; at an agency that takes fees at its desk only it says
    so, with no online address."""
    configure(app)
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    [due] = [n for n in api.get("/api/v1/me/notifications", CITIZEN).get_json() if n["event"] == "payment_requested"]
    address = f"http://127.0.0.1:5000/ca-nhan/ho-so/{code}#payments"
    assert f"Thanh toán trực tuyến: {address}" in due["body"], due["body"]
    assert "Nộp trực tiếp" not in due["body"]
    page = Web(app.test_client()).login(CITIZEN).get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert 'id="payments"' in page and f"/ca-nhan/ho-so/{code}/thanh-toan" in page  # the anchor, its pay button

    configure(app, gateway=None)
    desk = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", desk, "receive")
    [due] = [n for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()
             if n["event"] == "payment_requested" and n["dossier"] == desk]
    assert "Thanh toán trực tuyến" not in due["body"] and "#payments" not in due["body"], due["body"]
    assert "Nộp trực tiếp tại nơi tiếp nhận hồ sơ (" in due["body"], due["body"]

    choose_language(app, CITIZEN, "en")
    configure(app)
    english = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", english, "receive")
    [due] = [n for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()
             if n["event"] == "payment_requested" and n["dossier"] == english]
    assert f"Pay online: http://127.0.0.1:5000/ca-nhan/ho-so/{english}#payments" in due["body"], due["body"]
