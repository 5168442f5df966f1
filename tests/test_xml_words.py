"""The XML parser's and the script compiler's English said in Vietnamese to the process designer, on the upload
page and by `tthc validate` (a review found "Start tag expected, '<' not found", "Opening and ending tag mismatch",
"No matching global declaration available for the validation root" and RestrictedPython's '"__import__" is an
invalid variable name' shown as they were): what is wrong and where, in Vietnamese, the English in brackets."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from conftest import SAMPLE
from test_admin_versions import admin
from web_support import text_of

from engine.cli import main

GOOD = SAMPLE.read_text(encoding="utf-8")
CASES = [
    ("not xml at all", "không bắt đầu bằng một thẻ XML (không thấy '<') (dòng 1, cột 1)"),
    ("<definitions>\n<process>\n</task>\n</definitions>\n", "thẻ mở <process> (dòng 2) không khớp với thẻ đóng </task>"),
    ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
     '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]><l>&f;&f;&f;</l>',
     "nhân bản quá mức"),
    ("<r/>", "XML không đúng lược đồ BPMN: phần tử gốc <r> không phải <definitions> của BPMN 2.0"),
    (GOOD.replace(' targetNamespace="http://bpmn.io/schema/bpmn"', ""),
     "phần tử <definitions> thiếu thuộc tính bắt buộc targetNamespace"),
    (GOOD.replace('action == "receive"</bpmn:conditionExpression>', '__import__("os")</bpmn:conditionExpression>', 1),
     'tên "__import__" không được dùng vì bắt đầu bằng "_"'),
]


IDS = ["not-xml", "tag-mismatch", "entity-bomb", "not-bpmn", "no-target-namespace", "script-name"]


@pytest.fixture
def tthc(tmp_path):
    env = {"TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize("bpmn, said", CASES, ids=IDS)
def test_the_upload_page_says_what_is_wrong_in_vietnamese(app, bpmn, said):
    r = admin(app).post("/quan-tri/thu-tuc/tai-len", {"bpmn": (io.BytesIO(bpmn.encode()), "thu.bpmn"), "deploy": "0"},
                        status=422, content_type="multipart/form-data")
    page = text_of(r)
    assert said in page, page[-1500:]


@pytest.mark.parametrize("bpmn, said", CASES[:2] + CASES[5:], ids=IDS[:2] + IDS[5:])
def test_validate_says_it_too(tthc, tmp_path, bpmn, said):
    path = tmp_path / "thu.bpmn"
    path.write_text(bpmn, encoding="utf-8")
    done = tthc("validate", str(path))
    assert done.exit_code == 1 and said in done.stderr, done.stderr
