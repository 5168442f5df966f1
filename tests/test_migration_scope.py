"""D29: an administrator acts on their own subtree only. The ward that publishes a procedure decides its
versions, but a dossier another ward received under its offer is that ward's: the publisher's administrator can
neither move it onto another version (404 dossier_not_found, nothing written, as on every other administration
route) nor see it in a batch migration; the province's administrator, whose subtree holds both, can."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, SAMPLE_CODE
from sqlalchemy import select
from test_admin_versions import admin, upload
from test_offers import DEMO, WARD_B, province, put_offers  # noqa: F401 (province: a fixture)
from test_versions import variant

from engine.data.model import Dossier


@pytest.fixture
def backend():
    """Scope checks over the same queries on both databases; one is enough here."""
    return "sqlite"


def _version(app, code: str) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(Dossier).where(Dossier.code == code)).procedure_version.version


def test_the_publishing_wards_administrator_cannot_move_another_wards_dossier_D29(app, api, province):  # noqa: F811
    assert put_offers(api, {"agencies": [DEMO, WARD_B]}).status_code == 200
    code_b = api.file(CITIZEN, agency=WARD_B)["code"]
    own = api.file(CITIZEN, agency=DEMO)["code"]
    web = admin(app)  # demo.admin: the demo ward's administrator, not ward B's
    upload(web, variant(duration="5"), True, 302)
    r = api.post(f"/api/v1/dossiers/{code_b}/migrate", "demo.admin", json={"version": 2})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "dossier_not_found", r.get_json()
    assert _version(app, code_b) == 1
    r = web.post(f"/quan-tri/thu-tuc/{SAMPLE_CODE}/phien-ban/1/chuyen", {"den": "2", "confirm": "1"}, status=None)
    page = r.get_data(as_text=True)
    assert code_b not in page and own in page, page[:2000]
    assert _version(app, code_b) == 1 and _version(app, own) == 2


def test_the_province_administrator_moves_any_wards_dossier_D29(app, api, province):  # noqa: F811
    assert put_offers(api, {"agencies": [DEMO, WARD_B]}).status_code == 200
    code_b = api.file(CITIZEN, agency=WARD_B)["code"]
    upload(admin(app), variant(duration="5"), True, 302)
    r = api.post(f"/api/v1/dossiers/{code_b}/migrate", "tinh.admin", json={"version": 2})
    assert r.status_code == 200, r.get_json()
    assert _version(app, code_b) == 2
