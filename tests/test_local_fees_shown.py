"""What the citizen is told a fee costs is what the office they file at charges (D26: each procedure lists its
fees; D29: one procedure, many offering agencies, each may give its own amount of a fee the procedure leaves to
the province, docs/bpmn-conventions.md ``feeLocal``).

The sample procedure charges "Lệ phí đăng ký hộ kinh doanh" 100.000 đ at intake; deployed with
``feeLocal.le_phi``, ward A (UBND phường An Cựu) sets it to 50.000 đ, ward B gives no amount of its own."""
from __future__ import annotations

from datetime import datetime

from conftest import CITIZEN, SAMPLE_CODE
from engine.core.clock import VN_TZ
from test_offers import DEMO, WARD_A, WARD_B, deploy_with_local_fee, province, put_offers  # noqa: F401
from web_support import Web, text_of

FEE = "Lệ phí đăng ký hộ kinh doanh"


def _amounts(fees: list[dict]) -> dict[str, int | None]:
    return {f["key"]: f["amount"] for f in fees}


def _offered_at_ward_a(api, app, tmp_path, settings, clock, fees_b: dict | None = None) -> None:
    clock.set(datetime(2026, 11, 24, 8, 30, tzinfo=VN_TZ))  # Tuesday 24/11/2026, 08:30 in Vietnam
    deploy_with_local_fee(app, tmp_path, settings, clock)
    ward_b = WARD_B if fees_b is None else {"agency": WARD_B, "fees": fees_b}
    r = put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "fees": {"le_phi": 50000}}, ward_b]})
    assert r.status_code == 200, r.get_json()


def _fee_line(app) -> str:
    page = text_of(Web(app.test_client()).get(f"/thu-tuc/{SAMPLE_CODE}"))
    start = page.index(FEE)
    return page[start:page.index("Thành phần hồ sơ", start)].strip()


def test_the_api_gives_the_amount_of_the_agency_asked_for(api, province, app, clock, tmp_path, settings):
    _offered_at_ward_a(api, app, tmp_path, settings, clock)
    # without an agency: the procedure's declared list, as before
    assert _amounts(api.get(f"/api/v1/procedures/{SAMPLE_CODE}").get_json()["fees"]) == {"le_phi": 100000}
    listed = next(p for p in api.get("/api/v1/procedures").get_json() if p["code"] == SAMPLE_CODE)
    assert _amounts(listed["fees"]) == {"le_phi": 100000}
    # ward A's catalogue and the procedure asked at ward A: its own amount
    [at_a] = api.get(f"/api/v1/procedures?agency={WARD_A}").get_json()
    assert _amounts(at_a["fees"]) == {"le_phi": 50000}
    assert at_a["fees"][0]["name"] == FEE and at_a["fees"][0]["when"] == "at_intake"  # the same shape
    one = api.get(f"/api/v1/procedures/{SAMPLE_CODE}?agency={WARD_A}").get_json()
    assert _amounts(one["fees"]) == {"le_phi": 50000}
    # ward B gives none: the declared amount there
    [at_b] = api.get(f"/api/v1/procedures?agency={WARD_B}").get_json()
    assert _amounts(at_b["fees"]) == {"le_phi": 100000}
    # each office, where the procedure lists its offices
    by_office = {o["agency"]: _amounts(o["fees"]) for o in one["levels_by_agency"]}
    assert by_office == {DEMO: {"le_phi": 100000}, WARD_A: {"le_phi": 50000}, WARD_B: {"le_phi": 100000}}


def test_the_page_names_the_office_charging_otherwise_and_the_ward_charges_what_was_shown(
        api, province, app, clock, tmp_path, settings):
    _offered_at_ward_a(api, app, tmp_path, settings, clock)
    assert _fee_line(app) == f"{FEE}: 100.000 đ (UBND phường An Cựu: 50.000 đ) — nộp khi tiếp nhận"
    [shown] = api.get(f"/api/v1/procedures?agency={WARD_A}").get_json()
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=VN_TZ))
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=VN_TZ))
    payments = api.act("a.canbo", code, "receive")["payments"]
    assert [p["amount"] for p in payments] == [f["amount"] for f in shown["fees"]] == [50000]


def test_every_office_charging_its_own_different_amount_is_named(api, province, app, clock, tmp_path, settings):
    clock.set(datetime(2026, 11, 24, 8, 30, tzinfo=VN_TZ))
    deploy_with_local_fee(app, tmp_path, settings, clock)
    r = put_offers(api, {"agencies": [{"agency": WARD_A, "fees": {"le_phi": 50000}},
                                      {"agency": WARD_B, "fees": {"le_phi": 70000}}]})
    assert r.status_code == 200, r.get_json()
    assert _fee_line(app) == (f"{FEE}: Tùy nơi nộp hồ sơ (UBND phường An Cựu: 50.000 đ; UBND phường Vỹ Dạ: "
                              "70.000 đ) — nộp khi tiếp nhận")
    r = put_offers(api, {"agencies": [{"agency": WARD_A, "fees": {"le_phi": 50000}},
                                      {"agency": WARD_B, "fees": {"le_phi": 50000}}]})
    assert r.status_code == 200, r.get_json()
    assert _fee_line(app) == f"{FEE}: 50.000 đ — nộp khi tiếp nhận"  # the same everywhere: that amount
