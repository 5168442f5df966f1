"""A dossier withdrawn (or stopped) keeps no appointment on the citizen's pages (D16, NĐ 118 Điều 21).

Received Monday 23/11/2026 09:00 with 3 working days, it was due Friday 27/11/2026 09:00. Once the citizen withdraws
it, its processing has ended: the portal's dossier page, the citizen's list and the public lookup no longer show
27/11/2026 09:00 as the day the result is handed back (the API keeps ``due_at``, its contract). A dossier still in
progress keeps its appointment.
"""
from __future__ import annotations

import pytest
from conftest import CITIZEN
from web_support import Web, text_of

DUE = "27/11/2026 09:00"


@pytest.fixture
def backend():
    """Pages only: nothing here is database-specific."""
    return "sqlite"


def _received(app) -> tuple[Web, str]:
    citizen = Web(app.test_client()).login(CITIZEN)
    code = citizen.file_code()
    Web(app.test_client()).login("demo.tiepnhan").act(code, "receive")
    return citizen, code


def _due_cell(page: str) -> str:
    """The facts' "Hẹn trả kết quả" value on the dossier page."""
    start = page.index('id="due">') + len('id="due">')
    return page[start:page.index("</dd>", start)]


def test_an_open_dossier_shows_its_appointment(app):
    citizen, code = _received(app)
    assert DUE in _due_cell(citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True))
    assert DUE in text_of(citizen.get("/ca-nhan/ho-so"))
    assert DUE in text_of(Web(app.test_client()).get(f"/tra-cuu?q={code}"))


def test_a_withdrawn_dossier_shows_no_appointment(app, api):
    citizen, code = _received(app)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Tôi không cần nữa"})
    assert r.status_code == 200 and r.get_json()["due_at"] == "2026-11-27T09:00:00+07:00"  # the API keeps it
    cell = _due_cell(citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True))
    assert DUE not in cell and "Không còn áp dụng: hồ sơ đã dừng giải quyết" in cell
    listed = text_of(citizen.get("/ca-nhan/ho-so"))
    assert DUE not in listed and "Đã dừng giải quyết" in listed
    looked_up = text_of(Web(app.test_client()).get(f"/tra-cuu?q={code}"))
    assert DUE not in looked_up and "Đã dừng giải quyết" in looked_up
    citizen.post("/ngon-ngu", {"lang": "en"}, status=302)
    assert "No longer applies: the dossier's processing has ended" in text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Processing ended" in text_of(citizen.get("/ca-nhan/ho-so"))
