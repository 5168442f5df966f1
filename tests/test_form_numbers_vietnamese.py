"""Numbers on the web forms the Vietnamese way ("." between thousands, "," before the decimals): a floor area typed
1.200 is 1200 m², not 1.2; 85,5 is 85.5; a text that is neither (1,200.5) is refused next to the field with an
example, the typed text kept. A dossier page groups only amounts (format money): a year of birth 1990 is "1990".
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from conftest import CITIZEN, SAMPLE_FORM
from web_support import Web, dossier_row, flatten, text_of

from engine.process import procedures
from engine.web.schemaform import _number

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
HELP = "Số không hợp lệ: dùng dấu phẩy cho phần thập phân, ví dụ 85,5 hoặc 1.200,5"


@pytest.fixture
def backend():
    """Page logic: one backend is enough."""
    return "sqlite"


@pytest.fixture
def citizen(app):
    return Web(app.test_client()).login(CITIZEN)


def deployed(app, settings, clock, slug: str) -> dict:
    """The library procedure of ``slug`` deployed in the demo province; its sample form."""
    folder = PROCESSES / slug
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(folder / f"{slug}.bpmn", settings.forms_dir), clock.now(),
                          "tester")
    return json.loads((folder / "sample.json").read_text(encoding="utf-8"))["form"]


def file(web: Web, code: str, form: dict, status: int = 302):
    data = {name: "on" if value == "True" else value for name, value in flatten(form).items()}  # a ticked box
    return web.post(f"/thu-tuc/{code}/nop", data, status=status, content_type="multipart/form-data")


def code_of(response) -> str:
    return response.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]


def shown(page, label: str) -> str:
    """The values a dossier page's "Thông tin đã khai" shows after ``label``, joined by " | " (a birth has two
    "Năm sinh": the mother's, then the father's)."""
    found = re.findall(rf"<dt[^>]*>{re.escape(label)}</dt><dd[^>]*>([^<]*)</dd>", page.get_data(as_text=True))
    assert found, label
    return " | ".join(found)


@pytest.mark.parametrize("typed, read", [
    ("1.200", 1200), ("1.200,5", 1200.5), ("85,5", 85.5), ("85", 85), ("85.5", 85.5), ("1.25", 1.25),
    ("1.000.000", 1_000_000), ("-1.200,25", -1200.25), ("1 200,5", 1200.5), ("0.125", 0.125),
    # refused: the typed text stays as it is (the schema then says so next to the field)
    ("1,200.5", "1,200.5"), ("1.2.3", "1.2.3"), ("1,2,3", "1,2,3"), ("1234.567", "1234.567"), ("1e5", "1e5"),
    ("nan", "nan"),
])
def test_a_number_field_reads_dots_as_thousands_and_a_comma_as_the_decimal_mark(typed, read):
    value = _number(typed, integer=False)
    assert value == read and type(value) is type(read), (typed, value)


def test_whole_number_fields_keep_their_thousand_separators():
    assert _number("50.000.000", integer=True) == 50_000_000 and _number("1990", integer=True) == 1990


def test_a_floor_area_typed_the_vietnamese_way_is_stored_and_shown_as_typed(app, settings, clock, citizen):
    form = deployed(app, settings, clock, "giay-phep-xay-dung")
    form = copy.deepcopy(form)
    form["noi_dung"]["tong_dien_tich_san"] = "1.200"
    form["noi_dung"]["dien_tich_xay_dung"] = "85,5"
    code = code_of(file(citizen, "1.009994", form))
    stored = dossier_row(app, code).form["noi_dung"]
    assert stored["tong_dien_tich_san"] == 1200 and stored["dien_tich_xay_dung"] == 85.5
    page = citizen.get(f"/ca-nhan/ho-so/{code}")
    assert shown(page, "Tổng diện tích sàn (m²)") == "1.200"
    assert shown(page, "Diện tích xây dựng tầng 1 (tầng trệt) (m²)") == "85,5"
    assert shown(page, "Chiều cao công trình (m)") == "12,6"  # the sample's 12.6


def test_a_number_neither_vietnamese_nor_english_is_refused_with_an_example(app, settings, clock, citizen):
    form = copy.deepcopy(deployed(app, settings, clock, "giay-phep-xay-dung"))
    form["noi_dung"]["tong_dien_tich_san"] = "1,200.5"
    r = file(citizen, "1.009994", form, status=422)
    page = r.get_data(as_text=True)
    assert re.search(r'id="f-noi_dung-tong_dien_tich_san-error"><span class="sr-only">Lỗi: </span>'
                     + re.escape(HELP), page)
    assert 'name="f.noi_dung.tong_dien_tich_san" value="1,200.5"' in page  # what was typed comes back
    assert re.search(rf"› Tổng diện tích sàn \(m²\) ?: {re.escape(HELP)}", text_of(r))  # so does the summary


def test_a_year_of_birth_prints_as_it_is_and_an_amount_is_grouped(app, settings, clock, citizen):
    form = copy.deepcopy(deployed(app, settings, clock, "khai-sinh"))
    form["me"]["nam_sinh"] = 1990
    code = code_of(file(citizen, "1.001193", form))
    assert dossier_row(app, code).form["me"]["nam_sinh"] == 1990
    page = citizen.get(f"/ca-nhan/ho-so/{code}")
    assert shown(page, "Năm sinh") == "1990 | 1992" and "1.990" not in text_of(page)  # the sample's father: 1992
    officer = Web(app.test_client()).login("demo.tiepnhan").get(f"/can-bo/ho-so/{code}")
    assert shown(officer, "Năm sinh") == "1990 | 1992"
    # the business's capital is declared {"format": "money"}: still grouped by thousands
    household = Web(app.test_client()).login(CITIZEN).file_code(form={**SAMPLE_FORM, "von_kinh_doanh": "50000000"})
    assert shown(citizen.get(f"/ca-nhan/ho-so/{household}"), "Vốn kinh doanh (đồng)") == "50.000.000"
