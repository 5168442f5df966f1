"""D5, D9, D10: the receiving officer's "Ghi nhận hồ sơ bổ sung" form takes the documents the applicant of a
desk or post dossier hands in, one file input per component, as the citizen's supplement form on the portal:
the files are checked as the citizen's uploads are and attached before the supplement is recorded, in one unit
of work; a refused file is the component's error, nothing attached, the dossier still waiting.

Wed 25/11/2026 09:00 a desk dossier is filed and received by demo.tiepnhan; Thu 26/11/2026 09:00 the specialist
asks for the signed "Giấy đề nghị" again; Fri 27/11/2026 10:00 the applicant brings it to the one-stop.
"""
from __future__ import annotations

import io

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, vn
from web_support import PDF, Web, counts, flatten, text_of

RECEIVER, SPECIALIST = "demo.tiepnhan", "demo.chuyenvien"
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-06", "cccd": "046190000123"}  # no account
REQUEST = STEP_DATA["request_supplement"]  # "Giấy đề nghị đăng ký hộ kinh doanh ... Ký và tải lên lại"
COMPONENT = "Giấy đề nghị đăng ký hộ kinh doanh"
COMPLETED = {**SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa Bình An Mới"}


def _at(api, clock, *when):
    clock.set(vn(*when))
    api.tokens.clear()  # the clock moved past the tokens' life


def _waiting_desk_dossier(api, clock) -> str:
    _at(api, clock, 2026, 11, 25, 9, 0)
    code = api.file(RECEIVER, owner=OWNER, channel="desk")["code"]
    api.act(RECEIVER, code, "receive")
    _at(api, clock, 2026, 11, 26, 9, 0)
    api.act(SPECIALIST, code, "request_supplement", REQUEST)
    _at(api, clock, 2026, 11, 27, 10, 0)
    return code


def _filings(api, code: str) -> list[dict]:
    out = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    return [d for d in out["documents"] if d["kind"] == "filing"]


def _post(web, code: str, files: dict, status: int):
    data = {**flatten(COMPLETED), "note": "Nộp bổ sung tại quầy"}
    data.update({f"file.{key}": (io.BytesIO(content), name) for key, (name, content) in files.items()})
    return web.post(f"/can-bo/ho-so/{code}/bo-sung", data, status=status, content_type="multipart/form-data")


def test_the_officer_records_the_supplement_with_the_signed_paper_scanned(api, app, clock):
    code = _waiting_desk_dossier(api, clock)
    web = Web(app.test_client()).login(RECEIVER)
    html = web.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    section = html[html.find('id="desk-supplement"'):]
    section = section[:section.find("</section>")]
    assert 'enctype="multipart/form-data"' in section
    assert 'type="file"' in section and 'name="file.giay_de_nghi"' in section
    before = len(_filings(api, code))
    done = _post(web, code, {"giay_de_nghi": ("giay-de-nghi-da-ky.pdf", PDF + b"%ky")}, 302)
    assert done.headers["Location"].endswith(f"/can-bo/ho-so/{code}")
    docs = _filings(api, code)
    assert len(docs) == before + 1
    assert (docs[-1]["component"], docs[-1]["name"]) == (COMPONENT, "giay-de-nghi-da-ky.pdf")
    out = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    assert out["status"] != 5 and out["form"]["ten_ho_kinh_doanh"] == "Tạp hóa Bình An Mới"  # gone back
    assert out["history"][-1]["action"] == "supplement"
    assert f"Đã ghi nhận hồ sơ bổ sung của hồ sơ {code}." in text_of(web.get(f"/can-bo/ho-so/{code}"))


def test_a_refused_file_attaches_nothing_and_the_dossier_still_waits(api, app, clock):
    code = _waiting_desk_dossier(api, clock)
    web = Web(app.test_client()).login(RECEIVER)
    before = counts(app)
    bad = _post(web, code, {"giay_de_nghi": ("giay-de-nghi.pdf", b"MZ\x90\x00" + b"\x00" * 200)}, 422)
    html, text = bad.get_data(as_text=True), text_of(bad)
    assert 'id="form-desk-supplement"' in html and "Chưa thực hiện được" in text
    assert 'id="desk-file-giay_de_nghi-error"' in html and "giay-de-nghi.pdf" in text  # the component's error
    assert 'value="Tạp hóa Bình An Mới"' in html  # what was typed, kept
    assert counts(app) == before
    out = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    assert (out["status"], out["form"]["ten_ho_kinh_doanh"]) == (5, SAMPLE_FORM["ten_ho_kinh_doanh"])


def test_the_citizens_portal_supplement_still_takes_a_file(api, app, clock):
    _at(api, clock, 2026, 11, 25, 9, 0)
    code = api.file(CITIZEN)["code"]
    _at(api, clock, 2026, 11, 25, 9, 30)
    api.act(RECEIVER, code, "request_supplement", REQUEST)
    _at(api, clock, 2026, 11, 26, 9, 0)
    citizen = Web(app.test_client()).login(CITIZEN)
    data = {**flatten(COMPLETED), "file.giay_de_nghi": (io.BytesIO(PDF + b"%c"), "ky.pdf")}
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", data, status=302, content_type="multipart/form-data")
    out = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert out["status"] == 1 and out["form"]["ten_ho_kinh_doanh"] == "Tạp hóa Bình An Mới"
    filings = [(d["component"], d["name"]) for d in out["documents"] if d["kind"] == "filing"]
    assert filings[-1] == (COMPONENT, "ky.pdf")
