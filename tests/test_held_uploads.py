"""The files chosen on the filing page are not lost when the filing is refused (the guide: nothing lost on any error).

Before, a refusal (a field to mend) rolled back the files chosen with it and the page said "vui lòng chọn lại tệp
đính kèm": each file was to be found and chosen again. Now the page that comes back lists them, each with a ticked
box; sent again, the kept ones are attached as uploads (the same checks), once. A held file is its citizen's only,
for a day. Times: Monday 23/11/2026 09:00 (Vietnam), the test clock.
"""
from __future__ import annotations

import copy
import hashlib
import io
import re

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
from sqlalchemy import func, select
from web_support import OTHER_CITIZEN, PDF, Web, flatten, other_citizen, text_of

from engine.data.portal_model import HeldUpload

HELD = re.compile(r'<input type="checkbox" id="held-(\d+)" name="held" value="\1" checked>')


@pytest.fixture
def backend():
    """Pages, the store and the rows: nothing here is database-specific (the migration runs on both)."""
    return "sqlite"


def _post(web: Web, form: dict, files: dict | None = None, held: list[str] | None = None, status: int = 302):
    data = flatten(form)
    for key, (name, content) in (files or {}).items():
        data[f"file.{key}"] = (io.BytesIO(content), name)
    if held:
        data["held"] = held
    return web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=status, content_type="multipart/form-data")


def _refused_with_a_file(web: Web):
    form = copy.deepcopy(SAMPLE_FORM)
    del form["ten_ho_kinh_doanh"]  # a field to mend
    return _post(web, form, {"giay_de_nghi": ("giay-de-nghi.pdf", PDF)}, status=422)


def _held_rows(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(HeldUpload))


def _documents(api, code: str) -> list[dict]:
    return [d for d in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"] if d["kind"] == "filing"]


def test_a_refused_filing_keeps_the_file_chosen_and_the_page_sent_again_files_it(app, api):
    citizen = Web(app.test_client()).login(CITIZEN)
    refused = _refused_with_a_file(citizen)
    [held] = HELD.findall(refused.get_data(as_text=True))
    shown = text_of(refused)
    assert "Giữ tệp đã chọn: giay-de-nghi.pdf" in shown and "không cần chọn lại" in shown
    assert "vui lòng chọn lại tệp đính kèm" not in shown
    r = _post(citizen, SAMPLE_FORM, held=[held])  # mended, no file chosen again
    code = r.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]
    [doc] = _documents(api, code)
    assert doc["name"] == "giay-de-nghi.pdf" and doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert _held_rows(app) == 0  # attached: held no longer


def test_an_unticked_file_is_not_filed(app, api):
    citizen = Web(app.test_client()).login(CITIZEN)
    assert len(HELD.findall(_refused_with_a_file(citizen).get_data(as_text=True))) == 1  # offered, ticked
    r = _post(citizen, SAMPLE_FORM)  # the box unticked: no "held" sent
    code = r.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]
    assert _documents(api, code) == []


def test_a_file_held_for_one_citizen_is_not_anothers(app, api, clock):
    citizen = Web(app.test_client()).login(CITIZEN)
    [held] = HELD.findall(_refused_with_a_file(citizen).get_data(as_text=True))
    other = other_citizen(app, clock)
    form = copy.deepcopy(SAMPLE_FORM)
    del form["ten_ho_kinh_doanh"]
    page = _post(other, form, held=[held], status=422).get_data(as_text=True)  # refused: what would it keep?
    assert HELD.findall(page) == [] and "giay-de-nghi.pdf" not in page
    form["ten_ho_kinh_doanh"] = SAMPLE_FORM["ten_ho_kinh_doanh"]
    r = _post(other, form, held=[held])
    code = r.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]
    assert [d for d in api.get(f"/api/v1/dossiers/{code}", OTHER_CITIZEN).get_json()["documents"]
            if d["kind"] == "filing"] == []
    assert _held_rows(app) == 1  # still the first citizen's


def test_the_file_at_fault_is_not_held_the_others_are(app):
    citizen = Web(app.test_client()).login(CITIZEN)
    refused = _post(citizen, SAMPLE_FORM, {"giay_de_nghi": ("giay-de-nghi.pdf", PDF),
                                           "giay_to_tru_so": ("hop-dong.txt", b"not a PDF nor an image")},
                    status=422)
    page, shown = refused.get_data(as_text=True), text_of(refused)
    assert "Giữ tệp đã chọn: giay-de-nghi.pdf" in shown and "hop-dong.txt" in shown  # named in its error
    assert len(HELD.findall(page)) == 1 and "Giữ tệp đã chọn: hop-dong.txt" not in shown


def test_a_broken_pdf_is_said_with_the_fields_at_fault_and_not_held(app):
    """A refusal for a field came before any file was read: the broken PDF chosen with it was held, shown as kept,
    and refused only when the page was sent again. Now both are said at once and only the good file is held."""
    citizen = Web(app.test_client()).login(CITIZEN)
    form = copy.deepcopy(SAMPLE_FORM)
    del form["ten_ho_kinh_doanh"]
    refused = _post(citizen, form, {"giay_de_nghi": ("giay-de-nghi.pdf", PDF),
                                    "giay_to_tru_so": ("hong.pdf", b"%PDF-1.4 hong")}, status=422)
    page, shown = refused.get_data(as_text=True), text_of(refused)
    assert "hong.pdf: Tệp PDF bị hỏng, không đọc được" in shown and "Trường này là bắt buộc" in shown, shown
    assert "Giữ tệp đã chọn: giay-de-nghi.pdf" in shown and "Giữ tệp đã chọn: hong.pdf" not in shown
    assert len(HELD.findall(page)) == 1 and _held_rows(app) == 1


def test_a_repeat_question_with_files_kept_does_not_ask_to_choose_them_again(app):
    citizen = Web(app.test_client()).login(CITIZEN)
    _post(citizen, SAMPLE_FORM)  # filed at 09:00
    data = {**flatten(SAMPLE_FORM), "submit_token": _token(citizen),
            "file.giay_de_nghi": (io.BytesIO(PDF), "giay-de-nghi.pdf")}
    asked = text_of(citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=409, content_type="multipart/form-data"))
    assert "không cần chọn lại" in asked and "chọn lại tệp đính kèm" not in asked, asked
    data = {**flatten(SAMPLE_FORM), "submit_token": _token(citizen)}  # nothing chosen: nothing kept, said so
    asked = text_of(citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=409, content_type="multipart/form-data"))
    assert "chọn lại tệp đính kèm rồi nhấn" in asked


def test_a_held_file_is_let_go_after_a_day(app, api, clock):
    citizen = Web(app.test_client()).login(CITIZEN)
    [held] = HELD.findall(_refused_with_a_file(citizen).get_data(as_text=True))
    clock.advance(hours=24, minutes=1)  # Tuesday 24/11/2026 09:01 (signed in again: the sign-in ended too)
    r = _post(Web(app.test_client()).login(CITIZEN), SAMPLE_FORM, held=[held])
    code = r.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]
    assert _documents(api, code) == []


def test_the_english_page_says_it_in_english(app):
    citizen = Web(app.test_client()).login(CITIZEN)
    citizen.post("/ngon-ngu", {"lang": "en"}, status=302)
    shown = text_of(_refused_with_a_file(citizen))
    assert "Keep the file chosen: giay-de-nghi.pdf" in shown and "you need not choose them again" in shown


def _token(web: Web) -> str:
    page = web.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    return re.search(r'name="submit_token" value="([^"]+)"', page).group(1)


def test_a_filing_asked_about_as_a_repeat_keeps_its_files_for_the_confirmation(app, api):
    """The same form filed again minutes later is asked about first (409, engine.cases.duplicates); the files
    chosen with it are held for the "file it anyway" that follows."""
    citizen = Web(app.test_client()).login(CITIZEN)
    _post(citizen, SAMPLE_FORM)  # filed at 09:00
    data = {**flatten(SAMPLE_FORM), "submit_token": _token(citizen),
            "file.giay_de_nghi": (io.BytesIO(PDF), "giay-de-nghi.pdf")}
    asked = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=409, content_type="multipart/form-data")
    [held] = HELD.findall(asked.get_data(as_text=True))
    token = re.search(r'name="submit_token" value="([^"]+)"', asked.get_data(as_text=True)).group(1)
    again = {**flatten(SAMPLE_FORM), "submit_token": token, "confirm_duplicate": "1", "held": [held]}
    r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", again, status=302, content_type="multipart/form-data")
    code = r.headers["Location"].split("/ca-nhan/ho-so/")[1].split("/")[0]
    assert [d["name"] for d in _documents(api, code)] == ["giay-de-nghi.pdf"]


def test_a_refused_supplement_keeps_its_files_too(app, api):
    """D10: the citizen answers the one supplement request; a field to mend on that page kept no file either."""
    from conftest import STEP_DATA

    citizen = Web(app.test_client()).login(CITIZEN)
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "request_supplement", STEP_DATA["request_supplement"])
    form = flatten({**SAMPLE_FORM, "so_lao_dong": -1})  # below its minimum
    refused = citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung",
                           {**form, "file.giay_de_nghi": (io.BytesIO(PDF), "giay-de-nghi-ky.pdf")}, status=422,
                           content_type="multipart/form-data")
    [held] = HELD.findall(refused.get_data(as_text=True))
    assert "Giữ tệp đã chọn: giay-de-nghi-ky.pdf" in text_of(refused)
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", {**flatten(SAMPLE_FORM), "held": [held]}, status=302,
                 content_type="multipart/form-data")
    after = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert after["status"] == 1 and "giay-de-nghi-ky.pdf" in [d["name"] for d in after["documents"]]
    assert _held_rows(app) == 0


def test_a_refused_supplement_says_the_broken_file_and_the_field_at_once(app, api):
    """The files are attached first (while the request is open): a broken one was said alone, and the field to
    mend only when the page came back a second time."""
    from conftest import STEP_DATA

    citizen = Web(app.test_client()).login(CITIZEN)
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "request_supplement", STEP_DATA["request_supplement"])
    form = flatten({**SAMPLE_FORM, "so_lao_dong": -1})
    refused = citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung",
                           {**form, "file.giay_de_nghi": (io.BytesIO(b"%PDF-1.4 hong"), "hong.pdf")}, status=422,
                           content_type="multipart/form-data")
    shown = text_of(refused)
    assert "hong.pdf: Tệp PDF bị hỏng" in shown and "Giá trị quá nhỏ" in shown, shown
    assert not HELD.findall(refused.get_data(as_text=True))


def test_the_desk_filing_page_keeps_the_scanned_files_of_a_refused_post(app, api):
    """D5: the receiving officer registers a paper dossier with its scans; a field to mend kept no scan either.
    The scans are the officer's to keep (another officer's id is ignored as a citizen's is)."""
    from test_desk_filing_page import OWNER, PAGE, _code, _data

    desk = Web(app.test_client()).login("demo.tiepnhan")
    data = _data(desk, "desk", OWNER)
    data["f.so_lao_dong"] = "-1"
    refused = desk.post(PAGE, data, status=422, content_type="multipart/form-data")
    held = HELD.findall(refused.get_data(as_text=True))
    assert len(held) == 2 and "Giữ tệp đã chọn: tru-so.jpg" in text_of(refused)
    again = {k: v for k, v in _data(desk, "desk", OWNER).items() if not k.startswith("file.")}
    done = desk.post(PAGE, {**again, "held": held}, status=303, content_type="multipart/form-data")
    docs = api.get(f"/api/v1/dossiers/{_code(done)}", "demo.tiepnhan").get_json()["documents"]
    assert sorted(d["name"] for d in docs if d["kind"] == "filing") == ["Giấy đề nghị.pdf", "tru-so.jpg"]


def test_the_officers_record_of_a_desk_supplement_keeps_its_scans(api, app, clock):
    """D5, D10: the one-stop records the paper a desk dossier's applicant brought (Fri 27/11/2026 10:00); one scan
    not a PDF refused the whole record, and the good scan beside it was to be chosen again."""
    from test_desk_supplement_files import COMPLETED, RECEIVER, _filings, _waiting_desk_dossier

    code = _waiting_desk_dossier(api, clock)
    web = Web(app.test_client()).login(RECEIVER)
    data = {**flatten(COMPLETED), "file.giay_de_nghi": (io.BytesIO(PDF + b"%ky"), "giay-de-nghi-da-ky.pdf"),
            "file.giay_to_tru_so": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "tru-so.pdf")}
    refused = web.post(f"/can-bo/ho-so/{code}/bo-sung", data, status=422, content_type="multipart/form-data")
    [held] = HELD.findall(refused.get_data(as_text=True))
    assert "Giữ tệp đã chọn: giay-de-nghi-da-ky.pdf" in text_of(refused)
    web.post(f"/can-bo/ho-so/{code}/bo-sung", {**flatten(COMPLETED), "held": [held]}, status=302,
             content_type="multipart/form-data")
    assert "giay-de-nghi-da-ky.pdf" in [d["name"] for d in _filings(api, code)]
    assert _held_rows(app) == 0


def test_the_officers_record_says_a_refused_scan_and_the_field_to_mend_at_once(api, app, clock):
    from test_desk_supplement_files import COMPLETED, RECEIVER, _waiting_desk_dossier

    code = _waiting_desk_dossier(api, clock)
    web = Web(app.test_client()).login(RECEIVER)
    data = {**flatten({**COMPLETED, "so_lao_dong": -1}),
            "file.giay_to_tru_so": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "tru-so.pdf")}
    shown = text_of(web.post(f"/can-bo/ho-so/{code}/bo-sung", data, status=422, content_type="multipart/form-data"))
    assert "tru-so.pdf" in shown and "Giá trị quá nhỏ" in shown, shown


def test_a_file_attached_before_the_refusal_is_not_checked_again(app, api, monkeypatch):
    """The supplement page attaches its files first: one that passed there is held without a second check (each
    PDF is read in a child process of its own)."""
    from conftest import STEP_DATA

    from engine.cases import attachments

    citizen = Web(app.test_client()).login(CITIZEN)
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "request_supplement", STEP_DATA["request_supplement"])
    checked = []
    real = attachments.check_content
    monkeypatch.setattr(attachments, "check_content", lambda ctx, content: checked.append(len(content)) or
                        real(ctx, content))
    refused = citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung",
                           {**flatten({**SAMPLE_FORM, "so_lao_dong": -1}),
                            "file.giay_de_nghi": (io.BytesIO(PDF), "giay-de-nghi-ky.pdf")}, status=422,
                           content_type="multipart/form-data")
    assert len(HELD.findall(refused.get_data(as_text=True))) == 1 and checked == [len(PDF)], checked
