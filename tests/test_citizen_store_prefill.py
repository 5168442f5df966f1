"""The citizen's electronic dossier store and the filing form's auto-fill (D24), as a citizen meets them: a result
corrected by a re-issue leaves the store (only the one in force can be reused in a later filing); a stored file
whose bytes are no longer those issued is not reused; and the filer's own name, CCCD and birth date fill the
applicant's fields, never those of another person the form describes (the deceased of a death registration,
the two parties of a marriage)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CITIZEN, SAMPLE_CODE
from test_result_reissue import CORRECTED, issued, reissued, results_of
from web_support import Web

from engine.paperwork import documents
from engine.process import procedures

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
DEATH, MARRIAGE = "1.000656", "1.000894"  # processes/khai-tu, processes/ket-hon


@pytest.fixture
def backend():
    """The store's query and the filing page are the same on both databases (test_web_withdraw_reuse runs both)."""
    return "sqlite"


def prefilled(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="f\.([^"]*)" value="([^"]+)"', page))  # the fields given a value


def test_a_result_replaced_by_its_correction_leaves_the_store_and_cannot_be_reused(api):
    code = issued(api, returned=True)
    first = [d for d in api.get("/api/v1/me/documents", CITIZEN).get_json() if d["kind"] == "result"]
    dossier = reissued(api, code, {"reason": "Sai tên hộ kinh doanh", "form": CORRECTED})
    old, new = results_of(dossier)
    assert [d["id"] for d in first] == [old["id"]]

    store = api.get("/api/v1/me/documents", CITIZEN).get_json()
    assert [d["id"] for d in store if d["kind"] == "result"] == [new["id"]]  # the one in force only

    later = api.file(CITIZEN)["code"]
    url = f"/api/v1/dossiers/{later}/documents"
    r = api.post(url, CITIZEN, json={"reuse": old["id"], "component": "giay_de_nghi"})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "document_not_found"
    r = api.post(url, CITIZEN, json={"reuse": new["id"], "component": "giay_de_nghi"})
    assert r.status_code == 201 and r.get_json()["sha256"] == new["sha256"]


def test_the_filing_page_offers_only_the_corrected_result(app, api):
    code = issued(api, returned=True)
    dossier = reissued(api, code, {"reason": "Sai tên hộ kinh doanh", "form": CORRECTED})
    old, new = results_of(dossier)
    page = Web(app.test_client()).login(CITIZEN).get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    assert f'<option value="{new["id"]}">' in page and f'<option value="{old["id"]}">' not in page


def test_a_stored_result_whose_file_was_swapped_is_not_reused(app, api, settings):
    code = issued(api, returned=True)
    [result] = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())
    other = issued(api, returned=True)  # another validly signed result, put in the first one's place on disk
    [swap] = results_of(api.get(f"/api/v1/dossiers/{other}", CITIZEN).get_json())
    stored = documents.path_for(settings.data_dir, result["sha256"])
    stored.write_bytes(documents.path_for(settings.data_dir, swap["sha256"]).read_bytes())

    later = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{later}/documents", CITIZEN,
                 json={"reuse": result["id"], "component": "giay_de_nghi"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "document_altered", r.get_json()
    assert "không còn nguyên vẹn" in r.get_json()["error"]["message"]
    assert [d for d in api.get(f"/api/v1/dossiers/{later}", CITIZEN).get_json()["documents"]
            if d["kind"] == "filing"] == []


def test_the_death_registration_fills_the_filer_and_leaves_the_deceased_blank(app, settings, clock):
    with app.extensions["tthc"]["sessions"].begin() as session:
        for folder in ("khai-tu", "ket-hon"):
            procedures.deploy(session, procedures.load_file(PROCESSES / folder / f"{folder}.bpmn", settings.forms_dir),
                              clock.now(), "tester")
    citizen = Web(app.test_client()).login(CITIZEN)

    death = prefilled(citizen.get(f"/thu-tuc/{DEATH}/nop").get_data(as_text=True))
    assert (death["ho_ten"], death["cccd"], death["dien_thoai"]) == ("Nguyễn Văn An", "001099000001", "0912345678")
    assert "nguoi_chet.ho_ten" not in death and "nguoi_chet.ngay_sinh" not in death  # not the filer's own

    marriage = prefilled(citizen.get(f"/thu-tuc/{MARRIAGE}/nop").get_data(as_text=True))
    assert (marriage["ho_ten"], marriage["cccd"]) == ("Nguyễn Văn An", "001099000001")
    for party in ("ben_nu", "ben_nam"):  # which party the filer is, the filer says
        assert f"{party}.ho_ten" not in marriage and f"{party}.ngay_sinh" not in marriage


def test_the_household_business_still_fills_the_household_head_with_the_filer(app):
    page = Web(app.test_client()).login(CITIZEN).get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    found = prefilled(page)
    assert (found["chu_ho.ho_ten"], found["chu_ho.cccd"], found["chu_ho.ngay_sinh"]) == (
        "Nguyễn Văn An", "001099000001", "1999-03-14")
