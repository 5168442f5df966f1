"""Deploying the BPMN file the upload page has just checked (/quan-tri/thu-tuc/tai-len).

A browser never keeps a chosen file across a page load: after "Kiểm tra" said the file can be deployed, the
"Triển khai" of the same form found the file field empty. The page now keeps the checked files for this
administrator's sign-in session and offers "Triển khai tệp vừa kiểm tra": once, for 30 minutes, in that session
only. The check itself says what it said before; the fields ask for the files again otherwise.

Clock: Mon 23/11/2026 09:00 (Vietnam), moved by hand.
"""
from __future__ import annotations

import re

from conftest import SAMPLE_CODE, vn
from test_admin_versions import admin, upload
from test_versions import variant
from web_support import text_of

BASE = f"/quan-tri/thu-tuc/{SAMPLE_CODE}"
TOKEN_RE = re.compile(r'name="checked" value="([^"]+)"')


def checked(web) -> str:
    """Check a deployable variant (5 working days); the token of its "deploy what was checked" button."""
    r = upload(web, variant(duration="5"), False, 200)
    page = text_of(r)
    assert "Không có lỗi" in page and "có thể triển khai" in page  # the check's result as before
    assert "Triển khai tệp vừa kiểm tra" in page and "Chọn lại tệp trước khi triển khai" in page
    found = TOKEN_RE.search(r.get_data(as_text=True))
    assert found, "no button to deploy the checked file"
    return found.group(1)


def test_the_checked_file_is_deployed_without_choosing_it_again(app, backend):
    web = admin(app)
    token = checked(web)
    r = web.post("/quan-tri/thu-tuc/tai-len", {"checked": token, "deploy": "1"}, status=302)
    assert r.headers["Location"].endswith(BASE)
    page = text_of(web.get(BASE))
    assert "Phiên bản 2" in page and "Đổi thời hạn giải quyết" in page
    # once only: the same button again deploys nothing and asks for the files
    page = text_of(web.post("/quan-tri/thu-tuc/tai-len", {"checked": token, "deploy": "1"}, status=422))
    assert "Chọn lại tệp" in page
    assert "Phiên bản 3" not in text_of(web.get(BASE))


def test_the_checked_file_belongs_to_its_session_and_expires(app, clock):
    clock.set(vn(2026, 11, 23, 9, 0))
    token = checked(admin(app))
    other = admin(app)  # the same administrator signed in elsewhere
    assert "Chọn lại tệp" in text_of(other.post("/quan-tri/thu-tuc/tai-len", {"checked": token, "deploy": "1"},
                                                 status=422))
    web = admin(app)
    token = checked(web)
    clock.set(vn(2026, 11, 23, 9, 31))  # 31 minutes after the check
    assert "Chọn lại tệp" in text_of(web.post("/quan-tri/thu-tuc/tai-len", {"checked": token, "deploy": "1"},
                                              status=422))
    assert "Phiên bản 2" not in text_of(web.get(BASE))
