"""Importing officers from a CSV file (README: /quan-tri/can-bo/nhap and POST /api/v1/officers/import read CSV
or XLSX and report every row): a file saved with the old Mac line endings (a bare CR, Excel for Mac's "CSV
(Macintosh)") imports its rows; a file the CSV reader cannot read (a stray CR inside an unquoted cell, a cell
longer than any column allows) is refused as a bad file naming its line (422, in Vietnamese, in English on an
English page), never a server error."""
from __future__ import annotations

import io
import logging

import pytest
from staff_support import user_row
from web_support import Web, text_of

HEADER = "username,full_name,agency,roles,email,phone"
AGENCY = "000.00.06.H56"
MAC = f"{HEADER}\rnv.mac,Nguyen Van M,{AGENCY},specialist,nv.mac@example.vn,\r".encode()
STRAY_CR = f"{HEADER}\nnv.cr,Nguyen\rVan N,{AGENCY},specialist,,\n".encode()
HUGE = f"{HEADER}\r\nnv.dai,{'x' * 200_000},{AGENCY},specialist,,\r\n".encode()

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def page_post(web: Web, content: bytes, status: int):
    return web.post("/quan-tri/can-bo/nhap", {"file": (io.BytesIO(content), "can-bo.csv")},
                    content_type="multipart/form-data", status=status)


def api_post(api, content: bytes):
    return api.post("/api/v1/officers/import", "demo.admin", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(content), "can-bo.csv")})


def test_a_file_with_mac_line_endings_imports_its_officer_on_the_page(app):
    web = Web(app.test_client()).login("demo.admin")
    page = page_post(web, MAC, 200).get_data(as_text=True)
    assert 'data-row="2" data-status="created"' in page
    assert user_row(app, "nv.mac").full_name == "Nguyen Van M"


def test_a_file_with_mac_line_endings_imports_its_officer_through_the_api(api, app):
    r = api_post(api, MAC)
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["created"], r.get_json()["skipped"]) == (1, 0)
    assert user_row(app, "nv.mac") is not None


@pytest.mark.parametrize("content,vi,en", [
    (STRAY_CR, "Tệp CSV không đọc được (dòng 2): ký tự xuống dòng lẻ trong một ô không có ngoặc kép",
     "The CSV file could not be read (line 2): a stray line break in a cell without quotes"),
    (HUGE, "Tệp CSV không đọc được (dòng 2): có ô dài quá mức cho phép (không cột nào quá 255 ký tự)",
     "The CSV file could not be read (line 2): a cell is far too long (no column allows more than 255 "
     "characters)"),
])
def test_an_unreadable_csv_is_refused_naming_its_line(app, api, caplog, content, vi, en):
    caplog.set_level(logging.ERROR)
    web = Web(app.test_client()).login("demo.admin")
    assert vi in text_of(page_post(web, content, 422))
    web.post("/ngon-ngu", {"lang": "en", "next": "/"})
    assert en in text_of(page_post(web, content, 422))
    r = api_post(api, content)
    assert r.status_code == 422, r.get_data(as_text=True)[:300]
    error = r.get_json()["error"]
    assert error["message"] == vi and "file" in error["fields"]
    assert user_row(app, "nv.cr") is None and user_row(app, "nv.dai") is None
    assert not [x for x in caplog.records if x.levelno >= logging.ERROR]
