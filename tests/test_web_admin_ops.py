"""The administrators' pages of operations: incidents (`/quan-tri/su-co`), a dossier under an administrator's hand
(`/quan-tri/ho-so/<code>`) and the audit (`/quan-tri/nhat-ky`): CSRF on every form, a confirmation step before
anything changes, 403 pages outside one's subtree, Vietnamese text."""
from __future__ import annotations

from conftest import Api
from sqlalchemy import select, update
from test_operations import break_dossier, other_agency_admin, received, row, sessions
from lxml import html
from web_support import Web, text_of

from engine import timers
from engine.data.agency_model import AdminEvent
from engine.data.model import AuditEvent, Dossier, Incident

ADMIN = "demo.admin"


def page_of(response):
    return html.fromstring(response.get_data(as_text=True))


def admin_web(app, username: str = ADMIN) -> Web:
    return Web(app.test_client()).login(username)


def test_suspending_from_the_page_asks_for_a_confirmation_then_shows_it_in_the_inbox(app, clock):
    code = received(Api(app.test_client()))
    web = admin_web(app)
    page = text_of(web.get(f"/quan-tri/ho-so/{code}"))
    assert "Tạm dừng hồ sơ" in page and "Tiếp tục hồ sơ" not in page
    # first post: the confirmation step, nothing changed
    r = web.post(f"/quan-tri/ho-so/{code}/tam-dung", {"reason": "Chờ xác minh"}, status=200)
    assert "Xác nhận" in text_of(r) and "Chờ xác minh" in r.get_data(as_text=True)
    assert row(app, code).suspended_at is None
    # confirmed without a reason: asked again, nothing changed
    r = web.post(f"/quan-tri/ho-so/{code}/tam-dung", {"reason": "", "confirm": "1"}, status=200)
    assert "Nhập lý do" in text_of(r) and row(app, code).suspended_at is None
    # without the CSRF token: refused, nothing changed
    web.post(f"/quan-tri/ho-so/{code}/tam-dung", {"reason": "Chờ xác minh", "confirm": "1"}, csrf=False, status=400)
    assert row(app, code).suspended_at is None
    r = web.post(f"/quan-tri/ho-so/{code}/tam-dung", {"reason": "Chờ xác minh", "confirm": "1"}, status=302)
    assert r.headers["Location"].endswith(f"/quan-tri/ho-so/{code}")
    page = text_of(web.get(f"/quan-tri/ho-so/{code}"))
    assert f"Đã tạm dừng hồ sơ {code}." in page and "Đang tạm dừng từ" in page and "Tiếp tục hồ sơ" in page
    specialist = Web(app.test_client()).login("demo.chuyenvien")
    inbox = specialist.get("/can-bo/cong-viec").get_data(as_text=True)
    assert f'data-dossier="{code}"' in inbox and 'data-suspended="1"' in inbox
    assert "Quản trị viên tạm dừng hồ sơ từ" in text_of(specialist.get(f"/can-bo/ho-so/{code}"))
    web.post(f"/quan-tri/ho-so/{code}/tiep-tuc", {"reason": "Đã xác minh xong", "confirm": "1"}, status=302)
    assert row(app, code).suspended_at is None
    assert 'data-suspended="1"' not in specialist.get("/can-bo/cong-viec").get_data(as_text=True)
    assert "Quản trị viên tiếp tục hồ sơ" in text_of(specialist.get(f"/can-bo/ho-so/{code}"))  # the history


def test_terminating_from_the_page(app, clock):
    code = received(Api(app.test_client()))
    web = admin_web(app)
    web.post(f"/quan-tri/ho-so/{code}/cham-dut", {"reason": "Hồ sơ nộp trùng", "confirm": "1"}, status=302)
    page = text_of(web.get(f"/quan-tri/ho-so/{code}"))
    assert "Hồ sơ đã kết thúc; không còn thao tác nào." in page and "Dừng xử lý" in page
    r = web.post(f"/quan-tri/ho-so/{code}/tam-dung", {"reason": "sau khi dừng", "confirm": "1"})
    assert r.status_code == 409 and "Xung đột" in text_of(r)


def test_the_pages_refuse_others_with_a_403_page(app, clock):
    code = received(Api(app.test_client()))
    outsider = admin_web(app, other_agency_admin(app, clock))
    r = outsider.get(f"/quan-tri/ho-so/{code}", status=404)  # another agency's dossier: as one that does not exist
    assert "Không tìm thấy hồ sơ" in text_of(r)
    outsider.post(f"/quan-tri/ho-so/{code}/tam-dung", {"reason": "không phải của tôi", "confirm": "1"}, status=404)
    assert row(app, code).suspended_at is None
    officer = Web(app.test_client()).login("demo.tiepnhan")
    for path in ("/quan-tri/su-co", "/quan-tri/nhat-ky", f"/quan-tri/ho-so/{code}"):
        officer.get(path, status=403)
    admin_web(app).get("/quan-tri/ho-so/000.00.06.H56-261123-9999", status=404)


def test_incidents_page_retries_and_skips_with_a_confirmation(app, settings, clock):
    api = Api(app.test_client())
    first, second = received(api), received(api)
    good = break_dossier(app, first, clock.now())
    break_dossier(app, second, clock.now())
    timers.sweep(sessions(app), settings, clock.now())
    web = admin_web(app)
    page = web.get("/quan-tri/su-co").get_data(as_text=True)
    assert page.count('data-state="open"') == 2 and first in page and second in page
    with sessions(app)() as session:
        ids = {code: session.scalar(select(Incident.id).join(Dossier, Dossier.id == Incident.dossier_id)
                                    .where(Dossier.code == code)) for code in (first, second)}
    r = web.post(f"/quan-tri/su-co/{ids[first]}/chay-lai", status=302)
    assert "Chạy lại vẫn lỗi" in text_of(web.get(r.headers["Location"]))
    with sessions(app).begin() as session:
        session.execute(update(Dossier).where(Dossier.code == first).values(workflow_state=good, bpmn_timer_at=None))
    web.post(f"/quan-tri/su-co/{ids[first]}/chay-lai", status=302)
    assert "thành công" in text_of(web.get("/quan-tri/su-co"))
    r = web.post(f"/quan-tri/su-co/{ids[second]}/bo-qua", status=200)  # the confirmation step
    assert "Bỏ qua sự cố" in text_of(r)
    web.post(f"/quan-tri/su-co/{ids[second]}/bo-qua", {"reason": "Đã báo nhà phát triển", "confirm": "1"}, status=302)
    page = web.get("/quan-tri/su-co").get_data(as_text=True)
    assert 'data-state="open"' not in page and 'data-state="skipped"' in page and 'data-state="retried"' in page
    assert web.get("/quan-tri/su-co?trang-thai=skipped").get_data(as_text=True).count("data-incident=") == 1
    web.get("/quan-tri/su-co?sau=khong-hop-le&trang-thai=xyz")  # junk: the first page, all states
    assert admin_web(app, other_agency_admin(app, clock)).get("/quan-tri/su-co").get_data(
        as_text=True).count("data-incident=") == 0


def test_the_audit_page_lists_the_trail_of_the_subtree_and_verifies_a_chain(app, clock):
    api = Api(app.test_client())
    code = received(api)
    api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN, json={"reason": "Chờ xác minh"})
    web = admin_web(app)
    page = web.get("/quan-tri/nhat-ky").get_data(as_text=True)
    assert code in page and "Tạm dừng hồ sơ" in actions_listed(web, "/quan-tri/nhat-ky")
    assert "Tạm dừng hồ sơ" not in actions_listed(web, "/quan-tri/nhat-ky?thao-tac=incident.skip")
    assert actions_listed(web, "/quan-tri/nhat-ky?thao-tac=dossier.suspend") == ["Tạm dừng hồ sơ"]
    assert "Tạm dừng hồ sơ" in actions_listed(web, f"/quan-tri/nhat-ky?doi-tuong={code}")
    outsider = admin_web(app, other_agency_admin(app, clock))
    assert "Tạm dừng hồ sơ" not in actions_listed(outsider, "/quan-tri/nhat-ky")
    ok = text_of(web.get(f"/quan-tri/nhat-ky?ho-so={code}"))
    assert f"Chuỗi nhật ký của hồ sơ {code} toàn vẹn: 4 sự kiện." in ok
    with sessions(app).begin() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        session.execute(update(AuditEvent).where(AuditEvent.dossier_id == dossier_id, AuditEvent.action == "suspend")
                        .values(data={"reason": "sửa lại"}))
    bad = text_of(web.get(f"/quan-tri/nhat-ky?ho-so={code}"))
    assert "có vấn đề" in bad and "nội dung bị sửa" in bad
    assert "Không tìm thấy hồ sơ KHONG-CO." in text_of(web.get("/quan-tri/nhat-ky?ho-so=KHONG-CO"))
    assert f"Không tìm thấy hồ sơ {code}." in text_of(outsider.get(f"/quan-tri/nhat-ky?ho-so={code}"))  # as unknown
    with sessions(app)() as session:  # paging: 50 a page, by id
        assert session.scalar(select(AdminEvent.id).where(AdminEvent.action == "dossier.suspend")) is not None
    assert web.get("/quan-tri/nhat-ky?truoc=1").status_code == 200


def test_the_audit_page_says_an_events_details_in_words_not_pythons_spelling(app):
    """An agency renamed: its event's changes read "name: old → new", never {'name': {'from': ...}}."""
    api = Api(app.test_client())
    r = api.client.patch("/api/v1/agencies/000.00.06.H56", headers=api.headers(ADMIN),
                         json={"name": "Phường Thuận Hóa (đổi tên)", "address": "1 Lê Lợi"})
    assert r.status_code == 200, r.get_json()
    [row] = [tr for tr in page_of(admin_web(app).get("/quan-tri/nhat-ky")).xpath("//tr[@data-event]")
             if tr.xpath("td")[2].get("title") == "agency.update"]
    cells = [td.text_content().strip() for td in row.xpath("td")]
    assert cells[2] == "Sửa cơ quan" and cells[3] == "Cơ quan 000.00.06.H56", cells
    details = cells[-1]
    assert "Tên: " in details and "Địa chỉ: — → 1 Lê Lợi" in details, details
    assert "→ Phường Thuận Hóa (đổi tên)" in details and "— → 1 Lê Lợi" in details, details
    assert "{" not in details and "'" not in details and "None" not in details


def actions_listed(web, url: str) -> list[str]:
    """The action column of the audit page's rows."""
    return [tr.xpath("td")[2].text_content().strip() for tr in page_of(web.get(url)).xpath("//tr[@data-event]")]


def test_the_audit_page_offers_its_actions_by_name_and_keeps_an_unknown_code(app):
    web = admin_web(app)
    form = page_of(web.get("/quan-tri/nhat-ky?thao-tac=dossier.resume"))
    options = {o.get("value"): o.text_content() for o in form.xpath("//select[@name='thao-tac']/option")}
    assert options[""] == "Tất cả" and options["officer.create"] == "Tạo tài khoản cán bộ"
    assert form.xpath("//select[@name='thao-tac']/option[@selected]")[0].get("value") == "dossier.resume"
    odd = page_of(web.get("/quan-tri/nhat-ky?thao-tac=la.ma"))  # a code of no known action: kept, selected
    assert odd.xpath("//select[@name='thao-tac']/option[@selected]")[0].get("value") == "la.ma"


def test_detail_text(app):
    from engine.web.admin_ops import detail_text

    with_app = {"created": [], "skipped": {"row 2": "agency"}, "level": {"from": "commune", "to": "province"}}
    with app.test_request_context():
        assert detail_text(with_app) == "Đã tạo: —; Bỏ qua: dòng 2: agency; Cấp: commune → province"
        assert detail_text(["a", 3]) == "a, 3" and detail_text(None) == "—"
        assert detail_text("code sent") == "đã gửi mã kích hoạt" and detail_text({"odd_key": 1}) == "odd_key: 1"


def test_an_empty_paging_cursor_is_the_first_page(app, api):
    """`?truoc=` (an empty cursor, as an emptied link or a form sends it) answered 422 on the notices' pages."""
    web = admin_web(app)
    web.get("/quan-tri")  # the welcome after the login, shown once
    for path in ("/thong-bao", "/quan-tri/thong-bao", "/quan-tri/nhat-ky", "/quan-tri/cong-dan"):
        assert text_of(web.get(f"{path}?truoc=")) == text_of(web.get(path)), path
    assert "Mới nhất" not in text_of(web.get("/thong-bao?truoc="))  # the first page: no link back to it
    web.get("/thong-bao?truoc=abc", status=422)
    assert api.get("/api/v1/me/notifications?before=", ADMIN).status_code == 422  # the API's cursor: given, or absent
