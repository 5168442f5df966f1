"""What a page's script (fetch, ``Accept: application/json``; engine/web/static/js/answers.js) is answered when the
server refuses it: the project's error shape ``{"error": {"code", "message", "fields"}}`` with the status, in the
page's language, never an HTML page nor a redirect to the login page the script cannot show: an expired CSRF
token (the page open for hours, a server restarted with another secret), a session ended, 403, 404, 409, 413,
422 with the engine's own message. A browser's navigation (HTML first) still gets the pages it always got."""
from __future__ import annotations

import pytest
from flask import Blueprint

from conftest import CITIZEN, SAMPLE_CODE
from engine.core.errors import Conflict
from engine.web.ui import install_error_pages
from web_support import new_client

JSON = {"Accept": "application/json"}
NAVIGATION = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"}
CHECK = f"/quan-tri/thu-tuc/{SAMPLE_CODE}/mo-hinh/kiem-tra?version=1"


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert set(error) >= {"code", "message", "fields"} and "Traceback" not in error["message"]
    return error


def test_a_stale_csrf_token_tells_the_script_the_session_expired(app):
    admin = new_client(app).login("demo.admin")
    for token in (None, "IjAwMDAi.stale-token-of-another-secret"):  # none kept; one the server cannot read
        data = {"xml": "<x/>"} | ({"csrf_token": token} if token else {})
        error = error_of(admin.client.post(CHECK, data=data, headers=JSON), 400)
        assert error["code"] == "csrf_invalid"
        assert error["message"] == ("Phiên làm việc đã hết hạn. Hãy tải lại trang rồi thử lại. "
                                    "Không có gì được thay đổi.")
    page = admin.client.post(CHECK, data={"xml": "<x/>"}, headers=NAVIGATION)  # a form sent by the browser
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "biểu mẫu thiếu mã bảo vệ (CSRF)" in page.get_data(as_text=True)


def test_the_script_of_a_page_open_past_its_session_is_told_to_sign_in_again(app, clock):
    admin = new_client(app).login("demo.admin")
    token = admin.csrf()
    clock.advance(hours=9)  # the server-side session lasts token_hours (8): the page stayed open all day
    error = error_of(admin.client.post(CHECK, data={"xml": "<x/>", "csrf_token": token}, headers=JSON), 401)
    assert error["code"] == "login_required"
    assert error["message"].startswith("Phiên làm việc đã hết hạn hoặc bạn đã đăng xuất. Hãy tải lại trang, "
                                       "đăng nhập lại rồi thử lại.")
    page = admin.client.get(f"/quan-tri/thu-tuc/{SAMPLE_CODE}/mo-hinh", headers=NAVIGATION)
    assert page.status_code == 302 and "/dang-nhap?next=" in page.headers["Location"]  # pages: as before


def test_an_english_page_script_reads_the_refusal_in_english(app):
    admin = new_client(app).login("demo.admin")
    with admin.client.session_transaction() as session:
        session["lang"] = "en"
    error = error_of(admin.client.post(CHECK, data={"xml": "<x/>"}, headers=JSON), 400)
    assert error["message"].startswith("Your session has expired. Reload the page")


def test_refusals_of_a_page_script_carry_the_servers_message(app, clock):
    officer = new_client(app).login("demo.tiepnhan")
    error = error_of(officer.post(CHECK, {"xml": "<x/>"}, headers=JSON), 403)
    assert error["message"] == "Bạn không có quyền thực hiện thao tác này."
    admin = new_client(app).login("demo.admin")
    error = error_of(admin.post("/quan-tri/thu-tuc/9.999999/mo-hinh/kiem-tra", {"xml": "<x/>"}, headers=JSON), 404)
    assert error["message"]
    error = error_of(admin.post(f"/quan-tri/thu-tuc/{SAMPLE_CODE}/mo-hinh/kiem-tra?version=x", {"xml": "<x/>"},
                                headers=JSON), 422)
    assert error["message"] == "Tham số không hợp lệ" and error["fields"] == {"version": "Một số nguyên dương"}
    limit = app.extensions["tthc"]["settings"].max_request_bytes
    error = error_of(admin.post(CHECK, {"xml": "x" * (limit + 1)}, headers=JSON), 413)
    assert error["message"].startswith("Dữ liệu hoặc tệp gửi lên quá lớn (tối đa 10 MB mỗi lần gửi)")


@pytest.fixture
def conflicting_app(app):
    """A page route that ends in a conflict (the engine's own words), with and without the pages' handlers."""
    pages = Blueprint("conflicting", __name__)
    install_error_pages(pages)
    bare = Blueprint("conflicting_bare", __name__)

    def conflict():
        raise Conflict("Hồ sơ đang được người khác xử lý; hãy tải lại", code="taken")

    pages.post("/can-bo/thu-nghiem/xung-dot")(conflict)
    bare.post("/thu-nghiem/xung-dot")(conflict)
    app.register_blueprint(pages), app.register_blueprint(bare)
    for blueprint in (pages, bare):
        app.extensions["csrf"].exempt(blueprint)
    return app


def test_a_conflict_reaches_the_script_with_the_engines_message(conflicting_app):
    client = conflicting_app.test_client()
    for path in ("/can-bo/thu-nghiem/xung-dot", "/thu-nghiem/xung-dot"):
        error = error_of(client.post(path, headers=JSON), 409)
        assert (error["code"], error["message"]) == ("taken", "Hồ sơ đang được người khác xử lý; hãy tải lại")
        page = client.post(path, headers=NAVIGATION)
        assert page.status_code == 409 and page.mimetype == "text/html"


def test_the_diagram_of_a_page_open_past_its_session_says_so(app, clock):
    code = new_client(app).login(CITIZEN).file_code()
    officer = new_client(app).login("demo.tiepnhan")
    xml = {"Accept": "application/xml, application/json;q=0.9"}  # what the diagram's script asks for
    assert officer.client.get(f"/can-bo/ho-so/{code}/quy-trinh.bpmn", headers=xml).mimetype == "application/xml"
    clock.advance(hours=9)
    error = error_of(officer.client.get(f"/can-bo/ho-so/{code}/quy-trinh.bpmn", headers=xml), 401)
    assert error["code"] == "login_required"
