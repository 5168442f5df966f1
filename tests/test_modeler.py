"""The modeler of procedure versions (/quan-tri/thu-tuc/<code>/mo-hinh, issue 16 part 4): only administrators of
the publishing agency's subtree open it, the server check answers a model's problems as file:line messages,
saving deploys the next version (a step's own duration is a step change), CSRF is required."""
from __future__ import annotations

import re

from sqlalchemy import select

from conftest import SAMPLE_CODE
from engine.data.agency_model import AdminEvent
from staff_support import admin_of_another_ward
from web_support import new_client, text_of

BASE = f"/quan-tri/thu-tuc/{SAMPLE_CODE}"
PAGE = f"{BASE}/mo-hinh?version=1"
CHECK = f"{BASE}/mo-hinh/kiem-tra?version=1"
SAVE = f"{BASE}/mo-hinh?version=1"


def admin(app):
    return new_client(app).login("demo.admin")


def stored_xml(app) -> str:
    with app.extensions["tthc"]["sessions"]() as session:
        from engine.data.model import ProcedureVersion
        return session.scalars(select(ProcedureVersion.bpmn_xml).order_by(ProcedureVersion.id)).first()


def with_step_duration(xml: str, task: str = "tham_dinh", value: str = "2") -> str:
    """The model with a ``duration`` property on ``task`` (what the panel writes)."""
    start = xml.index(f'id="{task}"')
    at = xml.index("<spiffworkflow:properties>", start) + len("<spiffworkflow:properties>")
    return (xml[:at] + f'<spiffworkflow:property name="duration" value="{value}" />'
            f'<spiffworkflow:property name="durationUnit" value="working_day" />' + xml[at:])


def test_page_opens_the_version_for_administrators_of_the_subtree(app, clock):
    web = admin(app)
    page = web.get(PAGE).get_data(as_text=True)
    assert 'id="modeler-canvas"' in page and "bpmn-modeler.production.min.js" in page
    assert 'id="modeler-source"' in page and "procedureCode" in page  # the version's XML, as JSON
    assert "Mở trình thiết kế" in text_of(web.get(BASE))
    assert web.get(f"{BASE}/mo-hinh").status_code == 200  # the newest version by default
    web.get(f"{BASE}/mo-hinh?version=9", status=404)
    web.get(f"{BASE}/mo-hinh?version=x", status=422)
    web.get("/quan-tri/thu-tuc/9.999999/mo-hinh", status=404)
    officer = new_client(app).login("demo.tiepnhan")
    officer.get(PAGE, status=403)
    officer.post(CHECK, {"xml": "<x/>"}, status=403)
    admin_of_another_ward(app, clock.now())
    outsider = new_client(app).login("admin.khac")
    assert "Traceback" not in outsider.get(PAGE, status=403).get_data(as_text=True)
    outsider.post(CHECK, {"xml": stored_xml(app)}, status=403)
    outsider.post(SAVE, {"xml": with_step_duration(stored_xml(app))}, status=403)


def test_check_answers_problems_by_line_and_none_for_the_stored_model(app):
    web = admin(app)
    xml = stored_xml(app)
    answer = web.post(CHECK, {"xml": xml}, status=200).get_json()
    assert answer["ok"] is True and answer["problems"] == [] and answer["code"] == SAMPLE_CODE
    broken = with_step_duration(xml, value="-1")
    answer = web.post(CHECK, {"xml": broken}, status=200).get_json()
    assert answer["ok"] is False
    line = next(n for n, row in enumerate(broken.splitlines(), 1) if 'id="tham_dinh"' in row)
    texts = [p["text"] for p in answer["problems"]]
    assert any(re.match(rf"ho-kinh-doanh\.bpmn:{line}: tham_dinh: thời hạn của bước", t) for t in texts), texts
    answer = web.post(CHECK, {"xml": "<bpmn:definitions"}, status=200).get_json()
    assert answer["ok"] is False and answer["problems"]
    assert web.post(CHECK, {"xml": ""}, status=422).get_json()["ok"] is False
    other = xml.replace(f'value="{SAMPLE_CODE}"', 'value="1.000001"')
    answer = web.post(CHECK, {"xml": other}, status=200).get_json()
    assert answer["ok"] is False and "procedureCode" in answer["problems"][0]["message"]


def test_save_deploys_the_next_version_with_the_step_duration_change(app):
    web = admin(app)
    xml = stored_xml(app)
    r = web.post(SAVE, {"xml": with_step_duration(xml)}, status=302)
    assert r.headers["Location"].endswith(BASE)
    page = web.get(BASE).get_data(as_text=True)
    assert 'data-version="2"' in page and 'data-kind="duration_changed"' in page
    assert "<code>tham_dinh</code>" in page and "2 ngày làm việc" in text_of(web.get(BASE))
    with app.extensions["tthc"]["sessions"]() as session:
        events = list(session.scalars(select(AdminEvent).where(AdminEvent.action == "version_deploy")))
        assert len(events) == 1
    r = web.post(SAVE, {"xml": with_step_duration(xml, value="abc")}, status=422)
    assert "thời hạn của bước (duration)" in r.get_data(as_text=True)
    assert 'data-version="3"' not in web.get(BASE).get_data(as_text=True)


def test_csrf_is_required(app):
    web = admin(app)
    assert web.post(SAVE, {"xml": with_step_duration(stored_xml(app))}, csrf=False).status_code == 400
    assert web.post(CHECK, {"xml": stored_xml(app)}, csrf=False).status_code == 400
    assert 'data-version="2"' not in web.get(BASE).get_data(as_text=True)


def test_the_pages_script_saves_and_is_answered_json_never_a_page_that_drops_the_model(app):
    web = admin(app)
    xml = stored_xml(app)
    json = {"Accept": "application/json"}
    answer = web.post(SAVE, {"xml": with_step_duration(xml, value="abc")}, status=422, headers=json).get_json()
    assert answer["ok"] is False and "thời hạn của bước (duration)" in answer["problems"][0]["message"]
    answer = web.post(SAVE, {"xml": ""}, status=422, headers=json).get_json()
    assert answer["ok"] is False and answer["problems"][0]["message"] == "Thiếu nội dung BPMN của mô hình."
    error = web.post(SAVE, {"xml": with_step_duration(xml)}, csrf=False, status=400, headers=json).get_json()
    assert error["error"]["message"].startswith("Phiên làm việc đã hết hạn. Hãy tải lại trang rồi thử lại.")
    assert 'data-version="2"' not in web.get(BASE).get_data(as_text=True)
    answer = web.post(SAVE, {"xml": with_step_duration(xml)}, status=200, headers=json).get_json()
    assert answer == {"ok": True, "version": 2, "changed": True, "redirect": BASE}
    page = web.get(BASE)
    assert "Đã lưu mô hình thành phiên bản 2." in text_of(page) and 'data-version="2"' in page.get_data(as_text=True)
