"""D27 with D29, per office: a procedure with fees declared full online is full online only where the receiving
agency takes fees through an online gateway. The procedure's page listed every offering ward as a place to file
but showed the publishing agency's level alone ("Toàn trình ... Phí, lệ phí nộp được trực tuyến"), wrong for the
wards without a gateway; GET /api/v1/procedures/{code} said the same. Now the page names each office's level with
its reason where the offices differ, the filing page names each office's level beside it, and the API adds
"levels_by_agency" (a new field; "level" and "level_reasons" keep their meaning)."""
from __future__ import annotations

import html
import re

import pytest

from conftest import CITIZEN, PASSWORD, SAMPLE_CODE, password_hash
from engine.cases import accounts, payments
from engine.data import agencies
from engine.data.agency_model import Agency
from payment_support import configure
from web_support import Web

DEMO = "000.00.06.H56"
PROVINCE, WARD_A, WARD_B = "000.00.00.H56", "000.00.31.H56", "000.00.32.H56"
PAID_ONLINE = "Phí, lệ phí nộp được trực tuyến"
NO_GATEWAY = "Phí, lệ phí chưa nộp được trực tuyến: cơ quan chưa có cổng thanh toán"


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def wards(app, clock, api):
    """The demo agency publishes the sample procedure (with a fee, declared full online) and takes fees online;
    ward A (An Cựu) has a payment gateway, ward B (Vỹ Dạ) has none; both offer the procedure."""
    configure(app)
    with app.extensions["tthc"]["sessions"].begin() as session:
        root = agencies.place(session, Agency(code=PROVINCE, name="UBND tỉnh Huế", level="province"), None)
        made = {code: agencies.place(session, Agency(code=code, name=name, level="commune"), root)
                for code, name in ((WARD_A, "UBND phường An Cựu"), (WARD_B, "UBND phường Vỹ Dạ"))}
        payments.configure(session, made[WARD_A].id, "vnpay", clock.now(), "TTHCA", "http://127.0.0.1:9/pay")
        accounts.ensure_officer(session, clock.now(), "tinh.admin", "Quản trị tỉnh", {"administrator"}, root,
                                PASSWORD, password_hash=password_hash())
    r = api.client.put(f"/api/v1/procedures/{SAMPLE_CODE}/offers", json={"agencies": [WARD_A, WARD_B]},
                       headers=api.headers("tinh.admin"))
    assert r.status_code == 200, r.get_json()
    return app


def text_of(page: str) -> str:
    """The page's words, without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def level_part(page: str) -> str:
    """The words of the service level's entry, the last of the procedure's facts (up to the fees' heading)."""
    end = page.index("<h2>")
    return text_of(page[page.rindex("<dt>", 0, end):end])


def test_the_procedure_page_names_each_offices_level_with_its_reason(wards):
    part = level_part(Web(wards.test_client()).get(f"/thu-tuc/{SAMPLE_CODE}").get_data(as_text=True))
    assert "Tùy nơi nộp hồ sơ" in part, part
    assert f"Toàn trình tại UBND phường An Cựu: {PAID_ONLINE}" in part, part
    assert f"Một phần tại UBND phường Vỹ Dạ: {NO_GATEWAY}" in part, part
    # a reason true at one office only is never said of the procedure as a whole
    assert part.count(PAID_ONLINE) == 1 and part.count(NO_GATEWAY) == 1, part
    assert "Không phải đến cơ quan" in part  # what every office shares, said once


def test_the_procedure_page_in_english(wards):
    web = Web(wards.test_client())
    web.post("/ngon-ngu", {"lang": "en"}, status=302)
    page = web.get(f"/thu-tuc/{SAMPLE_CODE}").get_data(as_text=True)
    part = level_part(page)
    assert "Online service level" in part, part
    assert "Depends on where you file" in part, part
    assert "Full online at UBND phường An Cựu: Fees can be paid online" in part, part
    assert ("Partial at UBND phường Vỹ Dạ: Fees cannot be paid online yet: the agency has no payment gateway"
            in part), part


def test_one_level_everywhere_is_said_once(app, clock, api, wards):
    with app.extensions["tthc"]["sessions"].begin() as session:
        payments.configure(session, agencies.by_code(session, WARD_B).id, "vnpay", clock.now(), "TTHCB",
                           "http://127.0.0.1:9/pay")
    part = level_part(Web(app.test_client()).get(f"/thu-tuc/{SAMPLE_CODE}").get_data(as_text=True))
    assert "Toàn trình" in part and PAID_ONLINE in part and "Tùy nơi nộp hồ sơ" not in part, part
    assert " tại UBND phường" not in part and NO_GATEWAY not in part, part


def test_the_filing_page_names_the_level_of_each_office_to_choose(wards):
    citizen = Web(wards.test_client()).login(CITIZEN)
    page = citizen.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    picker = text_of(page[page.index('<select id="agency"'):page.index("</div>", page.index('<select id="agency"'))])
    assert f"Toàn trình tại UBND phường An Cựu: {PAID_ONLINE}" in picker, picker
    assert f"Một phần tại UBND phường Vỹ Dạ: {NO_GATEWAY}" in picker, picker


def test_the_api_gives_each_offices_level_as_a_new_field(api, wards):
    body = api.get(f"/api/v1/procedures/{SAMPLE_CODE}").get_json()
    assert body["level"] == "full_online" and PAID_ONLINE in body["level_reasons"]  # the publisher's, as before
    by_agency = {a["agency"]: a for a in body["levels_by_agency"]}
    assert set(by_agency) == {WARD_A, WARD_B}
    assert by_agency[WARD_A]["agency_name"] == "UBND phường An Cựu"
    assert by_agency[WARD_A]["level"] == "full_online" and PAID_ONLINE in by_agency[WARD_A]["level_reasons"]
    assert by_agency[WARD_B]["level"] == "partial_online" and NO_GATEWAY in by_agency[WARD_B]["level_reasons"]
    listed = next(p for p in api.get("/api/v1/procedures").get_json() if p["code"] == SAMPLE_CODE)
    assert "levels_by_agency" not in listed  # offers are procedures × agencies: on the procedure itself only
    [there] = api.get(f"/api/v1/procedures?agency={WARD_B}").get_json()  # one agency's page: its own level
    assert there["level"] == "partial_online" and "levels_by_agency" not in there
    schema = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Procedure"]
    assert "levels_by_agency" in schema["properties"]


def test_a_partial_level_says_the_fees_are_not_paid_online_where_the_office_has_no_gateway(wards):
    """The building permit (1.009994) is declared partial online with fees paid online among its reasons: at an
    office without a gateway the reason said "nộp được trực tuyến" all the same (the check stopped at the level)."""
    from pathlib import Path

    from sqlalchemy import select

    from engine.data.model import Procedure, ProcedureVersion
    from engine.process import procedures

    ext, folder = wards.extensions["tthc"], Path(__file__).resolve().parent.parent / "processes" / "giay-phep-xay-dung"
    with ext["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(folder / "giay-phep-xay-dung.bpmn", ext["settings"].forms_dir),
                          ext["clock"].now(), "tester")
    with ext["sessions"]() as session:
        proc = session.scalar(select(Procedure).where(Procedure.code == "1.009994"))
        version = session.get(ProcedureVersion, proc.latest_version_id)
        assert version.info["level"] == "partial_online" and PAID_ONLINE in version.info["level_reasons"]
        ward_a, ward_b = (session.scalar(select(Agency.id).where(Agency.code == c)) for c in (WARD_A, WARD_B))
        level, reasons = payments.service_level(session, version, agency_id=ward_b)
        assert level == "partial_online" and NO_GATEWAY in reasons and PAID_ONLINE not in reasons, reasons
        assert payments.service_level(session, version, agency_id=ward_a) == ("partial_online",
                                                                              version.info["level_reasons"])
