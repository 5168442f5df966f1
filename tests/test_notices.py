"""Notifications (D28, issue #14 item 4): written with the event, shown in the portal, sent by email through a real
SMTP server (aiosmtpd on 127.0.0.1) and by SMS through the local provider simulator, by the real dispatcher;
retries with backoff, dead letters, and the officers' warnings from the timer service."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA, make_settings, sign_requested, vn
from notice_support import emailing, smtp  # noqa: F401 (smtp: the fixture)
from sqlalchemy import select
from web_support import OTHER_CITIZEN, Web

from engine import timers
from engine.cases import codeseal, dispatch, notices
from engine.core.settings import with_secrets
from engine.data.model import User
from engine.data.notice_model import Notice, NoticeDelivery

SMS_TOKEN = "sms-test-token"


@pytest.fixture
def sms():
    """The simulator, served as its start() serves it but polling for the stop every 20 ms instead of the
    socketserver's 0.5 s, which every test of this file waited for at its end."""
    from engine.cases.smsprovider import SmsSimulator

    simulator = SmsSimulator(token=SMS_TOKEN)
    simulator._thread = threading.Thread(target=simulator._server.serve_forever, kwargs={"poll_interval": 0.02},
                                         name="sms-simulator", daemon=True)
    simulator._thread.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def settings(database_url, tmp_path, pki_dir, smtp, sms):
    """Email to the test's SMTP server, SMS to the simulator; three attempts before a dead letter."""
    return emailing(with_secrets(make_settings(tmp_path / "data", database_url, pki_dir)), smtp, sms_url=sms.url,
                    sms_token=SMS_TOKEN, notify_max_attempts=3, notify_retry_seconds=60.0,
                    public_url="https://dvc.example.vn")


def sessions_of(app):
    return app.extensions["tthc"]["sessions"]


def deliveries(app, **where) -> list[NoticeDelivery]:
    with sessions_of(app)() as session:
        query = select(NoticeDelivery).order_by(NoticeDelivery.id)
        for name, value in where.items():
            query = query.where(getattr(NoticeDelivery, name) == value)
        return list(session.scalars(query))


def test_the_supplement_request_reaches_the_citizen_by_email_and_sms_with_the_dossier_code(
        api, app, settings, clock, smtp, sms):
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "request_supplement", STEP_DATA["request_supplement"])
    assert smtp.mailbox.messages == [] and sms.messages == []  # nothing leaves inside the transaction

    done = dispatch.dispatch(sessions_of(app), settings, clock.now())
    assert done.sent == 4 and done.dead == 0  # filed and supplement_requested, each by email and SMS

    mails = [m for m in smtp.mailbox.messages if "bổ sung" in m["Subject"]]
    assert len(mails) == 1, [m["Subject"] for m in smtp.mailbox.messages]
    mail = mails[0]
    assert code in mail["Subject"] and mail["To"] == "an.nguyen@example.vn"
    body = mail.get_body(("plain",)).get_content()
    assert code in body and "Thiếu chữ ký của chủ hộ" in body
    (attached,) = list(mail.iter_attachments())  # Mẫu 02 itself, besides its link
    assert attached.get_content_type() == "application/pdf" and attached.get_content().startswith(b"%PDF")
    sent = [d for d in deliveries(app, channel="email") if d.state == "sent"]
    form_link = [line for line in body.splitlines() if "Phiếu yêu cầu bổ sung" in line][0]
    assert "https://dvc.example.vn/tai-lieu/" in form_link  # Mẫu 02 linked
    assert mail["Message-ID"] in {f"<tthc-notice-{d.id}@hue.gov.vn>" for d in sent}

    texts = [m["text"] for m in sms.messages if "bổ sung" in m["text"]]
    assert len(texts) == 1 and code in texts[0] and sms.messages[0]["to"] == "0912345678"
    assert all(d.state == "sent" and d.attempts == 1 for d in deliveries(app))
    assert dispatch.dispatch(sessions_of(app), settings, clock.now()).claimed == 0  # nothing is sent twice


def test_the_api_lists_my_notices_with_their_deliveries_and_marks_one_read(api, app, settings, clock):
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    mine = api.get("/api/v1/me/notifications", CITIZEN).get_json()
    assert [n["event"] for n in mine] == ["received", "filed"]  # newest first
    received = mine[0]
    assert set(received) >= {"id", "event", "title", "body", "dossier", "created_at", "read_at", "deliveries"}
    assert received["dossier"] == code and received["read_at"] is None and code in received["title"]
    assert received["deliveries"] == {"email": "pending", "sms": "pending"}
    assert received["link"].startswith("/tai-lieu/")  # the receipt (Mẫu 01)

    dispatch.dispatch(sessions_of(app), settings, clock.now())
    assert api.get("/api/v1/me/notifications", CITIZEN).get_json()[0]["deliveries"] == {"email": "sent",
                                                                                           "sms": "sent"}
    r = api.post(f"/api/v1/me/notifications/{received['id']}/read", CITIZEN)
    assert r.status_code == 200 and r.get_json()["read_at"] == "2026-11-23T09:00:00+07:00"
    again = api.post(f"/api/v1/me/notifications/{received['id']}/read", CITIZEN).get_json()
    assert again["read_at"] == r.get_json()["read_at"]  # read once; reading again changes nothing


def test_a_citizen_never_sees_or_marks_another_persons_notices(api, app, clock):
    code = api.file(CITIZEN)["code"]
    mine = api.get("/api/v1/me/notifications", CITIZEN).get_json()
    web = Web(app.test_client())
    web.post("/dang-ky", {"full_name": "Trần Thị Bình", "cccd": OTHER_CITIZEN, "cccd_issued_on": "2020-01-01",
                          "phone": "0987654321", "password": "matkhau123", "password2": "matkhau123"}, status=302)
    other = api.client.post("/api/v1/auth/token", json={"username": OTHER_CITIZEN, "password": "matkhau123"})
    headers = {"Authorization": f"Bearer {other.get_json()['token']}"}
    assert api.client.get("/api/v1/me/notifications", headers=headers).get_json() == []
    r = api.client.post(f"/api/v1/me/notifications/{mine[0]['id']}/read", headers=headers)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "notification_not_found"
    assert api.get("/api/v1/me/notifications", CITIZEN).get_json()[0]["read_at"] is None
    assert code in mine[0]["title"]


def test_the_bell_counts_unread_notices_and_the_centre_pages_them(api, app, clock):
    for _ in range(3):
        api.file(CITIZEN)
    web = Web(app.test_client()).login(CITIZEN)
    page = web.get("/ca-nhan/ho-so").get_data(as_text=True)
    assert '<span class="count">3<' in page
    centre = web.get("/thong-bao").get_data(as_text=True)
    assert centre.count('class="notice unread"') == 3
    first = int(centre.split('data-notice="')[1].split('"')[0])
    web.post(f"/thong-bao/{first}/da-doc", status=302)
    assert '<span class="count">2<' in web.get("/thong-bao").get_data(as_text=True)
    with sessions_of(app).begin() as session:  # 25 more: the centre shows 20 a page, older ones after
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        for _ in range(25):
            notices.notify(session, app.extensions["tthc"]["settings"], "paid", now=clock.now(), users=[citizen],
                           context={"amount": 100000, "code": "X", "procedure": "P", "link": None})
    page1 = web.get("/thong-bao").get_data(as_text=True)
    assert page1.count('data-notice="') == 20 and "truoc=" in page1
    older = page1.split('truoc=')[1].split('"')[0]
    page2 = web.get(f"/thong-bao?truoc={older}").get_data(as_text=True)
    assert page2.count('data-notice="') == 8
    assert '<span class="count">27<' in page2
    web.post("/thong-bao/da-doc-tat-ca", status=302)
    assert 'class="count"' not in web.get("/thong-bao").get_data(as_text=True)


def test_a_refusing_sms_provider_is_retried_with_backoff_then_dead_and_an_administrator_sends_it_again(
        api, app, settings, clock, sms):
    sms.refuse = -1
    api.file(CITIZEN)
    sessions, t0 = sessions_of(app), clock.now()
    assert dispatch.dispatch(sessions, settings, t0).retried == 1  # the SMS; the email went
    (delivery,) = deliveries(app, channel="sms")
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("pending", 1, t0 + timedelta(seconds=60))
    assert dispatch.dispatch(sessions, settings, t0 + timedelta(seconds=59)).claimed == 0
    assert dispatch.dispatch(sessions, settings, t0 + timedelta(seconds=60)).retried == 1
    (delivery,) = deliveries(app, channel="sms")
    assert delivery.next_attempt_at == t0 + timedelta(seconds=60 + 120)  # doubled
    assert dispatch.dispatch(sessions, settings, t0 + timedelta(seconds=180)).dead == 1
    (delivery,) = deliveries(app, channel="sms")
    assert delivery.state == "dead" and delivery.attempts == 3 and "503" in delivery.last_error
    assert dispatch.dispatch(sessions, settings, t0 + timedelta(days=3)).claimed == 0
    assert api.get("/api/v1/me/notifications", CITIZEN).get_json()[0]["deliveries"]["sms"] == "failed"

    admin = Web(app.test_client()).login("demo.admin")
    page = admin.get("/quan-tri/thong-bao").get_data(as_text=True)
    assert f'data-delivery="{delivery.id}"' in page and "0912345678" in page
    Web(app.test_client()).login(CITIZEN).get("/quan-tri/thong-bao", status=403)
    sms.refuse = 0
    admin.post(f"/quan-tri/thong-bao/{delivery.id}/gui-lai", status=302)
    assert dispatch.dispatch(sessions, settings, clock.now()).sent == 1
    assert [m["to"] for m in sms.messages] == ["0912345678"] and sms.requests == 4
    assert f'data-delivery="{delivery.id}"' not in admin.get("/quan-tri/thong-bao").get_data(as_text=True)


def test_a_person_who_turns_email_and_sms_off_gets_the_portal_notice_only_in_their_language(api, app, clock):
    web = Web(app.test_client()).login(CITIZEN)
    web.post("/tai-khoan", {"language": "en"}, status=302)  # both boxes unticked
    code = api.file(CITIZEN)["code"]
    (notice,) = api.get("/api/v1/me/notifications", CITIZEN).get_json()
    assert notice["deliveries"] == {} and notice["title"] == f"Dossier {code} has been filed"
    assert deliveries(app) == []


def test_with_no_smtp_host_no_email_is_queued_and_the_administrators_are_told(api, app, settings, clock):
    app.extensions["tthc"]["settings"] = settings.replace(smtp_host="")
    api.file(CITIZEN)
    assert [d.channel for d in deliveries(app)] == ["sms"]
    page = Web(app.test_client()).login("demo.admin").get("/quan-tri/thong-bao").get_data(as_text=True)
    assert "smtp_host" in page


def test_officers_are_warned_one_working_day_before_the_due_date_and_told_when_it_is_overdue(
        api, app, settings, clock, smtp):
    from engine.cases import accounts
    from engine.data.model import Agency

    with sessions_of(app).begin() as session:  # the same roles in another agency, and a suspended officer
        other = Agency(code="000.00.07.H56", name="UBND phường khác")
        session.add(other)
        session.flush()
        accounts.ensure_officer(session, clock.now(), "khac.lanhdao", "Lãnh đạo khác", {"department_leader",
                                                                                       "specialist"}, other, "x" * 12)
        here = session.scalar(select(Agency).where(Agency.code != "000.00.07.H56"))
        accounts.ensure_officer(session, clock.now(), "nghi.lanhdao", "Lãnh đạo tạm nghỉ", {"department_leader"},
                                here, "x" * 12).locked_reason = "tạm đình chỉ"
    code = api.file(CITIZEN)["code"]  # Monday 23/11/2026 09:00
    received = api.act("demo.tiepnhan", code, "receive")
    # Received Monday 23/11 09:00; 3 working days counted from the next working day: Friday 27/11/2026 09:00.
    assert received["due_at"] == vn(2026, 11, 27, 9, 0).isoformat()

    def sweep(*when):
        return timers.sweep(sessions_of(app), settings, vn(*when)).effects

    def officer_notices(event):
        with sessions_of(app)() as session:
            rows = session.execute(select(User.username, Notice.title, Notice.created_at)
                                   .join(User, User.id == Notice.user_id).where(Notice.event == event)).all()
        return sorted(rows)

    assert sweep(2026, 11, 26, 8, 59) == {}
    assert sweep(2026, 11, 26, 9, 0) == {"warning": 1}
    warned = officer_notices("warning")
    # The specialist holds the open assessment; the department leader watches every warning.
    assert [(u, t) for u, t, _ in warned] == [("demo.chuyenvien", f"Hồ sơ {code} sắp đến hạn"),
                                              ("demo.lanhdao", f"Hồ sơ {code} sắp đến hạn")]
    assert all(at == vn(2026, 11, 26, 9, 0) for _, _, at in warned)
    assert sweep(2026, 11, 27, 8, 59) == {}
    assert sweep(2026, 11, 27, 9, 0) == {"overdue": 1}
    assert [u for u, _, _ in officer_notices("overdue")] == ["demo.chuyenvien", "demo.lanhdao", "demo.thutruong"]
    assert officer_notices("warning") == warned  # no second warning

    r = api.get("/api/v1/me/notifications", "demo.chuyenvien").get_json()
    assert [n["event"] for n in r] == ["overdue", "warning"] and r[0]["link"] == f"/can-bo/ho-so/{code}"
    assert api.get("/api/v1/me/notifications", "demo.vanthu").get_json() == []  # not their role
    assert api.get("/api/v1/me/notifications", CITIZEN).get_json()[0]["event"] == "received"
    inbox = Web(app.test_client()).login("demo.lanhdao").get("/can-bo/cong-viec").get_data(as_text=True)
    assert '<span class="count">2<' in inbox  # the bell in the officers' inbox


def test_the_daily_digest_lists_each_officers_due_work_once_a_day(api, app, settings, clock):
    from engine.cases import digests

    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")  # due Friday 27/11/2026 09:00
    sessions = sessions_of(app)
    assert digests.send_digests(sessions, settings, vn(2026, 11, 25, 9, 0)) == 0  # nothing due within a day
    digests._finished.clear()
    assert digests.send_digests(sessions, settings, vn(2026, 11, 26, 6, 59)) == 0  # before the hour
    assert digests.send_digests(sessions, settings, vn(2026, 11, 26, 9, 0)) == 1
    assert digests.send_digests(sessions, settings, vn(2026, 11, 26, 16, 0)) == 0  # once a day
    (digest,) = api.get("/api/v1/me/notifications", "demo.chuyenvien").get_json()
    assert digest["event"] == "digest" and code in digest["body"]
    assert digest["title"] == "Công việc trong ngày 26/11/2026: 0 quá hạn, 1 sắp đến hạn"
    digests._finished.clear()  # another process: the day is recorded in the database too
    assert digests.send_digests(sessions, settings, vn(2026, 11, 26, 16, 0)) == 0
    assert digests.send_digests(sessions, settings, vn(2026, 11, 28, 8, 0)) == 0  # Saturday
    assert digests.send_digests(sessions, settings, vn(2026, 11, 30, 8, 0)) == 1  # Monday: overdue since Thursday
    newest = api.get("/api/v1/me/notifications", "demo.chuyenvien").get_json()[0]
    assert newest["title"] == "Công việc trong ngày 30/11/2026: 1 quá hạn, 0 sắp đến hạn"


def test_a_one_time_code_is_sent_on_every_channel_and_never_listed(api, app, settings, clock, smtp, sms):
    with sessions_of(app).begin() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        notices.choose(session, citizen, email_on=False, sms_on=False)
    with sessions_of(app).begin() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        notices.notify_code(session, settings, citizen, "đăng nhập", "482913", clock.now())
    assert dispatch.dispatch(sessions_of(app), settings, clock.now()).sent == 2
    assert "482913" in sms.messages[0]["text"] and "482913" in smtp.mailbox.messages[0]["Subject"]
    assert api.get("/api/v1/me/notifications", CITIZEN).get_json() == []
    assert 'class="count"' not in Web(app.test_client()).login(CITIZEN).get("/ca-nhan/ho-so").get_data(as_text=True)


def test_a_one_time_code_is_not_stored_in_clear_and_a_changed_key_says_so(app, settings, clock, smtp, sms):
    """The code table keeps only a hash; the notice the dispatcher sends from keeps the code sealed, so that a copy
    of the database (a backup, the report replica) does not hand out a live activation code (it lasts a day).
    The person still reads it on the phone and in the mail; sealed under a secret key since replaced, the
    message says it cannot be read, rather than carrying the sealed text."""
    with sessions_of(app).begin() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        notices.notify_code(session, settings, citizen, "kích hoạt tài khoản", "705318", clock.now())
        notices.notify_code(session, settings, citizen, "đăng nhập", "991204", clock.now())
    with sessions_of(app)() as session:
        stored = session.execute(select(Notice.title, Notice.body).where(Notice.event == "one_time_code")).all()
    assert len(stored) == 2 and not any(code in title + body for title, body in stored
                                        for code in ("705318", "991204")), stored
    # the second was sealed under the key of a server since re-keyed: its message says it cannot be read
    with sessions_of(app).begin() as session:
        last = session.scalar(select(Notice).where(Notice.event == "one_time_code").order_by(Notice.id.desc()))
        other = settings.replace(secret_key="another key after a re-key")
        last.title = notices.render("one_time_code", "vi", {"purpose": "đăng nhập", "minutes": 10,
                                                           "otp": codeseal.seal_code(other, last.user_id, "991204")})[0]
    assert dispatch.dispatch(sessions_of(app), settings, clock.now()).sent == 4
    texts = [m["text"] for m in sms.messages]
    assert any(t.startswith("Mã xác thực kích hoạt tài khoản: 705318") for t in texts), texts
    assert any(t.startswith(f"Mã xác thực đăng nhập: {codeseal.UNREADABLE_CODE['vi']}") for t in texts), texts
    assert "991204" not in " ".join(texts)
    assert any("705318" in m["Subject"] for m in smtp.mailbox.messages)
    assert not any("⟦" in m["text"] for m in sms.messages)


def test_a_sealed_code_is_opened_only_in_its_own_persons_code_notice(app, settings, clock, sms):
    """Someone holding a copy of the database has the sealed text, not the code. Pasted into a text that a notice
    shows (a reason, an owner's name) or into another person's code notice, it is never opened and sent."""
    with sessions_of(app).begin() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        officer = session.scalar(select(User).where(User.username == "demo.tiepnhan"))
        sealed = codeseal.seal_code(settings, citizen.id, "640173")
        session.add(Notice(user_id=officer.id, event="operation", title=f"Lý do: {sealed}", body=sealed,
                           created_at=clock.now(), deliveries=[NoticeDelivery(
                               channel="sms", address="0900000001", state="pending", attempts=0,
                               next_attempt_at=clock.now())]))
        session.add(Notice(user_id=officer.id, event="one_time_code", title=f"Mã xác thực đăng nhập: {sealed}",
                           body=sealed, created_at=clock.now(), read_at=clock.now(), deliveries=[NoticeDelivery(
                               channel="sms", address="0900000001", state="pending", attempts=0,
                               next_attempt_at=clock.now())]))
    assert dispatch.dispatch(sessions_of(app), settings, clock.now()).sent == 2
    texts = [m["text"] for m in sms.messages]
    assert not any("640173" in t for t in texts), texts
    assert any(sealed in t for t in texts) and any(codeseal.UNREADABLE_CODE["vi"] in t for t in texts), texts


def test_a_dossier_filed_at_the_desk_tells_the_owners_account_not_the_officer(api, app, clock):
    owner = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}
    code = api.file("demo.tiepnhan", owner=owner, channel="desk")["code"]
    assert [n["title"] for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()] == [
        f"Hồ sơ {code} đã được nộp"]
    assert api.get("/api/v1/me/notifications", "demo.tiepnhan").get_json() == []
    stranger = {"full_name": "Lê Thị Cúc", "birth_date": "1980-01-01", "cccd": "001180000099"}
    api.file("demo.tiepnhan", owner=stranger, channel="desk")  # no account: the desk's paper is the notice
    assert len(api.get("/api/v1/me/notifications", CITIZEN).get_json()) == 1
    assert api.get("/api/v1/me/notifications", "demo.tiepnhan").get_json() == []


def test_a_dossier_filed_for_another_person_tells_both_the_filer_and_the_owners_account(api, app, clock):
    """D4: a dossier filed for another person is the owner's and visible to both; so both are told (D28)."""
    web = Web(app.test_client())
    web.post("/dang-ky", {"full_name": "Trần Thị Bình", "cccd": OTHER_CITIZEN, "cccd_issued_on": "2020-01-01",
                          "phone": "0987654321", "password": "matkhau123", "password2": "matkhau123"}, status=302)
    token = api.client.post("/api/v1/auth/token", json={"username": OTHER_CITIZEN, "password": "matkhau123"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    owner = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}
    r = api.client.post("/api/v1/dossiers", headers=headers,
                        json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": owner})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    told = [n["title"] for n in api.client.get("/api/v1/me/notifications", headers=headers).get_json()]
    assert told == [f"Hồ sơ {code} đã được nộp"]
    assert [n["title"] for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()] == told
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).status_code == 200  # visible to both
    api.act("demo.tiepnhan", code, "receive")
    assert len(api.get("/api/v1/me/notifications", CITIZEN).get_json()) == 2
    assert len(api.client.get("/api/v1/me/notifications", headers=headers).get_json()) == 2
    mine = api.file(CITIZEN)["code"]  # for themself: told once, not twice
    assert [n["title"] for n in api.get("/api/v1/me/notifications", CITIZEN).get_json()].count(
        f"Hồ sơ {mine} đã được nộp") == 1


def test_a_supplement_in_processing_tells_the_citizen_the_new_result_date(api, app, clock):
    """D12, D28: received Monday 23/11/2026 09:00 (3 working days, Tuesday 24/11 off: due Friday 27/11 09:00);
    the specialist asks for a supplement at 09:30, the citizen sends it at 10:00: the 3 working days count again
    from then, and the citizen is told the new date, Friday 27/11/2026 10:00."""
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    clock.set(vn(2026, 11, 23, 9, 30))
    api.act("demo.chuyenvien", code, "request_supplement", STEP_DATA["request_supplement"])
    clock.set(vn(2026, 11, 23, 10, 0))
    form = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["form"]
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": form})
    assert r.status_code == 200 and r.get_json()["due_at"] == "2026-11-27T10:00:00+07:00", r.get_json()
    newest = api.get("/api/v1/me/notifications", CITIZEN).get_json()[0]
    assert newest["title"] == f"Hồ sơ {code}: đã nhận hồ sơ bổ sung, hẹn lại ngày trả kết quả"
    assert "Ngày hẹn trả kết quả: 27/11/2026 10:00." in newest["body"], newest["body"]
    # a supplement at intake is not yet received: the receipt (Mẫu 01) gives the appointment, told then
    other = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", other, "request_supplement", STEP_DATA["request_supplement"])
    api.post(f"/api/v1/dossiers/{other}/supplement", CITIZEN, json={"form": form})
    assert not any(n["title"].startswith(f"Hồ sơ {other}: đã nhận hồ sơ bổ sung")
                   for n in api.get("/api/v1/me/notifications", CITIZEN).get_json())


def test_dispatchers_running_at_once_send_each_message_once(api, app, settings, clock, sms, smtp):
    import threading

    with sessions_of(app).begin() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        for _ in range(30):
            notices.notify(session, settings, "paid", now=clock.now(), users=[citizen],
                           context={"amount": 1000, "code": "X", "procedure": "P", "link": None})
    results, errors = [], []

    def run():
        try:
            results.append(dispatch.dispatch(sessions_of(app), settings, clock.now(), limit=7))
        except Exception as exc:  # a failure would be a defect: reported below
            errors.append(exc)

    for _ in range(12):  # rounds of four dispatchers at once, until everything is sent
        if not deliveries(app, state="pending"):
            break
        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    assert sum(r.sent for r in results) == 60 and sum(r.claimed for r in results) == 60
    assert len(sms.messages) == 30 and sms.requests == 30  # no message sent twice, not even to the provider
    assert len(smtp.mailbox.messages) == 30 and len(set(smtp.mailbox.ids())) == 30


CONTEXT = {"items": [{"component": "Tờ khai", "problem": "Thiếu chữ ký", "required": "Ký lại",  # supplement
                      "code": "000.00.06.H56-261123-0001", "name": "Thẩm định", "due_at": vn(2026, 11, 27, 9, 0)}],
           "reasons": ["Sai"],
           "new_due_at": vn(2026, 12, 1, 9, 0), "amount": 100000, "outcome": "approved", "how": "withdraw",
           "parent": "000.00.12.H56-261207-0001", "sender": "Sở Tư pháp",
           "reason": "Không còn nhu cầu", "day": vn(2026, 11, 26).date(), "agency_name": "UBND", "overdue": 1,
           "soon": 2, "purpose": "đăng nhập", "otp": "123456", "minutes": 10, "fee_name": "Lệ phí",
           "change": "suspended", "username": "001099000001", "at": vn(2026, 11, 26, 9, 0),
           "was": vn(2026, 11, 26, 9, 0)}  # replanned: the appointment before the calendar changed


@pytest.mark.parametrize("event", notices.EVENTS)
@pytest.mark.parametrize("language", notices.LANGUAGES)
def test_every_event_has_a_template_in_each_language_with_the_code_and_a_link(event, language):
    base = notices.Path(notices.__file__).parent / "templates" / "notices"
    assert (base / f"{event}.{language}.txt").is_file()
    values = {"code": "000.00.06.H56-261123-0001", "procedure": "Đăng ký hộ kinh doanh", "agency": "UBND",
              "owner": "Nguyễn Văn An", "due_at": vn(2026, 11, 27, 9, 0), "intake_due_at": vn(2026, 11, 23, 10, 0),
              "link": "https://dvc.example.vn/ca-nhan/ho-so/000.00.06.H56-261123-0001",
              "document_name": "phieu.pdf", "document_link": "https://dvc.example.vn/tai-lieu/7",
              "public_url": "https://dvc.example.vn", **CONTEXT}
    title, body = notices.render(event, language, values)
    assert title and body and "\n\n\n" not in body
    if event not in ("digest", "one_time_code", "account_status"):
        assert values["code"] in title and "https://dvc.example.vn/" in body
    with pytest.raises(Exception):  # a value the template needs and nobody gave is an error, never a blank
        notices.render(event, language, {})


def test_the_citizen_is_told_of_the_result_then_of_its_return_and_of_a_reissued_one(api, app):
    from test_result_reissue import issued, results_of

    code = issued(api, returned=True)
    told = api.get("/api/v1/me/notifications", CITIZEN).get_json()
    assert [n["event"] for n in told][:2] == ["returned", "result_ready"]
    first = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())[0]
    assert told[1]["link"] == f"/tai-lieu/{first['id']}"
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue", "demo.vanthu", json={"reason": "Sai tên hộ kinh doanh"})
    assert r.status_code == 201 and api.get("/api/v1/me/notifications", CITIZEN).get_json() == told  # not yet
    assert sign_requested(app, code) == 1  # told once the head signed it
    new = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())[-1]
    latest = api.get("/api/v1/me/notifications", CITIZEN).get_json()[0]
    assert latest["event"] == "result_ready" and latest["link"] == f"/tai-lieu/{new['id']}"
    assert "cấp lại" in latest["body"]


def test_the_api_pages_notices_by_limit_and_links_the_next_page(api, app, clock):
    """api.md "Notifications": 20 a page unless ``limit`` says (1 to 200); a page with older notices after it
    carries ``Link: <...before=ID...>; rel="next"`` (RFC 8288, as GET /tasks), the last page none."""
    with sessions_of(app).begin() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        for _ in range(23):
            notices.notify(session, app.extensions["tthc"]["settings"], "paid", now=clock.now(), users=[citizen],
                           context={"amount": 100000, "code": "X", "procedure": "P", "link": None})
    first = api.get("/api/v1/me/notifications", CITIZEN)
    assert len(first.get_json()) == 20 and 'rel="next"' in first.headers["Link"]
    seen, url = [], "/api/v1/me/notifications?limit=10"
    while url:
        r = api.get(url, CITIZEN)
        assert r.status_code == 200 and len(r.get_json()) <= 10
        seen += [n["id"] for n in r.get_json()]
        link = r.headers.get("Link")
        url = link.split(">")[0].lstrip("<") if link else None
    assert len(seen) == 23 and seen == sorted(seen, reverse=True) and len(set(seen)) == 23
    assert "Link" not in api.get("/api/v1/me/notifications?limit=23", CITIZEN).headers
    for bad in ("0", "201", "-1", "x", "", "١٠"):
        r = api.get(f"/api/v1/me/notifications?limit={bad}", CITIZEN)
        assert r.status_code == 422 and "limit" in r.get_json()["error"]["fields"], bad


def test_the_next_page_link_ignores_names_of_its_own(api, app, clock):
    """?endpoint=x, ?_scheme=x or ?_method=POST beside a next page raised in url_for (a 500)."""
    with sessions_of(app).begin() as session:
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        for _ in range(3):
            notices.notify(session, app.extensions["tthc"]["settings"], "paid", now=clock.now(), users=[citizen],
                           context={"amount": 100000, "code": "X", "procedure": "P", "link": None})
    for query in ("endpoint=x", "_scheme=x", "_method=POST", "_external=1"):
        r = api.get(f"/api/v1/me/notifications?limit=1&{query}", CITIZEN)
        assert r.status_code == 200 and 'rel="next"' in r.headers["Link"], (query, r.status_code)
        r = api.get(f"/api/v1/tasks?limit=1&{query}", "demo.tiepnhan")
        assert r.status_code == 200, (query, r.status_code)


def test_the_fee_sms_says_how_much_is_due(api, app, settings, clock, sms):
    """D26, D28: an SMS carries the notice's title and link only. The fee's title said "cần nộp phí, lệ phí" with
    no amount, so the citizen had to open the portal to learn it; it says the 100.000 đ due at intake now."""
    from payment_support import configure

    configure(app)
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    dispatch.dispatch(sessions_of(app), settings, clock.now())
    [text] = [m["text"] for m in sms.messages if "phí" in m["text"]]
    assert text.startswith(f"Hồ sơ {code}: cần nộp phí, lệ phí 100.000 đ "), text
