"""Files are added to a dossier only while it is filed and not yet decided by intake, or while a supplement
request is open (D8, D10): the citizen on their dossier, the receiving officer of the receiving agency on a desk
or post dossier. Afterwards the dossier is what intake received and processing judged: 409 dossier_not_editable."""
from __future__ import annotations

import io

from conftest import CITIZEN, OFFICERS, SAMPLE_FORM, STEP_DATA
from test_store_result_copies import COMPONENT, at
from web_support import PNG

OWNER = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}


def attach(api, user: str, code: str):
    return api.post(f"/api/v1/dossiers/{code}/documents", user, data={
        "file": (io.BytesIO(PNG), "bo-sung.png"), "component": COMPONENT}, content_type="multipart/form-data")


def refused(response) -> None:
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "dossier_not_editable"


def test_the_citizen_attaches_when_filing_and_while_a_supplement_is_asked_only(api, clock):
    at(api, clock, 2026, 12, 7, 9, 0)  # Monday 07/12/2026 09:00: filed online
    code = api.file(CITIZEN)["code"]
    at(api, clock, 2026, 12, 7, 9, 5)
    assert attach(api, CITIZEN, code).status_code == 201  # with the filing, before intake decides
    at(api, clock, 2026, 12, 7, 9, 30)
    assert api.act(OFFICERS["intake"], code, "receive")["status"] == 4
    at(api, clock, 2026, 12, 7, 10, 0)  # received: nothing more may be slipped in
    refused(attach(api, CITIZEN, code))
    refused(api.post(f"/api/v1/dossiers/{code}/documents", CITIZEN, json={"reuse": 1, "component": COMPONENT}))
    at(api, clock, 2026, 12, 8, 9, 0)  # Tuesday 08/12/2026: the specialist asks for a supplement
    asked = api.act(OFFICERS["assessment"], code, "request_supplement", STEP_DATA["request_supplement"])
    assert asked["status"] == 5
    at(api, clock, 2026, 12, 8, 10, 0)
    assert attach(api, CITIZEN, code).status_code == 201  # the file asked for
    at(api, clock, 2026, 12, 8, 10, 5)
    back = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert back.status_code == 200 and back.get_json()["status"] == 4, back.get_json()
    at(api, clock, 2026, 12, 8, 10, 30)  # answered: closed again
    refused(attach(api, CITIZEN, code))
    at(api, clock, 2026, 12, 8, 14, 0)
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    assert api.act(OFFICERS["approval"], code, "approve")["status"] == 4
    refused(attach(api, CITIZEN, code))
    at(api, clock, 2026, 12, 8, 15, 0)
    assert api.act(OFFICERS["signing"], code, "issue_result")["status"] == 9
    refused(attach(api, CITIZEN, code))
    filed = [d for d in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"] if d["kind"] == "filing"]
    assert len(filed) == 2


def test_the_receiving_officer_attaches_to_a_desk_dossier_in_the_same_windows_only(api, clock):
    at(api, clock, 2026, 12, 7, 9, 0)  # Monday 07/12/2026 09:00: filed at the desk for its owner
    code = api.file(OFFICERS["intake"], owner=OWNER, channel="desk")["code"]
    assert attach(api, OFFICERS["intake"], code).status_code == 201  # the paper scanned with the filing
    at(api, clock, 2026, 12, 7, 9, 30)
    assert api.act(OFFICERS["intake"], code, "request_supplement", STEP_DATA["request_supplement"])["status"] == 5
    at(api, clock, 2026, 12, 7, 10, 0)
    assert attach(api, OFFICERS["intake"], code).status_code == 201  # the paper handed in for the supplement
    back = api.post(f"/api/v1/dossiers/{code}/supplement", OFFICERS["intake"], json={"form": SAMPLE_FORM})
    assert back.status_code == 200 and back.get_json()["status"] == 1, back.get_json()
    at(api, clock, 2026, 12, 7, 10, 30)
    assert api.act(OFFICERS["intake"], code, "receive")["status"] == 4
    at(api, clock, 2026, 12, 7, 11, 0)
    refused(attach(api, OFFICERS["intake"], code))


def test_the_receiving_officer_does_not_add_files_to_an_online_dossier(api, clock):
    at(api, clock, 2026, 12, 7, 9, 0)  # Monday 07/12/2026 09:00: filed online by the citizen
    code = api.file(CITIZEN)["code"]
    at(api, clock, 2026, 12, 7, 9, 10)
    r = attach(api, OFFICERS["intake"], code)
    assert r.status_code == 403, r.get_json()


def test_a_file_name_sent_decomposed_is_kept_in_one_spelling_and_cut_whole(api):
    """Some systems send file names decomposed (NFD): the name was kept so, and cut by its code points, shorter
    than the same name composed, sometimes between a letter and its mark ("Giấ" became "Giâ")."""
    import unicodedata

    from engine.cases.attachments import NAME_LENGTH, _clean_name

    code = api.file(CITIZEN)["code"]
    name = unicodedata.normalize("NFD", "Giấy đề nghị hộ kinh doanh.png")
    answer = api.post(f"/api/v1/dossiers/{code}/documents", CITIZEN, data={
        "file": (io.BytesIO(PNG), name), "component": COMPONENT}, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["name"] == "Giấy đề nghị hộ kinh doanh.png"  # NFC
    long = "xx" + "Giấy xác nhận " * 9 + "Hà Nội"
    for spelling in ("NFC", "NFD"):
        kept = _clean_name(unicodedata.normalize(spelling, long), "application/pdf")
        assert kept == long[:NAME_LENGTH] + ".pdf", spelling  # was "…Giâ.pdf" from the decomposed name
    mark_at_cut = "a" * (NAME_LENGTH - 1) + "q\u0323\u0302" + "z"  # no composed form: the marks stay apart
    assert _clean_name(mark_at_cut, "application/pdf") == "a" * (NAME_LENGTH - 1) + ".pdf"


def test_a_dossier_takes_a_bounded_number_of_files(api, clock, monkeypatch):
    """Each file was bounded (10 MB), their number was not: an account is quick to make, the disk is the
    province's. Past the limit: 409 too_many_files, nothing stored (the limit made small here: 60 by default)."""
    from engine.cases import attachments

    monkeypatch.setattr(attachments, "MAX_FILES", 3)
    at(api, clock, 2026, 12, 7, 9, 0)
    code = api.file(CITIZEN)["code"]
    for _ in range(3):
        assert attach(api, CITIZEN, code).status_code == 201
    r = attach(api, CITIZEN, code)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "too_many_files", r.get_json()
    assert "đã có 3 tệp đính kèm" in r.get_json()["error"]["message"]
    assert len([d for d in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"]
                if d["kind"] == "filing"]) == 3
