"""The citizen's and the officer's pages tell what the rules already know: the fees a dossier will owe before
they are asked (D26) and an extension form that starts in the unit a same-day procedure can use (D16, D18)."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from conftest import CITIZEN, SAMPLE, SAMPLE_FORM, vn
from payment_support import configure
from web_support import Web, text_of

from engine.process import procedures

PROCESSES = Path(__file__).resolve().parent.parent / "processes"


@pytest.fixture
def backend():
    """Pages over the same use cases as the API; nothing here is PostgreSQL's own."""
    return "sqlite"


def _login(app, user: str) -> Web:
    return Web(app.test_client()).login(user)


# -- D26: the expected fee before it is asked ---------------------------------------------------------------
def test_the_fee_a_dossier_will_owe_is_shown_as_expected_before_it_is_asked_D26(app):
    """D26: the sample procedure's fee (100.000 đ, asked at intake) is known from its version as soon as the
    dossier is filed: both faces show it marked "dự kiến"; once the desk receives the dossier and asks for the
    fee, the payment itself is shown (as before) and the expected line is gone."""
    configure(app, None)  # the agency collects at the desk
    citizen = _login(app, CITIZEN)
    code = citizen.file_code()
    officer = _login(app, "demo.tiepnhan")
    for page in (text_of(citizen.get(f"/ca-nhan/ho-so/{code}")), text_of(officer.get(f"/can-bo/ho-so/{code}"))):
        assert "Lệ phí đăng ký hộ kinh doanh" in page and "100.000 đ" in page
        assert "dự kiến" in page and "Chờ thanh toán" not in page

    officer.act(code, "receive")
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Chờ thanh toán : Lệ phí đăng ký hộ kinh doanh — 100.000 đ" in page
    assert "dự kiến" not in page
    assert "dự kiến" not in text_of(officer.get(f"/can-bo/ho-so/{code}"))


def test_a_fee_computed_from_the_form_is_expected_at_the_amount_the_form_gives_D26(app, api):
    """D26: a fee computed from the filing form (here ``=50000 * so_lao_dong``, two workers) is expected at the
    amount the filed form gives, 100.000 đ, before the desk asks for it."""
    configure(app, None)
    text = SAMPLE.read_text(encoding="utf-8")
    assert 'value="100000;at_intake;' in text
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data", data={
        "bpmn": (io.BytesIO(text.replace('value="100000;at_intake;', 'value="=50000 * so_lao_dong;at_intake;')
                            .encode()), SAMPLE.name)})
    assert r.status_code == 201, r.get_json()
    code = api.file(CITIZEN, form={**SAMPLE_FORM, "so_lao_dong": 2})["code"]
    page = text_of(_login(app, CITIZEN).get(f"/ca-nhan/ho-so/{code}"))
    assert "Lệ phí đăng ký hộ kinh doanh" in page and "100.000 đ" in page and "dự kiến" in page


# -- D16, D18: the extension form's unit --------------------------------------------------------------------
def _extension_unit(web: Web, code: str) -> str | None:
    html = web.get(f"/can-bo/cong-viec/{web.task_id(code)}").get_data(as_text=True)
    select = re.search(r'<select id="ext-unit" name="unit">(.*?)</select>', html, re.S)
    assert select, "no extension form on the task page"
    chosen = re.search(r'<option value="(\w+)" selected', select.group(1))
    return chosen.group(1) if chosen else re.search(r'<option value="(\w+)"', select.group(1)).group(1)


def test_the_extension_form_of_a_same_day_procedure_starts_in_working_hours_D18(app, api, settings, clock):
    """D16, D18: birth registration is resolved the same day, so its extension is at most 2 h 40 min of working
    time: the form offers hours first, not a whole working day the engine would refuse."""
    clock.set(vn(2026, 11, 23, 8, 0))
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(PROCESSES / "khai-sinh" / "khai-sinh.bpmn",
                                                        settings.forms_dir), clock.now(), "tester")
    form = json.loads((PROCESSES / "khai-sinh" / "sample.json").read_text(encoding="utf-8"))["form"]
    clock.set(vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN, form=form, procedure="1.001193")["code"]
    api.act("demo.tiepnhan", code, "receive")
    assert _extension_unit(_login(app, "demo.chuyenvien"), code) == "working_hours"


def test_the_extension_form_of_a_procedure_of_several_days_starts_in_working_days_D18(app):
    """D18: the sample procedure takes 3 working days; its extension (up to 1 working day) starts in days."""
    code = _login(app, CITIZEN).file_code()
    _login(app, "demo.tiepnhan").act(code, "receive")
    assert _extension_unit(_login(app, "demo.chuyenvien"), code) == "working_days"
