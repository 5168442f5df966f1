"""A report of an agency with the units below it (D29, D32): the province (or a centre, a department) counted with
its wards, each ward its row and the total theirs, through the API (``subtree=true``), the leaders' page (the box
"Gồm các đơn vị trực thuộc") and the command (``--subtree``); never more than the caller may see.

In November 2026 the citizen files one dossier with ward A (Monday 23/11 09:00) and two with ward B, each received by
its ward. The province itself receives nothing: counted alone it has no dossier."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import CITIZEN
from engine.cli import main
from test_offers import PROVINCE, WARD_A, WARD_B, put_offers
from test_offers import province  # noqa: F401 (the fixture)
from web_support import Web, text_of

NOVEMBER = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def filed(api, province):  # noqa: F811
    assert put_offers(api, {"agencies": [WARD_A, WARD_B]}).status_code == 200
    api.act("a.canbo", api.file(CITIZEN, agency=WARD_A)["code"], "receive")
    for _ in range(2):
        api.act("b.canbo", api.file(CITIZEN, agency=WARD_B)["code"], "receive")
    return province


def statistics(api, user: str, query: str):
    return api.get(f"/api/v1/reports/statistics?{NOVEMBER}&{query}", user)


def received(body: dict) -> dict[str, int]:
    return {row["key"]: row["received"] for row in body["rows"]}


def test_the_province_with_its_wards_counts_each_ward_and_their_total(api, filed):
    alone = statistics(api, "tinh.admin", f"agency={PROVINCE}").get_json()
    assert alone["total"]["received"] == 0 and alone["subtree"] is False
    whole = statistics(api, "tinh.admin", f"agency={PROVINCE}&subtree=true")
    assert whole.status_code == 200, whole.get_json()
    body = whole.get_json()
    assert body["subtree"] is True and body["total"]["received"] == 3
    assert {k: v for k, v in received(body).items() if v} == {WARD_A: 1, WARD_B: 2}
    assert body["total"]["received_online"] == 3
    indicators = api.get(f"/api/v1/reports/indicators?{NOVEMBER}&agency={PROVINCE}&subtree=1", "tinh.admin")
    assert indicators.status_code == 200 and indicators.get_json()["subtree"] is True


def test_a_subtree_is_never_more_than_the_caller_may_see(api, filed):
    refused = statistics(api, "a.admin", f"agency={PROVINCE}&subtree=true")  # ward A's administrator
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "other_agency"
    own = statistics(api, "a.admin", f"agency={WARD_A}&subtree=true").get_json()
    assert own["total"]["received"] == 1 and received(own) == {WARD_A: 1}
    leader = statistics(api, "a.canbo", f"agency={WARD_A}&subtree=true").get_json()  # a leader: their own agency
    assert leader["total"]["received"] == 1
    bad = statistics(api, "tinh.admin", f"agency={PROVINCE}&subtree=maybe")
    assert bad.status_code == 422 and "subtree" in bad.get_json()["error"]["fields"]
    alone = api.get("/api/v1/reports/statistics?from=2026-13-01&to=2026-11-30&subtree=true", "tinh.admin")
    assert alone.status_code == 422 and {"from", "subtree"} <= alone.get_json()["error"]["fields"].keys()  # both


def test_the_page_counts_the_province_with_its_wards(app, filed):
    admin = Web(app.test_client()).login("tinh.admin")
    page = admin.get(f"/can-bo/thong-ke?{NOVEMBER}&agency={PROVINCE}&subtree=1")
    html, text = page.get_data(as_text=True), text_of(page)
    assert page.status_code == 200 and "UBND tỉnh Huế và các đơn vị trực thuộc" in text
    assert 'id="f-subtree" name="subtree" value="1" checked' in html
    assert f'data-key="{WARD_B}"' in html and f'data-key="{WARD_A}"' in html
    assert "subtree=1" in html  # the downloads ask for the same agencies
    whole = admin.get(f"/can-bo/thong-ke?{NOVEMBER}&subtree=1").get_data(as_text=True)  # no agency: every one
    assert 'id="f-subtree" name="subtree" value="1">' in whole  # not left ticked beside "Toàn tỉnh"
    far = text_of(admin.get("/can-bo/thong-ke?from=9999-12-01&to=9999-12-31", status=None))
    assert "Năm phải từ 1900 đến 2999" in far  # as the API and the command say it
    download = admin.get(f"/can-bo/thong-ke/tai-ve?{NOVEMBER}&agency={PROVINCE}&subtree=1&format=csv")
    assert download.status_code == 200 and "UBND phường Vỹ Dạ" in download.get_data(as_text=True)


def test_the_command_counts_an_agency_with_its_units(app, filed, settings):
    env = {"TTHC_DATABASE_URL": settings.database_url, "TTHC_DATA_DIR": str(settings.data_dir)}
    run = CliRunner().invoke(main, ["stats", "--from", "2026-11-01", "--to", "2026-11-30", "--agency", PROVINCE,
                                    "--subtree", "--format", "json"], env=env)
    assert run.exit_code == 0, run.output
    assert json.loads(run.output)["total"]["received"] == 3
    alone = CliRunner().invoke(main, ["stats", "--from", "2026-11-01", "--to", "2026-11-30", "--subtree"], env=env)
    assert alone.exit_code == 2 and "--subtree đi cùng --agency" in alone.output
