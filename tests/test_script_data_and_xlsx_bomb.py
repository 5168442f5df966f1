"""Two refusals that were a 500 or an exhausted process.

* A BPMN script that leaves in the task data a value JSON cannot hold (bytes, a dict view...) made every filing
  answer 500 (the state serializer raised after the command had run): it is a fault of the procedure, 422, and
  nothing is stored.
* A zip bomb sent as the officers' XLSX (a small upload unpacking into a huge sheet) is refused before the
  spreadsheet reader unpacks anything.
"""
from __future__ import annotations

import io
import time
import zipfile

import pytest
from sqlalchemy import func, select
from staff_support import ADMIN_P, WARD_A, build_province, user_row
from test_script_containment import (RECEIVER, SCRIPT_ON_FILING, deploy, dossier_count, file_on, refused_422,
                                     with_script)

from conftest import CITIZEN
from engine.data.model import User


# -- a script storing what JSON cannot hold ----------------------------------------------------------------
@pytest.mark.parametrize("script", [
    "x = b'abc'",
    "x = {'a': 1}.keys()",
    "x = {(1, 2): 'a'}",
    "so = 1\nx = [1, range(3)]",
])
def test_a_script_storing_what_json_cannot_hold_makes_the_filing_422_and_stores_nothing(api, app, backend, script):
    deploy(api, with_script(script), SCRIPT_ON_FILING.name)
    before = dossier_count(app)
    error = refused_422(file_on(api, "9.000003"))
    assert error["code"] == "process_error"
    assert "'x'" in error["message"] and "Ghi sổ" in error["message"], error["message"]  # the variable, the task
    assert dossier_count(app) == before
    assert api.file(CITIZEN)["code"]  # the service goes on


def test_what_the_serializer_converts_still_files(api, app):
    script = "t = (1, 2)\nk = {1: 'a', 2.5: None}\ns = {1, 2}\nf = len\nn = [1.5, None, True, 'a']"
    deploy(api, with_script(script), SCRIPT_ON_FILING.name)
    r = file_on(api, "9.000003")
    assert r.status_code == 201, r.get_json()


# -- a zip bomb as the officers' spreadsheet ---------------------------------------------------------------
def user_count(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(User))


def normal_xlsx() -> bytes:
    from openpyxl import Workbook

    book, out = Workbook(), io.BytesIO()
    book.active.append(["username", "full_name", "agency", "roles", "email", "phone"])
    book.active.append(["bomb.a", "Trần Bảng Tính", WARD_A, "specialist", "bomb.a@example.vn", None])
    book.save(out)
    return out.getvalue()


def bomb(unpacked_mb: int) -> bytes:
    """The members of a real workbook, with sheet1.xml one cell of ``unpacked_mb`` MB of spaces, written in
    chunks: the test itself never holds the unpacked text."""
    out, chunk = io.BytesIO(), b" " * (1 << 20)
    with zipfile.ZipFile(io.BytesIO(normal_xlsx())) as good, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for member in good.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                z.writestr(member, good.read(member))
                continue
            with z.open(member.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
                for _ in range(unpacked_mb):
                    sheet.write(chunk)
                sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture
def province(app):
    build_province(app)
    return app


@pytest.mark.parametrize("unpacked_mb", [100, 5])  # over the total bound; under it but compressed 1000:1
def test_a_zip_bomb_import_is_422_before_it_is_unpacked(api, province, unpacked_mb):
    content = bomb(unpacked_mb)
    assert len(content) < 200_000
    before = user_count(province)
    started = time.monotonic()
    r = api.post("/api/v1/officers/import", "demo.admin", content_type="multipart/form-data",
                 data={"file": (io.BytesIO(content), "staff.xlsx")})
    assert time.monotonic() - started < 2
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert "giải nén" in error["message"] and "file" in error["fields"], error
    assert user_count(province) == before


def test_a_normal_xlsx_still_imports_and_a_non_zip_xlsx_is_refused(api, province):
    r = api.post("/api/v1/officers/import", ADMIN_P, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(normal_xlsx()), "staff.xlsx")})
    assert r.status_code == 200 and r.get_json()["created"] == 1, r.get_json()
    assert user_row(province, "bomb.a") is not None
    r = api.post("/api/v1/officers/import", ADMIN_P, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(b"not a zip at all"), "staff.xlsx")})
    assert r.status_code == 422 and "file" in r.get_json()["error"]["fields"], r.get_json()


def test_a_script_after_the_intake_makes_the_receipt_422_and_the_dossier_stays_to_be_received(api, app):
    text = SCRIPT_ON_FILING.read_text(encoding="utf-8")
    text = (text.replace('targetRef="phe_duyet">', 'targetRef="sau_tiep_nhan">')
            .replace("<bpmn:incoming>Flow_dong_y</bpmn:incoming>", "<bpmn:incoming>Flow_sau</bpmn:incoming>")
            .replace("<bpmn:flowNodeRef>phe_duyet</bpmn:flowNodeRef>", "<bpmn:flowNodeRef>phe_duyet</bpmn:flowNodeRef>"
                     "<bpmn:flowNodeRef>sau_tiep_nhan</bpmn:flowNodeRef>")
            .replace('<bpmn:userTask id="phe_duyet"',
                     '<bpmn:scriptTask id="sau_tiep_nhan" name="Sau tiếp nhận"><bpmn:incoming>Flow_dong_y'
                     "</bpmn:incoming><bpmn:outgoing>Flow_sau</bpmn:outgoing><bpmn:script>x = b'abc'</bpmn:script>"
                     '</bpmn:scriptTask><bpmn:sequenceFlow id="Flow_sau" sourceRef="sau_tiep_nhan" '
                     'targetRef="phe_duyet" /><bpmn:userTask id="phe_duyet"'))
    deploy(api, text.encode("utf-8"), SCRIPT_ON_FILING.name)
    r = file_on(api, "9.000003")
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    for _ in range(2):  # refused each time, and the intake task is still there to be done
        task = api.task_for(RECEIVER, code)
        r = api.post(f"/api/v1/tasks/{task['id']}/complete", RECEIVER, json={"action": "receive", "data": {}})
        error = refused_422(r)
        assert error["code"] == "process_error" and "Sau tiếp nhận" in error["message"], error
    assert api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()["status"] == 1
