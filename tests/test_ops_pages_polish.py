"""What the operator-facing pages show, and to whom.

- While the database is not upgraded, a visitor gets a plain maintenance message (in their language), with a
  Retry-After, never the operator's instruction (a file path, `tthc db upgrade`): that goes to the server log.
- The administrators' list of dead letters (D28, D29) shows where a "send again" would go (the person's address
  now, and the old one when it differs), says in Vietnamese why the sending failed (the mail or SMS library's
  own text kept in a details element), and lists a dead one-time code masked and without "send again".
"""
from __future__ import annotations

import logging
import re

import pytest
from conftest import CITIZEN
from sqlalchemy import select
from test_schema_revision_guard import behind  # noqa: F401 (a fixture: the database one revision behind)
from web_support import Web

from engine.data.model import User
from engine.data.notice_model import Notice, NoticeDelivery


@pytest.fixture
def backend():
    return "sqlite"


def test_a_visitor_of_a_database_not_upgraded_gets_a_maintenance_page_without_the_operators_instruction(
        behind, caplog):
    """Maintenance: the page says to come back later and when (Retry-After); the instruction to run `tthc db
    upgrade` (and any file path) is for the operator and goes to the server log only."""
    with caplog.at_level(logging.WARNING, logger="engine.web"):
        answer = behind.test_client().get("/tra-cuu?q=HS-1")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503, page[:300]
    assert answer.headers.get("Retry-After") == "60"
    assert "bảo trì" in page and "quay lại sau" in page
    assert "tthc db upgrade" not in page and "nâng cấp" not in page
    assert any("tthc db upgrade" in r.getMessage() for r in caplog.records)
    # every form is refused until the upgrade (503): the page offers none, the language switch included
    assert 'action="/ngon-ngu"' not in page and "<form" not in page.split("<main", 1)[0]


def test_a_script_or_api_client_of_a_database_not_upgraded_gets_the_public_message_and_retry_after(behind):
    """The API keeps its error code database_not_upgraded (api.md) and says only that the system is under
    maintenance, with Retry-After; a page's script asking for JSON gets the same."""
    for path, headers in (("/api/v1/dossiers/HS-1", {}), ("/tra-cuu", {"Accept": "application/json"})):
        answer = behind.test_client().get(path, headers=headers)
        assert answer.status_code == 503 and answer.headers.get("Retry-After") == "60"
        error = answer.get_json()["error"]
        assert error["code"] == "database_not_upgraded"
        assert "bảo trì" in error["message"] and "tthc" not in error["message"]


def test_a_visitor_who_chose_english_reads_the_maintenance_message_in_english(behind):
    """The language the visitor chose (the session's, as every page) holds for the maintenance page too."""
    client = behind.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/tra-cuu").get_data(as_text=True)
    assert "maintenance" in page.lower() and "bảo trì" not in page
    error = client.get("/tra-cuu", headers={"Accept": "application/json"}).get_json()["error"]
    assert "maintenance" in error["message"].lower()


def dead_row(page: str, delivery_id: int) -> str:
    found = re.search(rf'<tr data-delivery="{delivery_id}">(.*?)</tr>', page, re.S)
    assert found, page[:2000]
    return found.group(1)


def test_the_dead_letter_list_shows_the_current_address_and_explains_the_failure_in_vietnamese(api, app, clock):
    """D28: a "send again" goes to the person's address now, so the list shows that one (and the one the letter
    was first written to, which differs); the mail server's English is explained in Vietnamese and kept in a
    details element for whoever fixes the server."""
    sessions = app.extensions["tthc"]["sessions"]
    api.file(CITIZEN)
    raw = "SMTP mail.example.vn:25: SMTPRecipientsRefused: {'cu@example.vn': (550, b'5.1.1 User unknown')}"
    with sessions.begin() as session:
        person = session.scalar(select(User).where(User.username == CITIZEN))
        notice = session.scalar(select(Notice).where(Notice.user_id == person.id, Notice.event == "filed"))
        delivery = NoticeDelivery(notice_id=notice.id, channel="email", address="cu@example.vn", state="dead",
                                  attempts=3, next_attempt_at=clock.now(), last_error=raw)
        session.add(delivery)
        person.email = "moi@example.vn"
        session.flush()
        delivery_id = delivery.id
    row = dead_row(Web(app.test_client()).login("demo.admin").get("/quan-tri/thong-bao").get_data(as_text=True),
                   delivery_id)
    assert "moi@example.vn" in row and "cu@example.vn" in row
    assert row.index("moi@example.vn") < row.index("cu@example.vn")  # the current one first
    assert "Máy chủ thư từ chối địa chỉ người nhận" in row
    assert "<details" in row and "SMTPRecipientsRefused" in row


def test_a_dead_one_time_code_is_listed_masked_and_cannot_be_sent_again_from_the_list(app, clock):
    """A one-time code is never shown (D28: never listed in the portal, never to an administrator); its dead
    letter tells the administrator the channel failed, but offers no "send again": the code has expired long
    before anyone reads the list, and the person asks a new one."""
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:
        person = session.scalar(select(User).where(User.username == "demo.vanthu"))  # a signing confirmation
        notice = Notice(user_id=person.id, event="one_time_code", title="Mã đăng nhập 987654",
                        body="Mã xác thực của bạn là 987654", created_at=clock.now(), read_at=clock.now())
        notice.deliveries = [NoticeDelivery(channel="sms", address="0912345678", state="dead", attempts=3,
                                            next_attempt_at=clock.now(), last_error="SMS provider answered 503")]
        session.add(notice)
        session.flush()
        delivery_id = notice.deliveries[0].id
    page = Web(app.test_client()).login("demo.admin").get("/quan-tri/thong-bao").get_data(as_text=True)
    row = dead_row(page, delivery_id)
    assert "987654" not in page
    assert "Mã xác thực một lần" in row and "Nhà cung cấp SMS" in row
    assert f"/quan-tri/thong-bao/{delivery_id}/gui-lai" not in row


def test_a_dead_letter_whose_person_has_no_address_now_asks_for_one_instead_of_send_again(api, app, clock):
    """D28: "send again" goes to the person's address now; with none on that channel it would only be refused
    (409 no_address), so the row says to update the contact details and offers no button."""
    sessions = app.extensions["tthc"]["sessions"]
    api.file(CITIZEN)
    with sessions.begin() as session:
        person = session.scalar(select(User).where(User.username == CITIZEN))
        notice = session.scalar(select(Notice).where(Notice.user_id == person.id, Notice.event == "filed"))
        delivery = NoticeDelivery(notice_id=notice.id, channel="email", address="cu@example.vn", state="dead",
                                  attempts=3, next_attempt_at=clock.now(), last_error="SMTP x:25: OSError: down")
        session.add(delivery)
        person.email = None
        session.flush()
        delivery_id = delivery.id
    row = dead_row(Web(app.test_client()).login("demo.admin").get("/quan-tri/thong-bao").get_data(as_text=True),
                   delivery_id)
    assert "Không còn địa chỉ trên kênh này" in row and "cu@example.vn" in row
    assert "Cập nhật thông tin liên hệ" in row and "gui-lai" not in row
