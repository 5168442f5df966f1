"""The public catalogue is paged: a province offers hundreds of procedures, and a page shows a bounded number of
them (the count says how many were found in all), with links to the next and previous pages."""
from __future__ import annotations

from pathlib import Path

from web_support import Web, text_of

from engine.data.agency_model import Agency
from engine.process import procedures
from engine.web import portal

PROCESSES = Path(__file__).resolve().parent.parent / "processes"


def test_the_catalogue_pages_what_it_found(app, settings, clock, monkeypatch):
    ext = app.extensions["tthc"]
    with ext["sessions"].begin() as session:  # a second procedure, of a department
        session.add(Agency(code="000.00.12.H56", name="Sở Tư pháp", level="department"))
        session.flush()
        bpmn = next((PROCESSES / "trich-luc-ho-tich").glob("*.bpmn"))
        procedures.deploy(session, procedures.load_file(bpmn, settings.forms_dir), clock.now(), "tester")
    monkeypatch.setattr(portal, "CATALOGUE_PAGE", 1)
    web = Web(app.test_client())
    first = text_of(web.get("/thu-tuc"))
    assert "Tìm thấy 2 thủ tục" in first and "Trang 1/2" in first and "Trang sau" in first
    assert "Trang trước" not in first
    second = text_of(web.get("/thu-tuc?trang=2"))
    assert "Trang 2/2" in second and "Trang trước" in second and "Trang sau" not in second
    names = ("Đăng ký thành lập hộ kinh doanh", "trích lục")
    assert sum(n.lower() in first.lower() for n in names) == 1 and sum(n.lower() in second.lower() for n in names) == 1
    assert "Trang 2/2" in text_of(web.get("/thu-tuc?trang=99"))  # past the end: the last page
    assert "Trang 1/2" in text_of(web.get("/thu-tuc?trang=abc"))  # not a number: the first
    only = text_of(web.get("/thu-tuc?q=1.001612"))
    assert "Tìm thấy 1 thủ tục" in only and "Trang 1/" not in only  # one page: no pager
