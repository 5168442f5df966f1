"""What people type, as they type it: a dossier code pasted in lower case, a CCCD with spaces or dots or in
full-width digits, a user name the phone capitalised, a search with doubled spaces or a local procedure code,
an e-ID name sent decomposed; and lists that say when they stop (GET /api/v1/dossiers pages with a Link header,
the public lookup says that it shows a CCCD's latest 50)."""
from __future__ import annotations

import itertools
import re
import unicodedata
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from sqlalchemy import insert, select

from conftest import CITIZEN, PASSWORD
from engine.cases import eid
from engine.data.model import Dossier
from engine.process import procedures
from web_support import new_client

ROOT = Path(__file__).resolve().parent.parent
_addresses = itertools.count(1)


def visitor(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.9.{next(_addresses)}.1"  # the lookup's limit is per address
    return client


def copies(app, code: str, n: int, **same) -> list[str]:
    """``n`` copies of dossier ``code`` (its row, new codes), with ``same`` set on all of them and on it."""
    table = Dossier.__table__
    with app.extensions["tthc"]["sessions"].begin() as session:
        row = dict(session.execute(select(table).where(table.c.code == code)).mappings().one())
        if same:
            session.execute(table.update().where(table.c.id == row["id"]).values(**same))
        made = [code]
        for k in range(n):
            copy = {key: value for key, value in row.items() if key != "id"}
            copy.update(code=code[:-4] + f"{8000 + k}", next_timer_at=None, **same)
            session.execute(insert(table).values(**copy))
            made.append(copy["code"])
    return made


@pytest.mark.parametrize("typed", ["001 099 000 001", "001.099.000.001", " 001099 000001 ", "００１０９９０００００１"])
def test_the_public_lookup_takes_a_cccd_as_people_write_it(api, app, typed):
    code = api.file(CITIZEN)["code"]
    answer = visitor(app).get("/tra-cuu?q=" + quote(typed))
    assert answer.status_code == 200 and code in answer.get_data(as_text=True), typed  # was 422


def test_the_public_lookup_says_it_shows_a_cccds_latest_50(api, app):
    code = api.file(CITIZEN)["code"]
    made = copies(app, code, 60)  # 61 filed at the same instant: the latest by id, always the same 50
    page = visitor(app).get("/tra-cuu?q=" + CITIZEN).get_data(as_text=True)
    shown = re.findall(r'data-label="Mã hồ sơ">([^<]+)<', page)
    assert shown == sorted(made[1:], reverse=True)[:50]
    assert "Chỉ hiển thị 50 hồ sơ nộp gần nhất" in page  # was: 11 missing, unsaid
    one = visitor(app).get("/tra-cuu?q=" + code).get_data(as_text=True)
    assert code in one and "Chỉ hiển thị" not in one


def test_a_dossier_code_in_lower_case_is_found_on_every_face(api, app):
    code = api.file(CITIZEN)["code"]
    low = code.lower()
    assert api.get(f"/api/v1/dossiers/{low}", CITIZEN).get_json()["code"] == code  # was 404
    assert new_client(app).login(CITIZEN).client.get(f"/ca-nhan/ho-so/{low}").status_code == 200
    assert new_client(app).login("demo.tiepnhan").client.get(f"/can-bo/ho-so/{low}").status_code == 200
    admin = new_client(app).login("demo.admin")
    assert admin.client.get(f"/quan-tri/ho-so/{low}").status_code == 200
    trail = admin.client.get(f"/quan-tri/nhat-ky?ho-so={quote(low)}").get_data(as_text=True)
    assert "Không tìm thấy hồ sơ" not in trail


@pytest.mark.parametrize("typed", ["Demo.TiepNhan", " DEMO.TIEPNHAN ", "001 099 000 001", "００１０９９０００００１"])
def test_a_user_name_is_taken_as_the_phone_typed_it(app, typed):
    answer = app.test_client().post("/api/v1/auth/token", json={"username": typed, "password": PASSWORD})
    assert answer.status_code == 200, answer.get_json()  # was 401 bad_credentials


def test_failed_logins_count_under_one_spelling(app):
    client = app.test_client()
    for typed in ("Demo.TiepNhan", "DEMO.tiepnhan", "demo.TIEPNHAN", "Demo.Tiepnhan", "dEmo.tiepnhan"):
        client.post("/api/v1/auth/token", json={"username": typed, "password": "wrong"})
    answer = client.post("/api/v1/auth/token", json={"username": "demo.tiepnhan", "password": PASSWORD})
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "locked_out"


def test_the_catalogue_finds_a_local_code_and_ignores_doubled_spaces(app, settings, clock):
    path = ROOT / "processes" / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn"
    bpmn = path.read_bytes().replace(b'value="1.001612"', b'value="1.001612.H56"')
    bpmn = bpmn.replace(b'id="ho_kinh_doanh"', b'id="ho_kinh_doanh_h56"')
    forms, _paths = procedures.read_forms(settings.forms_dir, procedures.referenced_forms(bpmn), folder=path.parent)
    definition = procedures.load_definition(bpmn, "local.bpmn", forms, settings.forms_dir, folder=path.parent)
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, definition, clock.now(), "tester")
    for typed in ("1.001612.H56", "1.001612.h56", "h56"):
        page = visitor(app).get("/thu-tuc?q=" + quote(typed)).get_data(as_text=True)
        assert "/thu-tuc/1.001612.H56" in page, typed  # was: 0 found
    page = visitor(app).get("/thu-tuc?q=" + quote("hộ  kinh   doanh")).get_data(as_text=True)
    assert "/thu-tuc/1.001612" in page  # was: 0 found


def test_an_eid_name_sent_decomposed_is_stored_composed():
    user = SimpleNamespace(cccd="001099000009", full_name=None, phone=None, email=None)
    eid._from_claims(user, {"name": unicodedata.normalize("NFD", "Nguyễn Văn An")})
    assert user.full_name == "Nguyễn Văn An"  # one name, one spelling (forms.clean_name)


def test_the_dossier_list_of_the_api_pages_with_a_link(api, app):
    code = api.file(CITIZEN)["code"]
    made = copies(app, code, 205)
    seen, path, pages = [], "/api/v1/dossiers?limit=50", 0
    while path:
        answer = api.get(path, CITIZEN)
        assert answer.status_code == 200, answer.get_json()
        seen += [d["code"] for d in answer.get_json()]
        link = answer.headers.get("Link")
        path = re.match(r'<([^>]+)>; rel="next"', link).group(1) if link else None
        pages += 1
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen)) and pages == 5
    whole = api.get("/api/v1/dossiers", CITIZEN)  # the default page: 200, and a link to the rest
    assert len(whole.get_json()) == 200 and 'rel="next"' in whole.headers["Link"]  # was: 200, no word of 6 more
    for bad in ("limit=0", "limit=501", "limit=x", "after=garbage", "after=n..5"):
        refused = api.get(f"/api/v1/dossiers?{bad}", CITIZEN)
        assert refused.status_code == 422, bad


def test_the_citizen_activates_with_the_cccd_as_typed(app, api):
    from test_citizen_accounts import NEW_PASSWORD, WALK_IN, last_code
    from web_support import Web

    assert api.post("/api/v1/citizens/desk", "demo.tiepnhan", json=WALK_IN).status_code == 201
    spaced = " ".join(WALK_IN["cccd"][i:i + 3] for i in range(0, 12, 3))  # 046 190 000 123
    Web(app.test_client()).post("/kich-hoat-cong-dan", {"username": spaced, "code": last_code(app, WALK_IN["cccd"]),
                                                        "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
                                status=302)  # was 422: "Mã kích hoạt không đúng"
