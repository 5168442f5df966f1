"""D27 with D29 on the catalogue, D23 for a result handed over in person, and D27's explanation of a free procedure.

The catalogue (/thu-tuc) said "Toàn trình" and listed under "Toàn trình" a procedure whose only offering office
(ward Vỹ Dạ, no payment gateway) can deliver it only "Một phần", as its own page said: the badge and the filter
took the publishing agency's level. Now they take the offering offices' levels ("Tùy nơi nộp hồ sơ" where they
differ; listed under a level some office delivers).

A marriage (processes/ket-hon, 1.000894) declares that its result cannot be returned online or by post (both
parties sign the register at the agency): a filing returned "online" by default, and online or post were accepted
when filing and when changing the return channel. Now the desk is the default and the only channel offered or
accepted (422 result_at_desk naming return_channel); the level stays as declared (D23).

A procedure without fees said "Phí, lệ phí nộp được trực tuyến": now "Không thu phí, lệ phí"."""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from conftest import CITIZEN, PASSWORD, SAMPLE_CODE, password_hash
from engine.cases import accounts
from engine.core.clock import VN_TZ
from engine.data import agencies
from engine.data.agency_model import Agency
from engine.process import procedures
from payment_support import configure
from test_level_per_office import PROVINCE, WARD_B, level_part, text_of, wards  # noqa: F401 (a fixture)
from web_support import Web

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN_TZ)  # Mon 07/12/2026 09:00, Vietnam time
MARRIAGE = "1.000894"
ADDRESS = "45 Chi Lăng, phường Phú Xuân, thành phố Huế"


@pytest.fixture
def only_ward_b(app, clock, api):
    """The demo agency (with a payment gateway) publishes the sample procedure (a fee, declared full online);
    ward Vỹ Dạ, without a gateway, is the only office offering it."""
    clock.set(MONDAY)
    configure(app)
    with app.extensions["tthc"]["sessions"].begin() as session:
        root = agencies.place(session, Agency(code=PROVINCE, name="UBND tỉnh Huế", level="province"), None)
        agencies.place(session, Agency(code=WARD_B, name="UBND phường Vỹ Dạ", level="commune"), root)
        accounts.ensure_officer(session, clock.now(), "tinh.admin", "Quản trị tỉnh", {"administrator"}, root,
                                PASSWORD, password_hash=password_hash())
    r = api.client.put(f"/api/v1/procedures/{SAMPLE_CODE}/offers", json={"agencies": [WARD_B]},
                       headers=api.headers("tinh.admin"))
    assert r.status_code == 200, r.get_json()
    return app


def badge(page: str, code: str) -> str:
    """The level badge of the catalogue's card of procedure ``code``."""
    card = page[page.index(f"Mã {code}"):]
    return text_of(re.search(r'<span class="badge">(.*?)</span>', card).group(1))


def listed(web: Web, level: str) -> str:
    return web.get(f"/thu-tuc?level={level}").get_data(as_text=True)


def test_the_catalogue_says_the_level_of_the_only_office_offering_it(only_ward_b, api):
    web = Web(only_ward_b.test_client())
    assert "Một phần" in level_part(web.get(f"/thu-tuc/{SAMPLE_CODE}").get_data(as_text=True))
    assert badge(web.get("/thu-tuc").get_data(as_text=True), SAMPLE_CODE) == "Một phần"
    assert f"Mã {SAMPLE_CODE}" not in listed(web, "full_online")
    assert badge(listed(web, "partial_online"), SAMPLE_CODE) == "Một phần"
    # the API's "level" stays the publishing agency's (the contract); each office's in levels_by_agency
    body = api.get(f"/api/v1/procedures/{SAMPLE_CODE}").get_json()
    assert body["level"] == "full_online"
    assert [o["level"] for o in body["levels_by_agency"]] == ["partial_online"]


def test_the_catalogue_says_it_depends_where_the_offices_differ(wards, clock):  # noqa: F811 (the fixture)
    clock.set(MONDAY)
    web = Web(wards.test_client())
    assert badge(web.get("/thu-tuc").get_data(as_text=True), SAMPLE_CODE) == "Tùy nơi nộp hồ sơ"
    for level in ("full_online", "partial_online"):  # An Cựu delivers it fully online, Vỹ Dạ in part
        assert badge(listed(web, level), SAMPLE_CODE) == "Tùy nơi nộp hồ sơ"


def home_level(page: str, code: str) -> str:
    """The level cell of the home page's row of procedure ``code``."""
    row = page[page.index(f"<td>{code}</td>"):]
    return text_of(row[:row.index("</tr>")].rsplit("<td>", 1)[1])


def test_the_home_page_says_the_offices_level_as_the_catalogue_does(only_ward_b):
    web = Web(only_ward_b.test_client())
    assert home_level(web.get("/").get_data(as_text=True), SAMPLE_CODE) == "Một phần"


def test_the_home_page_says_it_depends_where_the_offices_differ(wards, clock):  # noqa: F811 (the fixture)
    clock.set(MONDAY)
    assert home_level(Web(wards.test_client()).get("/").get_data(as_text=True), SAMPLE_CODE) == "Tùy nơi nộp hồ sơ"


@pytest.fixture
def marriage(app, settings, clock):
    clock.set(MONDAY)
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(PROCESSES / "ket-hon" / "ket-hon.bpmn", settings.forms_dir),
                          clock.now(), "tester")
    return json.loads((PROCESSES / "ket-hon" / "sample.json").read_text(encoding="utf-8"))["form"]


def refused_at_desk(response) -> None:
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "result_at_desk" and "return_channel" in error["fields"], error
    assert "trao trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả" in error["message"], error


def test_a_marriage_result_is_handed_over_at_the_desk_only(app, api, marriage):
    info = api.get(f"/api/v1/procedures/{MARRIAGE}").get_json()
    filed = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": MARRIAGE, "form": marriage})
    assert filed.status_code == 201, filed.get_json()
    code = filed.get_json()["code"]
    assert (filed.get_json()["return_channel"], filed.get_json()["return_address"]) == ("desk", None)
    refused_at_desk(api.post("/api/v1/dossiers", CITIZEN, json={"procedure": MARRIAGE, "form": marriage,
                                                                 "return_channel": "online"}))
    refused_at_desk(api.post("/api/v1/dossiers", CITIZEN, json={"procedure": MARRIAGE, "form": marriage,
                                                                 "return_channel": "post",
                                                                 "return_address": ADDRESS}))
    for choice in ({"return_channel": "online"}, {"return_channel": "post", "return_address": ADDRESS}):
        refused_at_desk(api.post(f"/api/v1/dossiers/{code}/return-channel", CITIZEN, json=choice))
    kept = api.post(f"/api/v1/dossiers/{code}/return-channel", CITIZEN, json={"return_channel": "desk"})
    assert kept.status_code == 200 and kept.get_json()["return_channel"] == "desk", kept.get_json()
    # the choice never changes the level (D23)
    assert api.get(f"/api/v1/procedures/{MARRIAGE}").get_json()["level"] == info["level"]

    web = Web(app.test_client()).login(CITIZEN)
    for page in (web.get(f"/thu-tuc/{MARRIAGE}/nop"), web.get(f"/ca-nhan/ho-so/{code}")):
        offered = re.findall(r'name="return_channel" value="(\w+)"( checked)?', page.get_data(as_text=True))
        assert offered == [("desk", " checked")], offered
        assert "chỉ trao trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả" in text_of(page.get_data(as_text=True))


def test_a_procedure_other_than_marriage_still_offers_every_return_channel(app, api, clock):
    clock.set(MONDAY)
    page = Web(app.test_client()).login(CITIZEN).get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    offered = re.findall(r'name="return_channel" value="(\w+)"( checked)?', page)
    assert offered == [("online", " checked"), ("post", ""), ("desk", "")], offered


def test_a_free_procedure_says_it_charges_no_fee(app, api, settings, clock):
    clock.set(MONDAY)
    with app.extensions["tthc"]["sessions"].begin() as session:
        for folder in ("khai-sinh", "khai-tu", "ket-hon"):
            procedures.deploy(session, procedures.load_file(PROCESSES / folder / f"{folder}.bpmn",
                                                            settings.forms_dir), clock.now(), "tester")
    for code in ("1.001193", "1.000656", MARRIAGE):
        body = api.get(f"/api/v1/procedures/{code}").get_json()
        assert body["fees"] == [], body["fees"]
        assert "Không thu phí, lệ phí" in body["level_reasons"], body["level_reasons"]
        assert not any(r.startswith("Phí, lệ phí") for r in body["level_reasons"]), body["level_reasons"]
    assert api.get("/api/v1/procedures/1.001193").get_json()["level"] == "full_online"  # met, as before
    page = Web(app.test_client()).get("/thu-tuc/1.001193").get_data(as_text=True)
    assert "Không thu phí, lệ phí" in level_part(page)
