"""What an operator really types wrong at `tthc`, found by probing every command: each is refused in words that
say what was wrong and what to do, with a non-zero exit, and writes nothing (README: "Every command tells an
error in one line on stderr with a non-zero exit"). Each case is the real command in its own process, on a
real SQLite file in a temporary folder."""
from __future__ import annotations

import json
import shutil
import socket
import sqlite3

import pytest

from test_cli_errors import ROOT, one_line_error, tthc, write
from test_cli_errors import base, demo, demo_data  # noqa: F401 (fixtures: the demo loaded once per module, copied)

SAMPLE = ROOT / "processes" / "ho-kinh-doanh"


def rows(env: dict, query: str) -> list[tuple]:
    with sqlite3.connect(env["TTHC_DATABASE_URL"].removeprefix("sqlite:///")) as db:
        return db.execute(query).fetchall()


def upgraded(env: dict) -> dict:
    assert tthc("db", "upgrade", env=env).returncode == 0
    return env


# -- the database ----------------------------------------------------------------------------------------------
def test_a_database_not_created_or_not_upgraded_says_to_run_db_upgrade(base, tmp_path):
    """Commands that do not migrate the database themselves said "no such table: agency" or "unable to open
    database file", and not what to do."""
    for args in (("deploy", str(SAMPLE)), ("calendar", "clear", "2099-03-05"),
                 ("stats", "--from", "2026-01-01", "--to", "2026-01-31")):
        (tmp_path / "data" / "tthc.sqlite3").unlink(missing_ok=True)
        done = tthc(*args, env=base)
        assert done.returncode == 3, (args, done.stderr)
        one_line_error(done, "database_url", "chạy `tthc db upgrade`")


def test_deploy_names_what_is_wrong_with_a_file_it_refuses(base):
    """A file naming an agency the database lacks said only "lỗi: Quy trình có lỗi, chưa được triển khai"."""
    done = tthc("deploy", str(SAMPLE), env=upgraded(base))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "ho-kinh-doanh.bpmn:10: ho_kinh_doanh: cơ quan '000.00.06.H56' (thuộc tính agency) chưa có trong hệ " \
           "thống; tạo cơ quan trước khi triển khai thủ tục" in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "lỗi: Quy trình có lỗi, chưa được triển khai"
    assert rows(base, "select count(*) from procedure_version") == [(0,)]


def test_the_traceback_variable_the_errors_name_is_not_an_unknown_setting(base):
    """Every unexpected error says "đặt TTHC_TRACEBACK=1 để xem chi tiết"; doing so warned that it named no
    setting ("có phải TTHC_TIMER_BATCH?")."""
    done = tthc("calendar", "day", "2026-01-01", env={**base, "TTHC_TRACEBACK": "1"})
    assert done.returncode == 0 and done.stderr == "", done.stderr


# -- accounts ----------------------------------------------------------------------------------------------------
def test_a_first_password_or_name_nobody_could_use_is_refused_and_nothing_is_stored(base, tmp_path):
    """A password with a control character was stored (the login refuses it: the account could never sign in),
    for one officer or every demo account; --name "" and the demo's --password "" were taken for the default."""
    upgraded(base)
    assert tthc("agency", "add", "000.00.06.H56", "--name", "Phường Thuận Hóa", "--level", "commune",
                env=base).returncode == 0
    officer = ("officer", "add", "can.bo", "--agency", "000.00.06.H56", "--role", "specialist")
    one_line_error(tthc(*officer, "--password", "abc\x01defgh", env=base), "ký tự điều khiển")
    one_line_error(tthc(*officer, "--name", "", "--password", "mat-khau-moi-9", env=base), "--name: ")
    assert rows(base, "select username from user_account where username = 'can.bo'") == []
    other = {**base, "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'khac.sqlite3'}"}
    for password, needle in (("abc\x01defgh", "ký tự điều khiển"), ("", "ít nhất 8 ký tự")):
        done = tthc("demo", "load", "--password", password, env=other)
        assert done.returncode == 2 and needle in done.stderr, done.stderr
    assert not (tmp_path / "data" / "khac.sqlite3").exists()


# -- options in the wrong combination ------------------------------------------------------------------------------
def test_offer_refuses_all_communes_with_all_level_and_keeps_the_offers(demo):
    """--all-level won silently: the household-business registration moved from the wards to the departments."""
    before = tthc("offer", "1.001612", env=demo).stdout
    done = tthc("offer", "1.001612", "--all-communes", "--all-level", "department", env=demo)
    assert done.returncode == 2 and "chỉ dùng một trong --all-communes và --all-level" in done.stderr, done.stderr
    assert tthc("offer", "1.001612", env=demo).stdout == before and "000.00.06.H56" in before


def test_a_gateway_of_none_takes_no_merchant_or_address(demo):
    done = tthc("payments", "gateway", "000.00.06.H56", "--gateway", "none", "--merchant", "TTHC", "--url",
                "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", env=demo)
    assert done.returncode == 2 and "--gateway none" in done.stderr, done.stderr
    assert rows(demo, "select count(*) from payment_gateway where merchant = 'TTHC'") == [(0,)]


def test_stats_refuses_what_the_report_form_would_ignore(base, tmp_path):
    upgraded(base)
    period = ("stats", "--from", "2026-01-01", "--to", "2026-01-31")
    for extra, needle in ((("--format", "csv"), "--format csv"), (("--group-by", "month"), "month")):
        done = tthc(*period, "--report-form", "pdf", "-o", str(tmp_path / "bao-cao.pdf"), *extra, env=base)
        assert done.returncode == 2 and "--report-form" in done.stderr and needle in done.stderr, done.stderr
    assert not (tmp_path / "bao-cao.pdf").exists()


# -- empty strings -----------------------------------------------------------------------------------------------
def test_an_empty_output_name_is_refused_before_the_work(base):
    """-o "" was the current folder: `lỗi tệp: là một thư mục, không phải tệp: '.'` once the report or the PDF
    had been made."""
    upgraded(base)
    for args in (("stats", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "csv", "-o", ""),
                 ("render", str(ROOT / "processes" / "khai-tu"), "-o", "")):
        done = tthc(*args, env=base)
        assert done.returncode == 2 and "-o: tên tệp trống" in done.stderr, done.stderr


def test_an_empty_agency_code_at_the_calendar_is_refused_naming_the_option(base):
    """It said "không có cơ quan mã " (naming nothing)."""
    for args in (("calendar", "day", "2026-03-02"), ("calendar", "set", "2026-03-05", "off", "--name", "Nghỉ"),
                 ("calendar", "due", "2026-03-02T08:00:00+07:00", "--working-days", "1")):
        done = tthc(*args, "--agency", "", env=base)
        assert done.returncode == 2 and "--agency" in done.stderr and "mã cơ quan trống" in done.stderr, done.stderr


# -- procedure files ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("options, needle", [
    (("--agency", ""), "--agency ''"),
    (("--agency", "phuong thuan hoa"), "--agency 'phuong thuan hoa'"),
    (("--title", "Cấp\x01 phép"), "--title"),
    (("--title", " "), "--title"),
    (("--dir", ""), "--dir: tên thư mục trống"),
])
def test_procedure_new_refuses_options_that_would_write_a_broken_folder(base, tmp_path, options, needle):
    """An empty or malformed agency wrote a folder that `tthc validate` refused at once, a title with a control
    character an XML file that was not XML, and --dir "" wrote into processes_dir (the current folder's)."""
    work = tmp_path / "noi-lam"
    work.mkdir()
    args = ("--dir", str(work / "thu-tuc")) if options[0] != "--dir" else ()
    done = tthc("procedure", "new", "cap-phep-thu", *args, *options, env=base, cwd=work)
    one_line_error(done, needle)
    assert list(work.iterdir()) == []


def test_a_procedure_title_typed_decomposed_is_written_and_deployed_composed(demo, tmp_path):
    """`procedure new --title` wrote the title as typed (NFD) into the BPMN, its README and forms, and the
    catalogue stored it so: another spelling of the same name."""
    import unicodedata

    title = "Thủ tục thử nghiệm"
    made = tthc("procedure", "new", "thu-b", "--code", "9.999001", "--title", unicodedata.normalize("NFD", title),
                "--dir", str(tmp_path / "p"), env=demo)
    assert made.returncode == 0, made.stderr
    bpmn = (tmp_path / "p" / "thu-b" / "thu-b.bpmn").read_text(encoding="utf-8")
    assert f'name="{title}"' in bpmn and unicodedata.is_normalized("NFC", bpmn)
    # a file whose name someone wrote decomposed: deployed under the composed name
    bpmn_file = tmp_path / "p" / "thu-b" / "thu-b.bpmn"
    bpmn_file.write_text(bpmn.replace(f'name="{title}"', f'name="{unicodedata.normalize("NFD", title)}"', 1),
                         encoding="utf-8")
    assert tthc("deploy", str(tmp_path / "p" / "thu-b"), env=demo).returncode == 0
    assert rows(demo, "select name from procedure where code = '9.999001'") == [(title,)]


def test_procedure_import_of_a_file_without_records_is_refused(base, tmp_path):
    """"[]" or a sheet of headers only exited 0 without a word; --dir "" wrote into processes_dir."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Mã thủ tục", "Tên thủ tục", "Thời hạn giải quyết"])
    book.save(tmp_path / "trong.xlsx")
    write(tmp_path / "trong.json", "[]")
    for name in ("trong.json", "trong.xlsx"):
        done = tthc("procedure", "import", str(tmp_path / name), "--dir", str(tmp_path / "thu-tuc"), env=base)
        one_line_error(done, name, "không có bản ghi thủ tục nào")
    sample = ROOT / "docs" / "samples" / "thu-tuc-csdl-quoc-gia.json"
    one_line_error(tthc("procedure", "import", str(sample), "--dir", "", env=base, cwd=tmp_path), "--dir")
    assert not (tmp_path / "thu-tuc").exists() and not (tmp_path / "processes").exists()


@pytest.mark.parametrize("duration", ["nan", "inf", "99999999999"])
def test_a_procedure_duration_beyond_any_calendar_is_refused(base, tmp_path, duration):
    """nan, inf and 99999999999 working days passed validate and were deployed; each deadline then overflowed
    (`tthc validate --simulate` said only "giá trị nằm ngoài phạm vi")."""
    folder = tmp_path / "ho-kinh-doanh"
    shutil.copytree(SAMPLE, folder)
    bpmn = folder / "ho-kinh-doanh.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    assert '<spiffworkflow:property name="duration" value="3" />' in text
    write(bpmn, text.replace('<spiffworkflow:property name="duration" value="3" />',
                             f'<spiffworkflow:property name="duration" value="{duration}" />'))
    for command in ("validate", "deploy"):
        done = tthc(command, str(folder), env=base)
        assert done.returncode == 1 and "thời hạn giải quyết (duration) phải là số dương đến 10000" in done.stderr, \
            done.stderr
    record = {"Mã thủ tục": "1.000001", "Tên thủ tục": "Thủ tục thử", "Cơ quan thực hiện": "000.00.06.H56",
              "Thời hạn giải quyết": "99999999999 ngày làm việc"}
    write(tmp_path / "ban-ghi.json", json.dumps([record], ensure_ascii=False))
    done = tthc("procedure", "import", str(tmp_path / "ban-ghi.json"), "--dir", str(tmp_path / "thu-tuc"), env=base)
    assert done.returncode == 1 and "refused\tprocedure: " in done.stdout and "(duration)" in done.stdout, done.stdout
    assert not (tmp_path / "thu-tuc").exists()


# -- signing ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, needle", [
    ({"kind": "pkcs11"}, "thiếu “token”"),
    ({"kind": "pkcs11", "token": "lanhdao"}, "thiếu “key”"),
    ({"kind": "csc", "url": "javascript:alert(1)", "credential": "demo.lanhdao"}, "“url” (http/https)"),
    ({"kind": "csc", "url": "https://ky-so.example.vn"}, "“credential”"),
    ({"kind": "pkcs11", "token": "T", "key": "K", "module": "/khong-co/libtoken.so"},  # as `pki token` refuses it
     "Không tìm thấy thư viện PKCS#11 của thiết bị ký số: /khong-co/libtoken.so"),
    ({"kind": "pkcs11", "token": "T", "key": "K", "module": 7}, "“module” là đường dẫn"),
])
def test_pki_method_refuses_a_method_that_can_never_sign(demo, method, needle):
    """It was stored, and every signature of the officer failed later."""
    done = tthc("pki", "method", "demo.lanhdao", json.dumps(method), env=demo)
    assert done.returncode == 2 and needle in done.stderr, done.stderr
    assert json.loads(tthc("pki", "method", "demo.lanhdao", env=demo).stdout) == {"kind": "pkcs12"}


def test_pki_method_reads_the_method_before_the_database(base, tmp_path):
    """A method that is not JSON was refused after the database had been created and migrated."""
    done = tthc("pki", "method", "demo.lanhdao", "{kind: pkcs11}", env=base)
    assert done.returncode == 2 and "không phải JSON" in done.stderr, done.stderr
    assert not (tmp_path / "data" / "tthc.sqlite3").exists()


# -- payments ---------------------------------------------------------------------------------------------------
def test_reconcile_names_a_day_outside_the_calendar_and_a_file_that_is_not_csv(base, tmp_path):
    """Year 1 ended in "giá trị nằm ngoài phạm vi" (naming no option), an over-long field in "lỗi không mong đợi
    (Error: field larger than field limit (131072))"."""
    good = write(tmp_path / "vnpay.csv", "vnp_TxnRef,vnp_Amount,vnp_TransactionStatus\n")
    for day in ("0001-01-01", "9999-12-31"):
        done = tthc("payments", "reconcile", str(good), "--date", day, env=base)
        assert done.returncode == 2 and "--date" in done.stderr and "1976–2100" in done.stderr, done.stderr
    huge = write(tmp_path / "lon.csv", "vnp_TxnRef,vnp_Amount,vnp_TransactionStatus\nA1," + "9" * 200_000 + ",00\n")
    done = tthc("payments", "reconcile", str(huge), "--date", "2026-01-05", env=base)
    assert done.returncode == 2 and "không đọc được như CSV" in done.stderr and "lon.csv" in done.stderr, done.stderr
    assert not (tmp_path / "data" / "tthc.sqlite3").exists()  # refused before the database


# -- the web server ----------------------------------------------------------------------------------------------
def test_serve_refuses_a_port_or_host_it_cannot_listen_on(base):
    """--port 99999 served on 34463 (waitress takes it modulo 65536) while saying 99999; an empty or unknown host
    was "lỗi không mong đợi (ValueError: Invalid host/port specified.)" after "serving on" had been printed; a
    port in use was not named."""
    upgraded(base)
    for port in ("99999", "0"):
        done = tthc("serve", "--port", port, "--no-worker", env=base, timeout=30)
        assert done.returncode == 2 and "--port" in done.stderr and "65535" in done.stderr, done.stderr
    done = tthc("serve", "--host", "", "--port", "5999", "--no-worker", env=base, timeout=60)
    assert done.returncode == 2 and "--host" in done.stderr and "đang phục vụ tại" not in done.stdout, done.stdout
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = tthc("serve", "--port", str(port), "--no-worker", env=base, timeout=60)
    one_line_error(done, f"127.0.0.1:{port}", "cổng đã có chương trình khác dùng")
    assert "đang phục vụ tại" not in done.stdout, done.stdout
