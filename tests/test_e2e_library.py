"""Issue 16's "done when", in a real browser (headless Debian Chromium, as tests/test_e2e_browser.py): a citizen
files a birth registration (processes/khai-sinh, 1.001193, "trong ngày") on Wednesday 02/12/2026 at 10:00, before
15:00; the ward's receiving officer receives it; the citizen's and the officer's dossier pages show it due that
same day at 17:00 (D16). Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from conftest import CITIZEN
from test_e2e_browser import Person, backend, browser, pytestmark, server  # noqa: F401 (fixtures, skip mark)

from engine.core.clock import VN_TZ
from engine.process import procedures

KHAI_SINH = Path(__file__).resolve().parent.parent / "processes" / "khai-sinh" / "khai-sinh.bpmn"
FIELDS = {  # the Tờ khai đăng ký khai sinh, as a parent fills it in
    "dia_chi": "8 Chi Lăng, phường Thuận Hóa, thành phố Huế",
    "dien_thoai": "0905333444",
    "quan_he": "Mẹ",
    "tre-ho_ten": "Trần Ngọc An Nhiên",
    "tre-noi_sinh": "Bệnh viện Trung ương Huế, thành phố Huế",
    "tre-que_quan": "phường Thuận Hóa, thành phố Huế",
    "me-ho_ten": "Lê Thị Thu Hà",
    "me-nam_sinh": "1994",
    "me-noi_cu_tru": "8 Chi Lăng, phường Thuận Hóa, thành phố Huế",
}  # the father's group is left empty (not established): the declaration is complete without it


def test_a_birth_registration_filed_before_15h_is_due_the_same_day_at_17h(app, settings, clock, browser, server):  # noqa: F811
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=VN_TZ))  # Wednesday, a working day, before 15:00
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:  # the fixture's demo deploys only the household business
        procedures.deploy(session, procedures.load_file(KHAI_SINH, settings.forms_dir), clock.now(), "tester")

    citizen = Person(browser, server, CITIZEN)
    page = citizen.goto("/thu-tuc")
    page.get_by_label("Tìm theo tên hoặc mã thủ tục").fill("khai sinh")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Đăng ký khai sinh").click()
    assert "1.001193" in page.inner_text("main")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    form = page.locator("form", has=page.get_by_role("button", name="Nộp hồ sơ"))
    for suffix, value in FIELDS.items():
        form.locator(f"[id$='-{suffix}']").fill(value)
    form.locator("[id$='-tre-gioi_tinh']").select_option("nu")
    form.locator("[id$='-tre-ngay_sinh']").fill("2026-11-24")
    citizen.shot("71-khai-sinh-form.png")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    code = page.locator("#dossier-code").inner_text()
    assert re.fullmatch(r"000\.00\.06\.H56-261202-\d{4}", code)

    desk = Person(browser, server, "demo.tiepnhan")
    desk.act(code, "receive")
    desk.goto(f"/can-bo/ho-so/{code}")
    assert "02/12/2026 17:00" in desk.page.inner_text("main")
    desk.shot("72-khai-sinh-officer.png")
    desk.close()

    citizen.goto(f"/ca-nhan/ho-so/{code}")
    due = page.locator("dt", has_text="Hẹn trả kết quả").locator("xpath=following-sibling::dd[1]").inner_text()
    assert due.startswith("02/12/2026 17:00"), due
    citizen.shot("73-khai-sinh-due-same-day.png")
    citizen.close()
