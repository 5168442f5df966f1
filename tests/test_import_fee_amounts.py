"""`tthc procedure import` writes the fees citizens are shown (D26): the one amount a national-database text states,
with its multiplier and decimal comma, or the row refused naming ``fees[i].amount`` so the operator enters it by
hand; a refused row leaves every row unwritten and said so; with --deploy an agency the database lacks refuses its
row before anything is written (D29). The command runs on its own SQLite file (tests/test_procedure_tools.Tthc)."""
from __future__ import annotations

import json
import re

import pytest
from test_procedure_tools import Tthc

from engine.process import catalogue_import


@pytest.fixture
def tthc(tmp_path):
    return Tthc(tmp_path)


def _row(code: str, fee_text, agency: str = "000.00.06.H56") -> dict:
    return {"Mã thủ tục": code, "Tên thủ tục": f"Thủ tục thử {code}", "Cấp thực hiện": "Cấp xã",
            "Thời hạn giải quyết": "05 ngày làm việc",
            "Phí, lệ phí": [] if fee_text is None else [{"Tên phí": "Lệ phí", "Mức phí": fee_text}],
            "Thành phần hồ sơ": [{"Tên giấy tờ": "Tờ khai", "Số bản": 1}], "Cơ quan thực hiện": agency}


def _source(tmp_path, *rows: dict):
    source = tmp_path / "thu-tuc.json"
    source.write_text(json.dumps({"procedures": list(rows)}, ensure_ascii=False), encoding="utf-8")
    return str(source)


def _lines(result) -> list[list[str]]:
    return [line.split("\t") for line in result.stdout.splitlines()]


@pytest.mark.parametrize(("text", "amount"), [
    ("1,5 triệu đồng", 1_500_000), ("2 triệu đồng", 2_000_000), ("Thông tư 85/2019/TT-BTC: 50.000 đồng", 50_000),
    ("500 nghìn đồng", 500_000), ("50.000 VNĐ", 50_000), ("100.000đ", 100_000), ("1,500,000đ", 1_500_000),
    ("Lệ phí: 75.000 đồng/giấy phép", 75_000), ("Miễn phí", None), ("Miễn lệ phí", None), ("Không thu phí", None),
    ("0 đồng", None), ("", None)])
def test_the_amount_is_the_one_the_text_states(text, amount):
    assert catalogue_import.parse_amount(text) == amount


@pytest.mark.parametrize("text", [
    "0,5% giá trị hợp đồng", "Không quá 100.000 đồng", "-75.000 đồng",
    "Lệ phí: 50.000 đồng; phí thẩm định 200.000 đồng", "Miễn lệ phí đối với người có công 50.000 đồng",
    "Thông tư 85/2019/TT-BTC", -75000,
    # an exemption or a condition after the amount is the operator's to write (D26: never charged by mistake)
    "Lệ phí: 30.000 đồng/hồ sơ. Miễn lệ phí đối với người cao tuổi", "Lệ phí: 50.000 đồng/giấy phép; miễn đối với hộ nghèo",
    "50.000 đồng/hồ sơ đối với hộ nghèo"])
def test_an_amount_not_clearly_one_is_refused(text):
    with pytest.raises(ValueError):
        catalogue_import.parse_amount(text)


def test_import_writes_the_million_the_text_says(tthc, tmp_path):
    result = tthc("procedure", "import", _source(tmp_path, _row("9.000101", "1,5 triệu đồng")))
    assert result.exit_code == 0, result.output
    bpmn = next(tthc.processes.glob("*/*.bpmn")).read_text(encoding="utf-8")
    assert re.search(r'name="fee\.[^"]+" value="1500000;at_intake;Lệ phí"', bpmn), bpmn


@pytest.mark.parametrize("text", ["0,5% giá trị hợp đồng", "Không quá 100.000 đồng", "-75.000 đồng",
                                  "Lệ phí: 50.000 đồng; phí thẩm định 200.000 đồng"])
def test_import_refuses_the_row_naming_the_amount_and_writes_nothing(tthc, tmp_path, text):
    result = tthc("procedure", "import", _source(tmp_path, _row("9.000101", None), _row("9.000102", text)))
    assert result.exit_code == 1
    lines = _lines(result)
    assert lines[1][:3] == ["dòng 2", "9.000102", "refused"] and lines[1][3].startswith("fees[0].amount: ")
    assert lines[0][:3] == ["dòng 1", "9.000101", "would-create"]  # not "created": nothing was written
    assert "1 dòng bị từ chối; không ghi tệp nào" in result.stderr
    assert list(tthc.processes.iterdir()) == []


def test_deploy_refuses_an_unknown_agency_before_writing(tthc, tmp_path):
    tthc.with_agency()  # 000.00.06.H56 exists; 000.00.77.H56 is well-formed but unknown
    source = _source(tmp_path, _row("9.000201", "50.000 đồng"), _row("9.000202", None, "000.00.77.H56"))
    result = tthc("procedure", "import", source, "--deploy")
    assert result.exit_code == 1
    lines = _lines(result)
    assert lines[0][:3] == ["dòng 1", "9.000201", "would-create"]
    assert lines[1][:3] == ["dòng 2", "9.000202", "refused"] and lines[1][3].startswith("agency: ")
    assert "000.00.77.H56" in lines[1][3]
    assert list(tthc.processes.iterdir()) == []
    alone = tthc("procedure", "import", _source(tmp_path, _row("9.000201", "50.000 đồng")), "--deploy")
    assert alone.exit_code == 0, alone.output
    assert _lines(alone)[0][:3] == ["dòng 1", "9.000201", "created"]
    assert _lines(alone)[1] == ["9.000201", "version 1", "changed"]
