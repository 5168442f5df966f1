"""D29: administrators act on their own subtree only. In the demo province a ward's administrator (phuxuan.admin,
ward Phú Xuân) may neither deploy a new version of a procedure another ward publishes (the household-business
registration of ward Thuận Hóa, which every ward's citizens then file under), even by naming its own ward in the
file, nor make another agency process the dossiers its ward receives. The province's administrator still does
both; a refusal writes nothing."""
from __future__ import annotations

import io

import pytest

from conftest import PASSWORD, SAMPLE, SAMPLE_CODE, database_copy, make_settings
from engine.cli import load_demo

WARD_ADMIN, PROVINCE_ADMIN = "phuxuan.admin", "demo.admin"
THUAN_HOA, PHU_XUAN = "000.00.06.H56", "000.00.07.H56"  # the publisher; the ward phuxuan.admin administers
REFUSED = {"code": "outside_your_agencies", "message": "Cơ quan này không thuộc phạm vi quản trị của bạn."}


@pytest.fixture(scope="module")
def province_template(tmp_path_factory, pki_dir, request):
    """Per backend, a database with the demo province (its wards and their administrators), built once per module
    (a module importing this fixture builds its own, under its own name: a worker may run both modules)."""
    built, name = {}, f"province_{request.module.__name__.removeprefix('test_')}"[:60]

    def get(backend: str, pg=None) -> str:
        if backend not in built:
            if backend == "sqlite":
                folder = tmp_path_factory.mktemp("province")
                load_demo(make_settings(folder, f"sqlite:///{folder}/province.sqlite3", pki_dir), PASSWORD)
                built[backend] = str(folder / "province.sqlite3")
            else:
                url = pg.create_database(name)
                load_demo(make_settings(tmp_path_factory.mktemp("pgprovince"), url, pki_dir), PASSWORD)
                built[backend] = name
        return built[backend]

    return get


@pytest.fixture
def database_url(backend, tmp_path, request, province_template):
    yield from database_copy(backend, tmp_path, request, province_template)


def upload(api, user: str, *, agency: str = THUAN_HOA, duration: str = "3"):
    text = SAMPLE.read_text(encoding="utf-8")
    assert f'name="agency" value="{THUAN_HOA}"' in text and 'name="duration" value="3"' in text
    text = (text.replace(f'name="agency" value="{THUAN_HOA}"', f'name="agency" value="{agency}"')
            .replace('name="duration" value="3"', f'name="duration" value="{duration}"'))
    data = {"bpmn": (io.BytesIO(text.encode("utf-8")), "ho-kinh-doanh.bpmn")}
    return api.post("/api/v1/procedures", user, data=data, content_type="multipart/form-data")


def procedure(api) -> dict:
    r = api.get(f"/api/v1/procedures/{SAMPLE_CODE}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def version_numbers(api) -> list[int]:
    r = api.get(f"/api/v1/procedures/{SAMPLE_CODE}/versions", PROVINCE_ADMIN)
    assert r.status_code == 200, r.get_json()
    return sorted(v["version"] for v in r.get_json())


def offers(api) -> list[dict]:
    r = api.get(f"/api/v1/procedures/{SAMPLE_CODE}/offers")
    assert r.status_code == 200, r.get_json()
    return sorted(r.get_json()["agencies"], key=lambda a: a["agency"])


def put_offers(api, user: str, payload: dict):
    return api.client.put(f"/api/v1/procedures/{SAMPLE_CODE}/offers", json=payload, headers=api.headers(user))


def test_a_ward_administrator_deploys_no_version_of_another_wards_procedure(api):
    before, numbers = procedure(api), version_numbers(api)
    assert api.get(f"/api/v1/procedures/{SAMPLE_CODE}/versions", WARD_ADMIN).status_code == 403
    for agency in (PHU_XUAN, THUAN_HOA):  # renamed to its own ward, or as published
        r = upload(api, WARD_ADMIN, agency=agency, duration="30")
        assert r.status_code == 403 and r.get_json()["error"]["code"] == REFUSED["code"], r.get_json()
        assert r.get_json()["error"]["message"] == REFUSED["message"]
    after = procedure(api)
    assert after == before and after["duration"]["value"] == 3, after
    assert version_numbers(api) == numbers
    # the province's administrator still deploys the next version
    r = upload(api, PROVINCE_ADMIN, duration="5")
    assert r.status_code == 201 and r.get_json()["version"] == numbers[-1] + 1, r.get_json()
    assert version_numbers(api) == numbers + [numbers[-1] + 1]


def test_a_ward_administrator_names_no_processing_agency_outside_its_subtree(api):
    before = offers(api)
    assert PHU_XUAN in [o["agency"] for o in before]
    r = put_offers(api, WARD_ADMIN, {"agencies": [{"agency": PHU_XUAN, "processing_agency": THUAN_HOA}]})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == REFUSED["code"], r.get_json()
    assert r.get_json()["error"]["message"] == REFUSED["message"]
    assert offers(api) == before
    # its own ward, or none, it may name
    for processing in (PHU_XUAN, None):
        r = put_offers(api, WARD_ADMIN, {"agencies": [{"agency": PHU_XUAN, "processing_agency": processing}]})
        assert r.status_code == 200, r.get_json()
        mine = next(o for o in offers(api) if o["agency"] == PHU_XUAN)
        assert mine["processing_agency"] is None, mine
    # the province's administrator may name any agency; the ward's administrator may then send the offers back
    # as they are, but not name another agency
    r = put_offers(api, PROVINCE_ADMIN, {"agencies": [{"agency": PHU_XUAN, "processing_agency": THUAN_HOA}]
                                         + [o["agency"] for o in before if o["agency"] != PHU_XUAN]})
    assert r.status_code == 200, r.get_json()
    assert next(o for o in offers(api) if o["agency"] == PHU_XUAN)["processing_agency"] == THUAN_HOA
    mine = [o for o in offers(api) if o["agency"] == PHU_XUAN]
    assert put_offers(api, WARD_ADMIN, {"agencies": mine}).status_code == 200
    assert next(o for o in offers(api) if o["agency"] == PHU_XUAN)["processing_agency"] == THUAN_HOA


def test_a_ward_administrator_opens_the_ward_to_no_department_procedure(api):
    """D29: phuxuan.admin made the ward offer the Sở Tư pháp's civil-status extract (2.000635): citizens filed it
    there and the ward would have issued it under its own seal. A new offer of another level's procedure is for
    the administrator of the publisher or of the province; another ward's procedure (the household-business
    registration of Thuận Hóa) the ward may still take up or leave."""
    extract = "2.000635"
    before = api.get(f"/api/v1/procedures/{extract}/offers").get_json()["agencies"]
    r = api.client.put(f"/api/v1/procedures/{extract}/offers", json={"agencies": [PHU_XUAN]},
                       headers=api.headers(WARD_ADMIN))
    assert r.status_code == 403 and r.get_json()["error"]["code"] == REFUSED["code"], r.get_json()
    assert "cơ quan công bố thủ tục" in r.get_json()["error"]["message"]
    assert api.get(f"/api/v1/procedures/{extract}/offers").get_json()["agencies"] == before
    # the ward's own level: it leaves the household-business registration, then takes it up again
    others = [o["agency"] for o in offers(api) if o["agency"] != PHU_XUAN]
    assert put_offers(api, PROVINCE_ADMIN, {"agencies": others}).status_code == 200
    assert put_offers(api, WARD_ADMIN, {"agencies": [PHU_XUAN]}).status_code == 200
    assert PHU_XUAN in [o["agency"] for o in offers(api)]
    # the province's administrator may open the ward to it
    r = api.client.put(f"/api/v1/procedures/{extract}/offers",
                       json={"agencies": [o["agency"] for o in before] + [PHU_XUAN]},
                       headers=api.headers(PROVINCE_ADMIN))
    assert r.status_code == 200, r.get_json()
