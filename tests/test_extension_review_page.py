"""D17, D18: the department leader and the one-stop centre confirm an extension on the task page; the page shows
what they confirm (who asked and when, how much working time, why, the due now and the new one it would give)
and by when it must be confirmed, read from the pending request without changing anything."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, vn
from web_support import Web, dossier_row, text_of


@pytest.fixture
def backend():
    return "sqlite"


def officer(app, user: str) -> Web:
    return Web(app.test_client()).login(user)


def _task_text(web: Web, code: str) -> str:
    return text_of(web.get(f"/can-bo/cong-viec/{web.task_id(code)}"))


def test_the_leader_and_the_centre_see_the_extension_they_confirm_and_its_deadline(app, clock):
    """D17: the leader, then the centre, confirm a request they can read: the specialist's name and time, the
    amount in working time, the reason, the due now (27/11 09:00) and the one it would give (30/11 09:00, 24/11
    being a holiday); D18: a 3-working-day procedure is extended at least 1 working day before its due, so by
    26/11 09:00. Showing it changes nothing."""
    code = Web(app.test_client()).login(CITIZEN).file_code()
    officer(app, "demo.tiepnhan").act(code, "receive")
    clock.set(vn(2026, 11, 25, 10, 0))
    officer(app, "demo.chuyenvien").act(code, "request_extension",
                                        {"amount": "1", "unit": "working_days", "reason": "Cần xác minh thêm"})
    leader = officer(app, "demo.lanhdao")
    page = _task_text(leader, code)
    assert "Đề nghị gia hạn cần xác nhận" in page and "Lê Văn Chuyên" in page and "25/11/2026 10:00" in page
    assert "Thời gian gia hạn 1 ngày làm việc" in page and "Lý do Cần xác minh thêm" in page
    assert "Hạn trả kết quả hiện tại 27/11/2026 09:00" in page
    assert "Hạn mới nếu được gia hạn 30/11/2026 09:00" in page
    assert "chậm nhất 1 ngày làm việc trước hạn trả kết quả, tức trước 26/11/2026 09:00" in page
    row = dossier_row(app, code)
    assert row.extensions == 0 and row.due_at == vn(2026, 11, 27, 9, 0)  # only shown, nothing written
    leader.act(code, "confirm_extension", {"f.ghi_chu": "Đồng ý"})
    page = _task_text(officer(app, "demo.giamdoc"), code)
    assert "Thời gian gia hạn 1 ngày làm việc" in page and "Lý do Cần xác minh thêm" in page
    assert "Hạn mới nếu được gia hạn 30/11/2026 09:00" in page and "Lãnh đạo phòng đã đồng ý" in page
    assert "tức trước 26/11/2026 09:00" in page


def test_an_extension_in_working_hours_reads_in_hours_and_minutes(app, clock):
    """D18: an amount under a working day reads in hours and minutes, counted from the due on working time."""
    code = Web(app.test_client()).login(CITIZEN).file_code()
    officer(app, "demo.tiepnhan").act(code, "receive")
    clock.set(vn(2026, 11, 25, 10, 0))
    officer(app, "demo.chuyenvien").act(code, "request_extension",
                                        {"amount": "2,5", "unit": "working_hours", "reason": "Chờ kết quả xác minh"})
    page = _task_text(officer(app, "demo.lanhdao"), code)
    assert "Thời gian gia hạn 2 giờ 30 phút làm việc" in page
    assert "Hạn mới nếu được gia hạn 27/11/2026 11:30" in page
