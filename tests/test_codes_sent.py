"""Where a one-time code went, as the administrator, the desk officer and the audit say it (a review found the
pages saying "sent to the officer's email, SMS" and the audit recording ["email", "sms"] on a service without a
mail server, where only the SMS went): the channels the code really goes on (an address the person has, and a
service configured to carry it), and plainly, with what is missing, when none could."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update
from staff_support import ADMIN_A, OFFICER_A, WARD_A, build_province, last_code
from web_support import Web, text_of

from engine.data.agency_model import AdminEvent
from engine.data.model import User

CONFIGURED = {"none": {}, "sms": {"sms_url": "http://127.0.0.1:9/sms"},
              "both": {"smtp_host": "127.0.0.1", "sms_url": "http://127.0.0.1:9/sms"}}
SAID = {"sms": "qua SMS của cán bộ", "both": "qua thư điện tử và SMS của cán bộ"}
SENT_TO = {"none": [], "sms": ["sms"], "both": ["email", "sms"]}
NEW = {"username": "moi.mot", "full_name": "Nguyễn Văn Mới", "agency": WARD_A, "roles": "specialist",
       "email": "moi.mot@example.vn", "phone": "0905000001"}


@pytest.fixture(params=sorted(CONFIGURED))
def configured(request) -> str:
    return request.param


@pytest.fixture
def settings(settings, configured):
    return settings.replace(**CONFIGURED[configured])


@pytest.fixture
def province(app):
    build_province(app)
    return app


def details(app, action: str, target: str) -> dict:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalars(select(AdminEvent.details).where(AdminEvent.action == action,
                                                                AdminEvent.target == target)
                               .order_by(AdminEvent.id.desc())).first()


def test_creating_an_officer_names_the_channels_the_activation_code_went_on(province, configured):
    web = Web(province.test_client()).login(ADMIN_A)
    page = text_of(web.post("/quan-tri/can-bo", NEW, status=200, follow_redirects=True))
    assert "thư điện tử, SMS" not in page
    if configured == "none":
        assert ("chưa gửi được mã kích hoạt: chưa cấu hình máy chủ thư (smtp_host) và dịch vụ SMS (sms_url)"
                in page), page
    else:
        assert f"Mã kích hoạt đã được gửi {SAID[configured]}" in page, page
    made = details(province, "officer.create", NEW["username"])
    assert made["sent_to"] == SENT_TO[configured]
    assert made["activation"] == ("code not sent" if configured == "none" else "code sent")
    log = text_of(web.get("/quan-tri/nhat-ky"))
    assert ("chưa gửi được mã kích hoạt (chưa cấu hình kênh gửi)" in log) is (configured == "none"), log


def test_a_reset_names_the_channels_the_code_went_on_on_the_page_the_api_and_the_audit(province, api, configured):
    with province.extensions["tthc"]["sessions"].begin() as session:  # both, as the officer had them from the start
        session.execute(update(User).where(User.username == OFFICER_A).values(email="a@example.vn",
                                                                             phone="0905000002"))
    web = Web(province.test_client()).login(ADMIN_A)
    page = text_of(web.post(f"/quan-tri/can-bo/{OFFICER_A}/dat-lai-mat-khau", {}, status=200,
                            follow_redirects=True))
    assert "thư điện tử, SMS" not in page
    if configured == "none":
        assert "Chưa gửi được mã đặt lại mật khẩu: chưa cấu hình máy chủ thư (smtp_host)" in page, page
    else:
        assert f"Đã gửi mã đặt lại mật khẩu {SAID[configured]}" in page, page
    assert details(province, "officer.password_reset", OFFICER_A)["sent_to"] == SENT_TO[configured]
    assert last_code(province, OFFICER_A)  # the code is made all the same: the operator may send it again
    r = api.post(f"/api/v1/officers/{OFFICER_A}/password-reset", ADMIN_A, json={})
    assert r.status_code == 202 and r.get_json()["sent_to"] == SENT_TO[configured], r.get_json()


def test_the_desk_page_says_where_the_citizens_activation_code_went(app, configured):
    web = Web(app.test_client()).login("demo.tiepnhan")
    citizen = {"full_name": "Trần Thị Bàn", "cccd": "046195000777", "cccd_issued_on": "2021-03-04",
               "phone": "0905333777", "email": "ban@example.vn"}
    page = text_of(web.post("/can-bo/cong-dan/tao", citizen, status=200, follow_redirects=True))
    if configured == "none":
        assert "chưa gửi được mã kích hoạt: chưa cấu hình máy chủ thư (smtp_host) và dịch vụ SMS" in page, page
    elif configured == "sms":
        assert "Mã kích hoạt đã được gửi qua SMS của công dân" in page, page
    else:
        assert "Mã kích hoạt đã được gửi qua thư điện tử và SMS của công dân" in page, page


def test_the_desk_api_says_whether_and_where_the_citizens_activation_code_went(app, api, configured):
    """POST /api/v1/citizens/desk answered activation_sent: true whatever the service could send."""
    citizen = {"full_name": "Lê Văn Quầy", "cccd": "046195000778", "cccd_issued_on": "2021-03-04",
               "phone": "0905333778", "email": "quay@example.vn"}
    r = api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=citizen)
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["sent_to"] == SENT_TO[configured]
    assert made["activation_sent"] is (configured != "none")
