"""More of what an operator really types wrong at `tthc` (a second probe; tests/test_cli_operator_input.py has the
first): each is refused in words that name what was wrong, with a non-zero exit, and writes nothing. Each case is
the real command in its own process, on a real SQLite file in a temporary folder."""
from __future__ import annotations

import json

import pytest

from test_cli_errors import ROOT, one_line_error, write
from test_cli_operator_input import rows, tthc

SAMPLE = ROOT / "processes" / "ho-kinh-doanh"


@pytest.fixture
def base(tmp_path) -> dict:
    return {"TTHC_DATA_DIR": str(tmp_path / "data"),
            "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'tthc.sqlite3'}"}


# -- empty arguments ---------------------------------------------------------------------------------------------
def test_offer_refuses_an_empty_code_naming_the_argument_before_the_database(base, tmp_path):
    """It said "lỗi: Không tìm thấy thủ tục " (naming nothing), once the database had been created and migrated."""
    for code in ("", " "):
        done = tthc("offer", code, env=base)
        assert done.returncode == 2 and "CODE" in done.stderr and "mã thủ tục trống" in done.stderr, done.stderr
    assert not (tmp_path / "data" / "tthc.sqlite3").exists()


def test_render_refuses_an_empty_template_naming_the_argument(base, tmp_path):
    """"" was the current folder: ".: thư mục không có tệp BPMN của thủ tục"."""
    done = tthc("render", "", "-o", str(tmp_path / "xem-truoc.pdf"), env=base, cwd=tmp_path)
    assert done.returncode == 2 and "TEMPLATE" in done.stderr and "tên tệp hoặc thư mục trống" in done.stderr, \
        done.stderr
    assert not (tmp_path / "xem-truoc.pdf").exists()


# -- the database ----------------------------------------------------------------------------------------------
def test_a_command_refused_for_a_missing_database_leaves_no_file_behind(tmp_path):
    """`tthc deploy` and `tthc calendar clear` before `tthc db upgrade` said to run it, and left an empty SQLite
    file behind (the next command then said "no such table" instead). The folder's name has a space and a '#',
    which a SQLite URI must escape."""
    folder = tmp_path / "du lieu #1"
    database = folder / "tthc.sqlite3"
    env = {"TTHC_DATA_DIR": str(folder), "TTHC_DATABASE_URL": f"sqlite:///{database}"}
    for args in (("deploy", str(SAMPLE)), ("calendar", "clear", "2099-03-05")):
        done = tthc(*args, env=env)
        assert done.returncode == 3, (args, done.stderr)
        one_line_error(done, "chưa có tệp cơ sở dữ liệu", "chạy `tthc db upgrade`")
        assert not database.exists(), args
    assert tthc("db", "upgrade", env=env).returncode == 0  # the file that exists is opened as before
    assert tthc("calendar", "clear", "2099-03-05", env=env).returncode == 0
    assert rows(env, "select count(*) from agency") == [(0,)]


# -- procedure import ------------------------------------------------------------------------------------------
def test_procedure_import_names_an_xlsx_file_it_cannot_read(base, tmp_path):
    """It said only "lỗi: không đọc được tệp XLSX" (or "tệp XLSX không có dòng nào"), naming no file."""
    from openpyxl import Workbook

    write(tmp_path / "hong.xlsx", "không phải một tệp XLSX")
    book = Workbook()
    book.remove(book.active)
    book.create_sheet("Trống")
    book.save(tmp_path / "khong-dong.xlsx")
    for name in ("hong.xlsx", "khong-dong.xlsx"):
        done = tthc("procedure", "import", str(tmp_path / name), "--dir", str(tmp_path / "thu-tuc"), env=base)
        one_line_error(done, f"{tmp_path / name}: ", "XLSX")
    assert not (tmp_path / "thu-tuc").exists()


@pytest.mark.parametrize("field, change, needle", [
    ("Tên thủ tục", "Cấp\x01 phép thử", "name: tên thủ tục 'Cấp\\x01 phép thử' có ký tự điều khiển"),
    ("Thành phần hồ sơ", ["Đơn\x01 đề nghị"], "components[0].name: thành phần hồ sơ 'Đơn\\x01 đề nghị' có ký tự"),
])
def test_procedure_import_names_the_text_and_row_with_a_control_character(base, tmp_path, field, change, needle):
    """It was "procedure: .../cap-phep-thu.bpmn:4: -: XML không đúng cú pháp: invalid character in attribute
    value", naming neither the title nor what to fix."""
    good = {"Mã thủ tục": "1.000002", "Tên thủ tục": "Thủ tục khác", "Cơ quan thực hiện": "000.00.06.H56",
            "Thời hạn giải quyết": "5 ngày làm việc"}
    bad = {**good, "Mã thủ tục": "1.000001", "Tên thủ tục": "Cấp phép thử", field: change}
    write(tmp_path / "ban-ghi.json", json.dumps([good, bad], ensure_ascii=False))
    done = tthc("procedure", "import", str(tmp_path / "ban-ghi.json"), "--dir", str(tmp_path / "thu-tuc"), env=base)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"dòng 2\t1.000001\trefused\t{needle}" in done.stdout, done.stdout
    assert "XML" not in done.stdout, done.stdout
    assert not (tmp_path / "thu-tuc").exists()


# -- payments ---------------------------------------------------------------------------------------------------
def test_reconcile_reads_an_amount_of_other_digits_as_unreadable(base, tmp_path):
    """"²" is a digit to str.isdigit, not to int(): the whole comparison stopped with an unforeseen error."""
    rows = write(tmp_path / "so-mu.csv", "vnp_TxnRef,vnp_Amount,vnp_TransactionStatus,vnp_PayDate\n"
                                         "ABC,²,00,20260105100000\n")
    done = tthc("payments", "reconcile", str(rows), "--gateway", "vnpay", "--date", "2026-01-05", env=base)
    assert done.returncode == 1 and "lỗi không mong đợi" not in done.stderr, done.stderr
    assert done.stdout.splitlines()[0] == "ABC: có ở cổng thanh toán, không có trong hệ thống (missing)", done.stdout


def test_reconcile_skips_rows_of_empty_cells(base, tmp_path):
    """",," (a spreadsheet's export of the rows after the last one) was ": có ở cổng thanh toán, không có trong
    hệ thống (missing)", a payment of no reference, and exit 1. A row that has something but no reference is still
    reported."""
    header = "vnp_TxnRef,vnp_Amount,vnp_TransactionStatus\n"
    blank = write(tmp_path / "trong.csv", header + ",,\n , ,\n,,,\n")
    done = tthc("payments", "reconcile", str(blank), "--date", "2026-01-05", env=base)
    assert done.returncode == 0 and done.stdout == "0 giao dịch của cổng, 0 chỗ lệch\n", done.stdout
    partial = write(tmp_path / "thieu-ma.csv", header + ",,\n,500000,00\n")
    done = tthc("payments", "reconcile", str(partial), "--date", "2026-01-05", env=base)
    assert done.returncode == 1 and done.stdout.splitlines() == [
        ": có ở cổng thanh toán, không có trong hệ thống (missing)", "1 giao dịch của cổng, 1 chỗ lệch"], done.stdout


@pytest.mark.parametrize("command", [("simulate", "{file}"), ("procedure", "import", "{file}"),
                                     ("render", "{sample}/result.html", "--data", "{file}", "-o", "{out}")])
def test_a_file_that_is_not_utf8_is_said_so_in_vietnamese(base, tmp_path, command):
    """Python's own words leaked into the Vietnamese message ("'utf-8' codec can't decode byte 0xff ...")."""
    binary = tmp_path / "nhi-phan.json"
    binary.write_bytes(b"\xff\xfe\x00{}")
    sample = ROOT / "processes" / "ho-kinh-doanh"
    args = [a.format(file=binary, sample=sample, out=tmp_path / "ra.pdf") for a in command]
    done = tthc(*args, env=base)
    said = done.stderr + done.stdout
    assert done.returncode != 0 and "tệp không phải văn bản UTF-8 (byte 0xff ở vị trí 0)" in said, said
    assert "codec" not in said
