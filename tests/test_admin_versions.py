"""The administration pages of procedure versions (/quan-tri/thu-tuc): list, versions with changes, upload with
problems per line, deploy, suspend / resume, retire after a confirmation, moving open dossiers in batches; CSRF,
403 pages outside one's subtree, bad uploads answered with a page (never a 500)."""
from __future__ import annotations

import io

from sqlalchemy import select

from conftest import SAMPLE_CODE, SAMPLE_FORM
from engine.data.agency_model import AdminEvent
from engine.data.model import Dossier
from test_versions import variant
from staff_support import admin_of_another_ward
from web_support import new_client, text_of

BASE = f"/quan-tri/thu-tuc/{SAMPLE_CODE}"
BROKEN = variant().replace('name="duration" value="3"', 'name="duration" value="-2"')


def admin(app):
    return new_client(app).login("demo.admin")


def upload(web, bpmn: str, deploy: bool, status: int, forms: dict[str, bytes] | None = None):
    data = {"bpmn": (io.BytesIO(bpmn.encode("utf-8")), "ho-kinh-doanh.bpmn"), "deploy": "1" if deploy else "0"}
    if forms:
        data["forms"] = [(io.BytesIO(v), k) for k, v in forms.items()]
    return web.post("/quan-tri/thu-tuc/tai-len", data, status=status, content_type="multipart/form-data")


def test_list_and_versions_pages(app, api, backend):
    web = admin(app)
    page = text_of(web.get("/quan-tri/thu-tuc"))
    assert SAMPLE_CODE in page and "Đang áp dụng" in page
    api.file()
    assert upload(web, variant(duration="5"), True, 302).headers["Location"].endswith(BASE)
    page = text_of(web.get(BASE))
    assert "Phiên bản 2" in page and "Đổi thời hạn giải quyết" in page and "Phiên bản đầu tiên" in page
    assert "Chuyển sang phiên bản 2" in page  # version 1 has an open dossier


def test_upload_shows_problems_by_line_and_deploys_nothing(app):
    web = admin(app)
    r = upload(web, BROKEN, False, 422)
    page = r.get_data(as_text=True)
    assert "ho-kinh-doanh.bpmn:" in page and "duration" in page
    line = next(n for n, row in enumerate(BROKEN.splitlines(), 1) if "<bpmn:process " in row)
    assert f"<code>ho-kinh-doanh.bpmn:{line}</code>: ho_kinh_doanh: thời hạn giải quyết (duration)" in page, page
    assert upload(web, BROKEN, True, 422)  # deploy refuses as well
    r = upload(web, variant(duration="5"), False, 200)
    assert "Không có lỗi" in r.get_data(as_text=True)
    with app.extensions["tthc"]["sessions"]() as session:  # checking deploys nothing
        assert session.scalar(select(AdminEvent).where(AdminEvent.action == "version_deploy")) is None
    assert "Phiên bản 2" not in text_of(web.get(BASE))


def test_bad_uploads_are_pages_not_errors(app):
    web = admin(app)
    for data in ({}, {"bpmn": (io.BytesIO(b""), "a.bpmn")},
                 {"bpmn": (io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                                      b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'), "a.bpmn")},
                 {"bpmn": (io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                      b'<x>&e;</x>'), "a.bpmn")},
                 {"bpmn": (io.BytesIO(b"\x00\xff"), "a.bpmn"), "forms": (io.BytesIO(b"{bad"), "../x.json")}):
        r = web.post("/quan-tri/thu-tuc/tai-len", {**data, "deploy": "1"}, content_type="multipart/form-data")
        assert r.status_code == 422, (data.keys(), r.status_code)
        assert "root:" not in r.get_data(as_text=True)
    # a form nested deeper than the JSON decoder goes (a 500: RecursionError escaped the JSON check)
    r = upload(web, variant(), False, 422, forms={"ho-kinh-doanh-nop.schema.json": b"[" * 5000 + b"]" * 5000})
    assert "ho-kinh-doanh-nop.schema.json" in text_of(r) and "lồng nhau quá sâu" in text_of(r)
    big = {"bpmn": (io.BytesIO(b"x" * (app.extensions["tthc"]["settings"].max_request_bytes + 10)), "a.bpmn")}
    assert web.post("/quan-tri/thu-tuc/tai-len", big, content_type="multipart/form-data").status_code == 413


def test_csrf_and_roles(app, clock):
    web = admin(app)
    r = web.post(f"{BASE}/phien-ban/1/suspend", csrf=False)
    assert r.status_code == 400
    officer = new_client(app).login("demo.tiepnhan")
    assert officer.get("/quan-tri/thu-tuc", status=None).status_code == 403
    admin_of_another_ward(app, clock.now())
    outsider = new_client(app).login("admin.khac")
    assert SAMPLE_CODE not in text_of(outsider.get("/quan-tri/thu-tuc"))
    r = outsider.get(BASE, status=403)
    assert "Traceback" not in r.get_data(as_text=True)
    outsider.post(f"{BASE}/phien-ban/1/suspend", status=403)
    # the upload page's check says what the deploy would: not theirs to deploy (it said "Không có lỗi")
    checked = text_of(upload(outsider, variant(duration="5"), False, 403))
    assert "không thuộc phạm vi quản trị của bạn" in checked and "Không có lỗi" not in checked
    assert "không thuộc phạm vi quản trị của bạn" in text_of(upload(outsider, variant(duration="5"), True, 403))
    outsider.post(f"{BASE}/phien-ban/1/chuyen", {"den": "1", "confirm": "1"}, status=403)
    web.get("/quan-tri/thu-tuc/9.999999", status=404)


def test_suspend_resume_and_retire_with_confirmation(app, api):
    web = admin(app)
    web.post(f"{BASE}/phien-ban/1/suspend", status=302)
    assert "Tạm ngừng tiếp nhận" in text_of(web.get(BASE))
    citizen = new_client(app).login("001099000001")
    r = citizen.get(f"/thu-tuc/{SAMPLE_CODE}/nop", status=409)
    assert "tạm ngừng tiếp nhận" in text_of(r)
    page = text_of(citizen.get(f"/thu-tuc/{SAMPLE_CODE}"))  # the procedure's page says so, with no filing link
    assert "tạm ngừng tiếp nhận" in page and "Nộp hồ sơ trực tuyến" not in page
    web.post(f"{BASE}/phien-ban/1/resume", status=302)
    r = web.post(f"{BASE}/phien-ban/1/retire", status=200)  # the confirmation page, nothing done yet
    assert "Không thể hoàn tác" in text_of(r)
    assert 'data-state="active"' in web.get(BASE).get_data(as_text=True)
    web.post(f"{BASE}/phien-ban/1/retire", {"confirm": "1"}, status=302)
    assert 'data-state="retired"' in web.get(BASE).get_data(as_text=True)
    r = web.post(f"{BASE}/phien-ban/1/resume", status=409)
    assert "Traceback" not in r.get_data(as_text=True)


def test_move_open_dossiers_in_a_batch_with_a_result_each(app, api):
    first, second = api.file()["code"], api.file()["code"]
    web = admin(app)
    upload(web, variant(duration="5"), True, 302)
    r = web.post(f"{BASE}/phien-ban/1/chuyen", {"den": "2"}, status=200)  # confirmation first
    assert "Mỗi hồ sơ được kiểm tra trước" in text_of(r)
    with app.extensions["tthc"]["sessions"]() as session:
        assert {d.procedure_version.version for d in session.scalars(select(Dossier))} == {1}
    r = web.post(f"{BASE}/phien-ban/1/chuyen", {"den": "2", "confirm": "1"}, status=200)
    page = r.get_data(as_text=True)
    assert f'data-dossier="{first}" data-moved="1"' in page and f'data-dossier="{second}" data-moved="1"' in page
    with app.extensions["tthc"]["sessions"]() as session:
        assert {d.procedure_version.version for d in session.scalars(select(Dossier))} == {2}
    web.post(f"{BASE}/phien-ban/1/chuyen", {"den": "x", "confirm": "1"}, status=422)
    web.post(f"{BASE}/phien-ban/1/chuyen", {"den": "9", "confirm": "1"}, status=404)
    assert SAMPLE_FORM  # the dossiers were filed with the sample form
