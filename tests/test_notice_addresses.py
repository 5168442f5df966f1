"""D28: notices are delivered on the person's channels as they are when sent, and sent at least once.

A notice queued to an address the person no longer has follows them to the current one (an administrator changed
an officer's email; the desk or the e-ID gave a self-registered account to the real holder of the CCCD); a dead
letter sent again goes to the corrected address; a channel the person no longer has is not used. The notice of
the change itself goes to the old addresses, on purpose. A batch claims no more than it can send within its
lease, so another dispatcher never takes (and sends again) what is still being sent.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, make_settings, vn
from notice_support import emailing, smtp  # noqa: F401
from test_notices import SMS_TOKEN, sms  # noqa: F401 (sms: the fixture)
from sqlalchemy import select
from web_support import OTHER_CITIZEN, Web

from engine import timers
from engine.cases import accounts, citizens, dispatch, notices, staff
from engine.core.errors import Conflict
from engine.core.settings import with_secrets
from engine.data.model import User
from engine.data.notice_model import Notice, NoticeDelivery

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def settings(database_url, tmp_path, pki_dir, smtp, sms):
    return emailing(with_secrets(make_settings(tmp_path / "data", database_url, pki_dir)), smtp, sms_url=sms.url,
                    sms_token=SMS_TOKEN, notify_max_attempts=3, public_url="https://dvc.example.vn")


def sessions(app):
    return app.extensions["tthc"]["sessions"]


def warned_specialist(api, app, settings, clock, email="cu@example.vn", phone="0900000001"):
    """The specialist (with ``email`` and ``phone``) is warned of a dossier due on Fri 27/11/2026 at 09:00;
    the citizen's own notices are already sent. The warning waits in the outbox."""
    with sessions(app).begin() as s:
        user = s.scalar(select(User).where(User.username == "demo.chuyenvien"))
        user.email, user.phone = email, phone
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    dispatch.dispatch(sessions(app), settings, clock.now())
    timers.sweep(sessions(app), settings, vn(2026, 11, 26, 9, 0))


def test_a_queued_warning_goes_to_the_officers_new_email_and_phone_and_the_change_to_the_old_ones(
        api, app, settings, clock, smtp, sms):
    """D28: an administrator changes an officer's email and phone while a warning waits to be sent: the warning
    goes to the new ones; the notice telling of the change goes to the old ones, as it was written to."""
    warned_specialist(api, app, settings, clock)
    smtp.mailbox.messages.clear()
    sms.messages.clear()
    with sessions(app).begin() as s:
        staff.update(s, vn(2026, 11, 26, 9, 1), None, "demo.chuyenvien",
                     {"email": "moi@example.vn", "phone": "0900000002"}, settings=settings)
    dispatch.dispatch(sessions(app), settings, vn(2026, 11, 26, 9, 2))
    warned = sorted((m["To"], "sắp đến hạn" in m["Subject"]) for m in smtp.mailbox.messages)
    texted = sorted((m["to"], "sắp đến hạn" in m["text"]) for m in sms.messages)
    assert warned == [("cu@example.vn", False), ("moi@example.vn", True)], warned
    assert texted == [("0900000001", False), ("0900000002", True)], texted


def test_a_queued_warning_is_not_sent_on_a_channel_the_officer_no_longer_has(api, app, settings, clock, smtp, sms):
    """D28: the officer's email is removed while a warning waits: it is not mailed to the old address (the
    delivery ends as not sent, with the reason); the SMS still goes to the unchanged phone."""
    warned_specialist(api, app, settings, clock)
    smtp.mailbox.messages.clear()
    with sessions(app).begin() as s:
        staff.update(s, vn(2026, 11, 26, 9, 1), None, "demo.chuyenvien", {"email": None}, settings=settings)
    dispatch.dispatch(sessions(app), settings, vn(2026, 11, 26, 9, 2))
    assert not [m for m in smtp.mailbox.messages if "sắp đến hạn" in m["Subject"]]
    assert [m["to"] for m in sms.messages if "sắp đến hạn" in m["text"]] == ["0900000001"]
    with sessions(app)() as s:
        (ended,) = s.execute(select(NoticeDelivery).join(Notice).where(
            Notice.event == "warning", NoticeDelivery.channel == "email")).scalars()
        assert ended.state == "dead" and "không còn" in ended.last_error


def test_after_the_desk_takes_over_a_self_registered_account_its_receipt_goes_to_the_real_holder(
        api, app, settings, clock, smtp, sms):
    """D28 (D3): someone registered another person's CCCD online with their own email and phone and filed; the
    real holder comes to the desk and the account becomes theirs. The receipt still waiting is sent to the
    holder's email and phone, nothing of the dossier to the registrant's (who is told only of the change)."""
    with sessions(app).begin() as s:
        accounts.register_citizen(s, clock.now(), {"full_name": "Kẻ Mạo Danh", "cccd": OTHER_CITIZEN,
                                                   "cccd_issued_on": "2020-01-01", "phone": "0911000111",
                                                   "email": "mao.danh@example.vn", "password": "matkhau123"})
    token = api.client.post("/api/v1/auth/token", json={"username": OTHER_CITIZEN, "password": "matkhau123"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    filed = api.client.post("/api/v1/dossiers", headers=headers, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    assert filed.status_code == 201, filed.get_json()
    code = filed.get_json()["code"]
    api.act("demo.tiepnhan", code, "receive")
    with sessions(app).begin() as s:
        officer = s.scalar(select(User).where(User.username == "demo.tiepnhan"))
        citizens.create_at_desk(s, settings, clock.now(), officer, {
            "full_name": "Phan Thị Thật", "cccd": OTHER_CITIZEN, "cccd_issued_on": "2021-05-05",
            "phone": "0933444555", "email": "that@example.vn"})
    dispatch.dispatch(sessions(app), settings, clock.now())
    to_registrant = [m["Subject"] for m in smtp.mailbox.messages if m["To"] == "mao.danh@example.vn"] + \
        [m["text"] for m in sms.messages if m["to"] == "0911000111"]
    assert not [t for t in to_registrant if code in t], to_registrant
    assert [m for m in smtp.mailbox.messages if m["To"] == "that@example.vn" and code in m["Subject"]]
    assert [m for m in sms.messages if m["to"] == "0933444555" and code in m["text"]]


def dead_warning(api, app, settings, clock) -> int:
    """The specialist's warning mailed to a wrong address, refused by the mail server until it is dead."""
    warned_specialist(api, app, settings, clock, email="sai.dia.chi@example.vn")
    dispatch.dispatch(sessions(app), settings.replace(smtp_port=1, notify_max_attempts=1), vn(2026, 11, 26, 9, 1))
    with sessions(app)() as s:
        (dead_id,) = [d.id for d, n in dispatch.dead_letters(s) if n.event == "warning"]
    return dead_id


def test_sending_a_dead_letter_again_after_the_email_was_corrected_uses_the_corrected_email(
        api, app, settings, clock, smtp):
    """D28: the administrator corrects the officer's wrong email, then sends the dead letter again: it goes to
    the corrected address."""
    dead_id = dead_warning(api, app, settings, clock)
    with sessions(app).begin() as s:
        staff.update(s, vn(2026, 11, 26, 9, 5), None, "demo.chuyenvien", {"email": "dung.dia.chi@example.vn"},
                     settings=settings)
    with sessions(app).begin() as s:
        assert dispatch.retry(s, dead_id, vn(2026, 11, 26, 9, 6))
    smtp.mailbox.messages.clear()
    dispatch.dispatch(sessions(app), settings, vn(2026, 11, 26, 9, 7))
    assert [m["To"] for m in smtp.mailbox.messages if "sắp đến hạn" in m["Subject"]] == ["dung.dia.chi@example.vn"]


def test_sending_a_dead_letter_again_is_refused_when_the_person_has_no_email_any_more(api, app, settings, clock):
    """D28: a dead email of an officer whose email was removed cannot be sent again (there is nowhere to send
    it): the administrator is told why and the letter stays dead."""
    dead_id = dead_warning(api, app, settings, clock)
    with sessions(app).begin() as s:
        staff.update(s, vn(2026, 11, 26, 9, 5), None, "demo.chuyenvien", {"email": None}, settings=settings)
    with sessions(app).begin() as s, pytest.raises(Conflict, match="không còn địa chỉ thư điện tử"):
        dispatch.retry(s, dead_id, vn(2026, 11, 26, 9, 6))
    with sessions(app)() as s:
        assert s.get(NoticeDelivery, dead_id).state == "dead"


def test_the_administrators_send_again_on_a_letter_with_nowhere_to_go_says_why_on_the_list(
        api, app, settings, clock):
    """D28, README (notifications): "send again" from /quan-tri/thong-bao on a dead email of an officer who no
    longer has an email is refused on the list itself, with the reason (never an error page), and the letter
    stays listed, dead."""
    dead_id = dead_warning(api, app, settings, clock)
    with sessions(app).begin() as s:
        staff.update(s, vn(2026, 11, 26, 9, 5), None, "demo.chuyenvien", {"email": None}, settings=settings)
    admin = Web(app.test_client()).login("demo.admin")
    admin.post(f"/quan-tri/thong-bao/{dead_id}/gui-lai", status=302)
    page = admin.get("/quan-tri/thong-bao").get_data(as_text=True)
    assert "không còn địa chỉ thư điện tử" in page and f'data-delivery="{dead_id}"' in page
    with sessions(app)() as s:
        assert s.get(NoticeDelivery, dead_id).state == "dead"


def test_a_batch_claims_no_more_than_it_can_send_before_its_lease_runs_out(app, settings, clock, smtp):
    """D28 (sent at least once, shown once): with a 45 s lease and 15 s per send, one batch claims three
    messages, so a second dispatcher beating while the first still sends takes none of them again."""
    settings = settings.replace(notify_lease_seconds=45.0, notify_batch=50, sms_url=None)
    now = clock.now()
    with sessions(app).begin() as s:
        user = s.scalar(select(User).where(User.username == CITIZEN))
        for i in range(5):
            notices.notify(s, settings, "operation", now=now, users=[user],
                           context={"how": "suspend", "reason": f"lý do {i}", "code": f"X{i}"})
    second = []

    def slow(out):  # each send takes the whole timeout; after the third, the lease of the first batch is over
        if not second and len(smtp.mailbox.messages) == 3:
            second.append(dispatch.dispatch(sessions(app), settings, now + timedelta(seconds=46)))

    first = dispatch.dispatch(sessions(app), settings, now, after_send=slow)
    assert (first.claimed, first.sent, first.lost) == (3, 3, 0)
    assert (second[0].claimed, second[0].sent) == (2, 2)
    assert [i for i, n in Counter(smtp.mailbox.ids()).items() if n > 1] == []


def test_a_warning_in_flight_when_the_email_changes_is_sent_again_to_the_new_email(api, app, settings, clock, smtp):
    """D28: the warning is claimed ('sending') to the old email; the administrator changes the email before the
    send is recorded: the claim ends (the send in flight may arrive at the old address) and the warning goes to
    the new email once the claim's lease is over. The row never says sent to an address that did not get it."""
    warned_specialist(api, app, settings, clock)
    smtp.mailbox.messages.clear()
    now = vn(2026, 11, 26, 9, 2)
    claimed = [c for c in dispatch.claim(sessions(app), settings, now) if c[0].channel == "email"]
    assert [out.address for out, _token, _n in claimed] == ["cu@example.vn"]
    with sessions(app).begin() as s:
        staff.update(s, now, None, "demo.chuyenvien", {"email": "moi@example.vn"}, settings=settings)
    (out, token, _n), = claimed
    assert not dispatch._record(sessions(app), out.delivery_id, token, {"state": "sent", "sent_at": now,
                                                                        "claim_token": None})
    after_lease = now + timedelta(seconds=settings.notify_lease_seconds)
    dispatch.dispatch(sessions(app), settings, after_lease)
    assert [m["To"] for m in smtp.mailbox.messages if "sắp đến hạn" in m["Subject"]] == ["moi@example.vn"]
    with sessions(app)() as s:
        row = s.get(NoticeDelivery, out.delivery_id)
        assert (row.state, row.address) == ("sent", "moi@example.vn")


def test_a_code_ended_when_the_desk_took_the_account_over_is_never_sent_again(api, app, settings, clock, smtp, sms):
    """D3, D28: someone registered a stranger's CCCD and asked a reset code; the desk gives the account to the
    card's holder, which ends the code: the administrator's "send again" of that code is refused (409
    code_expired), so nothing more reaches whoever made the account."""
    from engine.cases import onetime
    with sessions(app).begin() as s:
        registrant = accounts.register_citizen(s, clock.now(), {
            "full_name": "Kẻ Mạo Danh", "cccd": OTHER_CITIZEN, "cccd_issued_on": "2020-01-01",
            "phone": "0911000111", "email": "mao.danh@example.vn", "password": "matkhau123"})
        onetime.issue(s, settings, registrant, "reset", clock.now())
    with sessions(app).begin() as s:
        officer = s.scalar(select(User).where(User.username == "demo.tiepnhan"))
        citizens.create_at_desk(s, settings, clock.now(), officer, {
            "full_name": "Phan Thị Thật", "cccd": OTHER_CITIZEN, "cccd_issued_on": "2021-05-05",
            "phone": "0933444555", "email": "that@example.vn"})
    with sessions(app)() as s:
        ended = [d.id for d, n in dispatch.dead_letters(s) if n.event == "one_time_code"]
    assert ended
    for delivery_id in ended:
        with sessions(app).begin() as s, pytest.raises(Conflict, match="hết hiệu lực"):
            dispatch.retry(s, delivery_id, clock.now())
    smtp.mailbox.messages.clear()
    sms.messages.clear()
    dispatch.dispatch(sessions(app), settings, clock.now())
    to_registrant = [m["Subject"] for m in smtp.mailbox.messages if m["To"] == "mao.danh@example.vn"] + \
        [m["text"] for m in sms.messages if m["to"] == "0911000111"]
    # only the notice that the account changed hands, written to the addresses known before (tell_account)
    assert not [t for t in to_registrant if "đặt lại" in t.lower()], to_registrant
