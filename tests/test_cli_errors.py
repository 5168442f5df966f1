"""A wrong configuration or a damaged database stops `tthc` with one line that names the setting (README),
never a Python traceback, and with a non-zero exit (issue 11 item 9). Each case is the real command in its own
process, as an operator would run it."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tthc(*args: str, env: dict, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`tthc ARGS` through its console entry (engine.cli.run) with only ``env`` (plus PATH and this tree on
    PYTHONPATH) as its environment."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", "from engine.cli import run; run()", *args], cwd=cwd or ROOT,
                          env=full, capture_output=True, text=True, timeout=timeout)


def one_line_error(done: subprocess.CompletedProcess, *needles: str) -> str:
    """Non-zero exit, exactly one line on stderr (naming ``needles``), no traceback anywhere."""
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode != 0, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture
def base(tmp_path) -> dict:
    """A working configuration in a temporary folder (SQLite file in its data folder)."""
    return {"TTHC_DATA_DIR": str(tmp_path / "data"),
            "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'tthc.sqlite3'}"}


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    """The demo loaded once for this file by the real `tthc demo load`; each test that needs it works on its own
    copy of the data folder (the command takes a few seconds: one process, keys, every procedure deployed)."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    env = {"TTHC_DATA_DIR": str(folder), "TTHC_DATABASE_URL": f"sqlite:///{folder / 'tthc.sqlite3'}"}
    done = tthc("demo", "load", "--password", "demo12345", env=env)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture
def demo(demo_data, tmp_path, base) -> dict:
    """``base`` with the demo loaded (a copy of demo_data)."""
    shutil.copytree(demo_data, tmp_path / "data")
    return base


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- the configuration file -------------------------------------------------------------------------------
def test_a_missing_config_file(base, tmp_path):
    done = tthc("calendar", "day", "2026-01-01", env={**base, "TTHC_CONFIG": str(tmp_path / "khong-co.toml")})
    one_line_error(done, "TTHC_CONFIG", "khong-co.toml")


def test_a_config_file_that_is_a_folder(base, tmp_path):
    one_line_error(tthc("calendar", "day", "2026-01-01", env={**base, "TTHC_CONFIG": str(tmp_path)}), "TTHC_CONFIG")


def test_a_config_file_that_is_not_toml(base, tmp_path):
    config = write(tmp_path / "site.toml", "proxy_hops = = 1\n")
    one_line_error(tthc("calendar", "day", "2026-01-01", env={**base, "TTHC_CONFIG": str(config)}),
                   "TTHC_CONFIG", "site.toml", "line 1")


def test_a_config_file_that_is_not_utf8(base, tmp_path):
    config = tmp_path / "site.toml"
    config.write_bytes('place_name = "Huế"\n'.encode("utf-16"))
    one_line_error(tthc("calendar", "day", "2026-01-01", env={**base, "TTHC_CONFIG": str(config)}), "TTHC_CONFIG")


@pytest.mark.parametrize("line, setting", [("processes_dir = 5", "processes_dir"), ("forms_dir = [1]", "forms_dir"),
                                           ("token_hours = [8]", "token_hours"), ("place_name = {}", "place_name")])
def test_a_config_value_of_the_wrong_type(base, tmp_path, line, setting):
    config = write(tmp_path / "site.toml", line + "\n")
    one_line_error(tthc("calendar", "day", "2026-01-01", env={**base, "TTHC_CONFIG": str(config)}), setting)


# -- numbers ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("variable, value", [("TTHC_TIMER_INTERVAL_SECONDS", "nan"),
                                             ("TTHC_TIMER_INTERVAL_SECONDS", "inf"),
                                             ("TTHC_SCRIPT_TIME_LIMIT", "nan"), ("TTHC_TOKEN_HOURS", "1e400")])
def test_a_number_that_is_not_finite(base, variable, value):
    setting = variable[5:].lower()
    one_line_error(tthc("calendar", "day", "2026-01-01", env={**base, variable: value}), setting)


@pytest.mark.parametrize("option, value", [("--working-days", "1e12"), ("--working-days", "nan"),
                                           ("--working-hours", "inf"), ("--calendar-days", "1e12"),
                                           ("--working-days", "-1")])
def test_calendar_due_refuses_absurd_durations(base, option, value):
    """A usage error (exit 2), as a duration that is no number at all ("abc") is."""
    done = tthc("calendar", "due", "2026-11-23T09:00", option, value, env=base)
    one_line_error(done, option)
    assert done.returncode == 2


# -- unknown variables ------------------------------------------------------------------------------------
def test_a_misspelled_variable_is_named_on_stderr(base, tmp_path):
    done = tthc("calendar", "day", "2026-01-01", env={**base, "TTHC_DATABSE_URL": "sqlite:///x"})
    assert done.returncode == 0 and done.stdout.startswith("off")
    assert done.stderr.strip().splitlines() == [
        "cảnh báo: biến môi trường không có tác dụng: TTHC_DATABSE_URL (có phải TTHC_DATABASE_URL?)"]
    assert tthc("calendar", "day", "2026-01-01", env=base).stderr == ""  # nothing to say: nothing said


# -- the database ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url, needles", [
    ("khong phai url", ["database_url", "khong phai url"]),
    ("nosuchdriver://host/db", ["database_url", "nosuchdriver"]),
    ("postgresql+nosuchdbapi://u@host/db", ["database_url", "nosuchdbapi"]),
    ("postgresql+psycopg://tthc:secret@127.0.0.1:1/tthc", ["database_url", "127.0.0.1:1"]),
])
def test_a_database_url_that_cannot_be_used(base, url, needles):
    done = tthc("db", "upgrade", env={**base, "TTHC_DATABASE_URL": url})
    line = one_line_error(done, *needles)
    assert "secret" not in line  # the password is never printed


def test_a_sqlite_file_in_a_folder_that_does_not_exist(base, tmp_path):
    url = f"sqlite:///{tmp_path / 'khong-co' / 'tthc.sqlite3'}"
    one_line_error(tthc("worker", "--once", env={**base, "TTHC_DATABASE_URL": url}), "database_url")


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_sqlite_file(base, tmp_path, damage):
    assert tthc("db", "upgrade", env=base).returncode == 0
    path = tmp_path / "data" / "tthc.sqlite3"
    size = path.stat().st_size
    if damage == "garbage":
        path.write_bytes(b"this is not a database, it only has its name " * 200)
    else:
        with open(path, "r+b") as fh:
            fh.truncate(size // 3)
    for command in (("db", "upgrade"), ("worker", "--once")):
        one_line_error(tthc(*command, env=base), "database_url")


def test_a_database_stamped_with_an_unknown_revision(base, tmp_path):
    assert tthc("db", "upgrade", env=base).returncode == 0
    with sqlite3.connect(tmp_path / "data" / "tthc.sqlite3") as db:
        db.execute("update alembic_version set version_num = '9999'")
    for command in (("db", "upgrade"), ("worker", "--once")):
        one_line_error(tthc(*command, env=base), "database_url", "9999")


@pytest.mark.postgresql
def test_a_postgresql_database_that_does_not_exist(base, pg_server):
    url = pg_server.create_database("exists_for_its_url").rsplit("/", 1)[0] + "/khong_co_csdl_nay"
    one_line_error(tthc("db", "upgrade", env={**base, "TTHC_DATABASE_URL": url}), "database_url", "khong_co_csdl_nay")


# -- the data folder ---------------------------------------------------------------------------------------
def test_a_data_folder_that_cannot_be_made(base, tmp_path):
    blocker = write(tmp_path / "a-file", "x")
    for data_dir in (blocker, blocker / "data"):
        done = tthc("db", "upgrade", env={"TTHC_DATA_DIR": str(data_dir)})
        one_line_error(done, "data_dir", str(data_dir))


def test_a_data_folder_that_cannot_be_written(base, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        one_line_error(tthc("db", "upgrade", env={"TTHC_DATA_DIR": str(folder)}), "data_dir")
    finally:
        folder.chmod(0o700)


# -- the calendar file -------------------------------------------------------------------------------------
@pytest.mark.parametrize("content", [None, "office_hours = [\n", 'office_hours = ["25:00-26:00"]\n',
                                     '[[year.2026.off]]\ndate = "2026-02-30"\n', 'cutoff = 15\n'])
def test_a_calendar_file_that_cannot_be_used_stops_the_worker_at_once(base, tmp_path, content):
    calendar = tmp_path / "lich.toml"
    if content is not None:
        write(calendar, content)
    env = {**base, "TTHC_CALENDAR_FILE": str(calendar)}
    for command in (("worker", "--once"), ("calendar", "day", "2026-01-01")):
        one_line_error(tthc(*command, env=env), "calendar_file", "lich.toml")


# -- relative paths follow the current directory (issue 11 item 10) ----------------------------------------------
@pytest.fixture
def designer_folder(tmp_path) -> Path:
    """A designer's own folder: a procedure whose filing form exists only here, and the forms it uses."""
    folder = tmp_path / "thiet-ke"
    (folder / "forms").mkdir(parents=True)
    for form in (ROOT / "forms").glob("*.json"):
        (folder / "forms" / form.name).write_bytes(form.read_bytes())
    (folder / "forms" / "ho-kinh-doanh-nop.schema.json").rename(folder / "forms" / "to-khai-rieng.schema.json")
    bpmn = (ROOT / "processes" / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn").read_text(encoding="utf-8")
    write(folder / "rieng.bpmn", bpmn.replace("ho-kinh-doanh-nop.schema.json", "to-khai-rieng.schema.json"))
    return folder


def test_a_designer_validates_in_their_own_folder_with_its_own_forms(designer_folder):
    done = tthc("validate", "rieng.bpmn", env={}, cwd=designer_folder)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rieng.bpmn: ok (1.001612")


def test_a_missing_form_says_where_it_was_looked_for(designer_folder):
    (designer_folder / "forms" / "gia-han.schema.json").unlink()
    done = tthc("validate", "rieng.bpmn", env={}, cwd=designer_folder)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    expected = str(designer_folder / "forms" / "gia-han.schema.json")
    lines = done.stderr.strip().splitlines()
    assert lines and all("biểu mẫu không tồn tại: gia-han.schema.json" in line and expected in line
                         for line in lines), lines
    other = tthc("validate", "rieng.bpmn", env={"TTHC_FORMS_DIR": "bieu-mau"}, cwd=designer_folder)
    assert str(designer_folder / "bieu-mau" / "gia-han.schema.json") in other.stderr  # the setting, relative
    assert "to-khai-rieng" not in other.stderr  # the procedure's own forms/ folder is looked up first


def test_the_data_folder_follows_the_current_directory_and_the_calendar_comes_with_the_engine(tmp_path):
    folder = tmp_path / "noi-khac"
    folder.mkdir()
    done = tthc("db", "upgrade", env={}, cwd=folder)
    assert done.returncode == 0, done.stderr
    assert (folder / "data" / "tthc.sqlite3").is_file()
    day = tthc("calendar", "day", "2026-02-16", env={}, cwd=folder)  # an official notice of the shipped calendar
    assert day.returncode == 0 and day.stdout.startswith("off\tTết Nguyên đán"), day.stdout + day.stderr


# -- errors no command foresaw: one line, never a traceback (found by probing every command) ---------------------
def test_a_file_error_is_one_line_in_words(base, tmp_path):
    done = tthc("render", "processes/khai-tu", "-o", str(tmp_path / "khong-co" / "e.pdf"), env=base)
    one_line_error(done, "lỗi tệp: không có tệp hoặc thư mục này", "khong-co")


def test_a_value_out_of_range_is_one_line(base):
    one_line_error(tthc("notifications", "dead", "--retry", "9" * 25, env=base), "ngoài phạm vi")


def test_an_unexpected_error_says_how_to_see_its_traceback(base, monkeypatch):
    """What no one foresaw is named by its kind, with how to see the traceback (TTHC_TRACEBACK=1 raises it)."""
    from engine.cli import unexpected_line

    assert unexpected_line(KeyError("x")) == ("lỗi không mong đợi (KeyError: 'x'); đặt TTHC_TRACEBACK=1 để xem chi "
                                              "tiết và báo cho nhóm phát triển")
    assert unexpected_line(RecursionError()) == "lỗi: dữ liệu lồng nhau quá sâu"
    done = tthc("render", "processes/khai-tu", "-o", "/nonexistent-folder/e.pdf", env={**base, "TTHC_TRACEBACK": "1"})
    assert "Traceback" in done.stderr and done.returncode == 1


@pytest.mark.parametrize("args, needle", [
    (("calendar", "set", "0001-01-01", "off", "--name", "Nghỉ thử"), "1976–2100"),
    (("calendar", "set", "2200-01-01", "off", "--name", "Nghỉ thử"), "1976–2100"),
    (("calendar", "due", "1900-01-01T08:00:00+07:00", "--working-days", "5"), "1976–2100"),
    (("calendar", "due", "9999-12-31T10:00:00+07:00", "--calendar-days", "5"), "1976–2100"),
    (("calendar", "day", "20260213"), "YYYY-MM-DD"),
    (("calendar", "day", "2200-01-01"), "1976–2100"),  # the holidays package knows no year after 2100
    (("calendar", "set", "2026-03-05", "off", "--name", " "), "--name"),
    (("calendar", "set", "2026-03-05", "off", "--name", "a\x01b"), "--name"),
])
def test_calendar_days_outside_the_calendar_and_bad_names_are_refused_and_nothing_is_saved(base, args, needle):
    """A day in year 1 crashed `calendar set` after it had saved the override; an offset of 1900 (+07:06:30,
    Saigon's local mean time) leaked into `calendar due`; a blank holiday name was stored."""
    done = tthc(*args, env=base)
    assert "Traceback" not in done.stderr and done.returncode == 2 and needle in done.stderr, done.stderr
    if args[1] == "set":
        assert tthc("calendar", "day", "2026-03-05", env=base).stdout.startswith("working")


def test_calendar_commands_refuse_an_agency_that_does_not_exist(demo):
    for args in (("calendar", "day", "2026-02-13"), ("calendar", "due", "2026-12-01T10:00:00+07:00", "--working-days",
                                                      "1")):
        one_line_error(tthc(*args, "--agency", "NOPE", env=demo), "không có cơ quan mã NOPE")
    assert tthc("calendar", "day", "2026-02-13", "--agency", "000.00.06.H56", env=demo).stdout.startswith("working")


def test_validate_refuses_what_checks_nothing_and_names_a_form_of_the_wrong_shape(base, tmp_path):
    """An empty folder or "" (the current folder) said nothing and exited 0; a form that is a JSON list or whose
    properties are a number stopped validate with a traceback (the fee rules read it before anyone checked it)."""
    (tmp_path / "empty").mkdir()
    for path, needle in ((str(tmp_path / "empty"), "không có tệp BPMN"), ("", "trống")):
        done = tthc("validate", path, env=base)
        assert done.returncode == 2 and needle in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert "không phải tệp BPMN thông thường" in tthc("validate", "/dev/null", env=base).stderr
    folder = tmp_path / "khai-tu"
    shutil.copytree(ROOT / "processes" / "khai-tu", folder)
    for schema in ("[1, 2, 3]", '{"type": "nonsense", "properties": 5}'):
        write(folder / "forms" / "khai-tu-nop.schema.json", schema)
        done = tthc("validate", str(folder), env=base)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert "khai-tu.bpmn:6: khai_tu: biểu mẫu khai-tu-nop.schema.json: " in done.stderr, done.stderr


@pytest.mark.parametrize("steps, needle", [
    ([None], "bước 1: phải là một đối tượng JSON"),
    ([{"at": "2026-12-01T08:30:00+07:00", "do": "file"}, {"at": "2026-12-01T09:00:00+07:00", "do": "dance"}],
     "bước 2: thao tác 'dance' không có"),
    ([{"at": "2026-12-01T08:30:00+07:00", "do": "file"}, {"at": "2026-12-01T09:00:00+07:00"}], "thao tác None"),
    ([{"at": "2026-12-01T08:30:00+07:00", "do": "file", "form": [1, 2]}], "bước 1: 'form' phải là"),
    ([{"at": "2026-12-01T08:30:00+07:00", "do": "file"},
      {"at": "2026-12-01T09:00:00+07:00", "do": "request_extension", "data": "x"}], "bước 2: 'data' phải là"),
    ([{"at": "9999-12-31T16:30:00+07:00", "do": "file"}], "1976–2100"),
    ([{"at": "1900-01-01T08:00:00+07:00", "do": "file"}], "1976–2100"),
    ([{"at": "2026-12-01T08:30:00+07:00", "do": "file"}, {"at": "2026-12-02T08:30:00+07:00", "do": "file"}],
     "chỉ một bước 'file' (bước 2"),
    ([{"at": "2026-12-01T08:30:00+07:00", "do": "receive"}, {"at": "2026-12-02T08:30:00+07:00", "do": "file"}],
     "phải là 'file'"),
])
def test_a_scenario_of_the_wrong_shape_is_refused_before_anything_runs(base, tmp_path, steps, needle):
    scenario = write(tmp_path / "s.json", json.dumps({"procedure": "processes/ho-kinh-doanh/ho-kinh-doanh.bpmn",
                                                      "steps": steps}))
    one_line_error(tthc("simulate", str(scenario), env=base), needle)


def test_a_scenario_nested_too_deep_is_refused(base, tmp_path):
    scenario = write(tmp_path / "deep.json", "[" * 100000 + "]" * 100000)
    one_line_error(tthc("simulate", str(scenario), env=base), "lồng nhau quá sâu")


@pytest.mark.parametrize("args, needles", [
    (("payments", "gateway", "000.00.06.H56", "--gateway", "vnpay"), ("merchant:", "url:")),
    (("payments", "gateway", "000.00.06.H56", "--gateway", "vnpay", "--merchant", "TTHC", "--url",
      "javascript:alert(1)"), ("url: Địa chỉ trang thanh toán",)),
    (("payments", "gateway", "000.00.06.H56", "--gateway", "vnpay", "--merchant", "TT\x01HC", "--url",
      "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"), ("merchant:",)),
])
def test_a_payment_gateway_that_cannot_take_a_payment_is_refused_naming_each_field(demo, args, needles):
    """All of these were stored, rc 0, and the citizen's payment would have gone nowhere."""
    one_line_error(tthc(*args, env=demo), "Cấu hình cổng thanh toán chưa hợp lệ", *needles)


def test_pki_init_refuses_an_empty_or_unreadable_pin(base):
    for pin in ("", "12345", "abc\x01def"):
        done = tthc("pki", "init", "--pin", pin, env=base)
        assert done.returncode == 2 and "mã PIN cần ít nhất 6 ký tự" in done.stderr, done.stderr


@pytest.mark.parametrize("args, needle", [(("audit", "verify", ""), "mã hồ sơ trống"),
                                          (("audit", "verify", "--dossier", " "), "mã hồ sơ trống"),
                                          (("officer", "list", "--agency", ""), "mã cơ quan trống")])
def test_an_empty_code_is_refused_not_taken_for_all(base, args, needle):
    done = tthc(*args, env=base)
    assert done.returncode == 2 and needle in done.stderr, done.stderr
