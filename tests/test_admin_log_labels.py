"""The administrators' log (/quan-tri/nhat-ky) names every administrative action in words (D29: every
administrative action is audited, and read by people): an action recorded by the engine without a label showed its
code ("citizen.unseat", the desk or the e-ID locking a self-registered account that held someone's CCCD)."""
from __future__ import annotations

import re
from pathlib import Path

from engine.web.admin_ops import ADMIN_ACTION_TEXT

ENGINE = Path(__file__).resolve().parent.parent / "engine"
AUDITED = re.compile(r'(?:administration\.audit|record_admin)\(\s*session,\s*[^,]+,\s*[^,]+,\s*"([a-z_.]+)"')


def test_every_action_the_engine_audits_has_its_words_on_the_log_page():
    actions = {m.group(1) for path in ENGINE.rglob("*.py") for m in AUDITED.finditer(path.read_text("utf-8"))}
    assert "citizen.unseat" in actions and "officer.create" in actions  # the search finds what it looks for
    assert sorted(actions - set(ADMIN_ACTION_TEXT)) == []


def test_an_import_and_an_officers_roles_and_hours_read_in_words_on_the_log_page(app):
    """A review found "Cán bộ 2 of 7 rows", "imported_row: 1501", "Vai trò: specialist" and "mon: 07:00-11:30"
    on the log page: the import's count, its rows, the roles and the weekdays are said in words."""
    import io

    from web_support import Web, text_of

    web = Web(app.test_client()).login("demo.admin")
    csv = ("username,full_name,agency,roles,email,phone\n"
           "nhap.mot,Nguyễn Văn Nhập,000.00.06.H56,specialist,,0905000111\n"
           ",Không Tên,000.00.06.H56,specialist,,0905000112\n"
           "sun,Tên Là Sun,999.99.99.H99,specialist,,0905000113\n")  # a user name that is a weekday's code
    web.post("/quan-tri/can-bo/nhap", {"file": (io.BytesIO(csv.encode()), "can-bo.csv")}, status=200,
             content_type="multipart/form-data")
    web.post("/quan-tri/co-quan/000.00.06.H56", {"name": "Ủy ban nhân dân phường Thuận Hóa (demo)",
                                                  "level": "commune", "parent": "000.00.00.H56",
                                                  "office_hours": "mon 07:00-11:30 13:30-17:00"}, status=None)
    page = text_of(web.get("/quan-tri/nhat-ky"))
    assert "1/3 dòng" in page and " of " not in page, page
    assert "dòng 4 (sun): " in page and "Chủ nhật: " not in page.split("Giờ làm việc")[0], page  # the skipped user
    assert "Dòng trong tệp nhập: 2" in page and "imported_row" not in page
    assert "dòng 3" in page and "row 3" not in page
    assert "Vai trò: Chuyên viên" in page and "specialist" not in page
    assert "Giờ làm việc" in page and "Thứ Hai: 07:00-11:30" in page and "mon:" not in page, page
