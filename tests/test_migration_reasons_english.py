"""Why a dossier was not moved to another version, as an English page says it (engine.web.migration_words): the
administrator's page of a batch move listed the engine's Vietnamese reasons under its English heading."""
from __future__ import annotations

import re

from conftest import CITIZEN
from test_admin_versions import upload
from test_versions import variant
from web_support import Web, text_of

from engine.web import migration_words


def in_english(app, user: str) -> Web:
    web = Web(app.test_client())
    web.login(user)
    web.post("/ngon-ngu", {"lang": "en", "next": "/"}, status=302)
    return web


def test_a_batch_move_says_why_in_english(app, api):
    api.file(CITIZEN)  # waiting for its intake check: that open step is renamed in version 2, so it stays
    web = in_english(app, "demo.admin")
    upload(web, variant(rename_intake=True), True, 302)
    page = text_of(web.post("/quan-tri/thu-tuc/1.001612/phien-ban/1/chuyen?den=2", {"confirm": "1"}))
    assert "Not moved" in page
    assert re.search(r"the open step '.+' has another id in the new version \(tiep_nhan → ", page) or \
        "is no longer in the new version" in page, page[-1500:]
    assert "đang mở có mã khác" not in page and "không còn trong phiên bản mới" not in page  # was Vietnamese


def test_every_reason_the_engine_writes_has_its_english(app):
    reasons = ["hồ sơ đã kết thúc", "chỉ chuyển sang phiên bản mới hơn phiên bản 2 hồ sơ đang theo",
               "phiên bản 3 không đang áp dụng",
               "thời hạn giải quyết của phiên bản 3 khác thời hạn đã hẹn khi tiếp nhận hồ sơ theo phiên bản 1",
               "tờ khai của hồ sơ không đáp ứng biểu mẫu nộp của phiên bản 2 (trường: ho_ten, dia_chi)",
               "quy trình con 'tham_dinh': bước 'Thẩm định' đang mở đổi loại bước (assessment → approval)",
               "hẹn giờ hoặc sự kiện 'Chờ' đang chờ đã thay đổi (không thể đặt lại mà không đổi hạn đã báo)"]
    with app.test_request_context("/"):
        from flask_babel import force_locale
        with force_locale("en"):
            said = [migration_words.reason_text(reason) for reason in reasons]
    assert said == ["the dossier has ended", "a dossier moves only to a version newer than the one it follows (2)",
                    "version 3 is not in force",
                    "the processing time of version 3 differs from the one promised at receipt under version 1",
                    "the dossier's form does not meet the filing form of version 2 (fields: ho_ten, dia_chi)",
                    "subprocess 'tham_dinh': the open step 'Thẩm định' changes its kind of step "
                    "(assessment → approval)",
                    "the timer or event 'Chờ' waited for has changed (it cannot be set again without changing a "
                    "date already announced)"]
    with app.test_request_context("/"):
        assert migration_words.reason_text(reasons[0]) == reasons[0]  # a Vietnamese page: as written
