"""What the operator reads from `tthc` (README: "Every command tells an error in one line on stderr"): a demo that
cannot be deployed writes nothing; a wrong setting is told in Vietnamese like every other refusal; a command's own
refusal names the argument it is about, never an empty "lỗi: : "; `tthc stats` shows every D32 counter."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from engine.cli import DEMO_AGENCY, main
from engine.reports.statistics import COUNTERS
from test_cli_errors import one_line_error, tthc
from test_cli_usage_errors import refused
from test_statistics import EXPECTED, database_url, march, pki_2027, settings  # noqa: F401  (fixtures)


@pytest.fixture
def env(tmp_path) -> dict:
    """A scratch data folder and SQLite database (never ./data)."""
    return {"TTHC_DATA_DIR": str(tmp_path / "data"),
            "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'tthc.sqlite3'}"}


def counts(env: dict) -> tuple[int, int]:
    with sqlite3.connect(env["TTHC_DATABASE_URL"].removeprefix("sqlite:///")) as db:
        return (db.execute("select count(*) from agency").fetchone()[0],
                db.execute("select count(*) from user_account").fetchone()[0])


# -- D29: the demo is loaded whole or not at all ------------------------------------------------------------------
def test_demo_load_without_its_procedures_folder_names_the_folder_and_writes_nothing(env, tmp_path):
    """`tthc db upgrade && tthc demo load` where processes/ is missing said "…/processes:0: -: tệp không tồn tại"
    after committing 9 agencies, 37 officers and the demo citizen, with no procedure."""
    missing = tmp_path / "khong-co-thu-tuc"
    env = {**env, "TTHC_PROCESSES_DIR": str(missing)}
    assert CliRunner().invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    result = CliRunner().invoke(main, ["demo", "load", "--password", "demo12345"], env=env)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"lỗi: không có thư mục thủ tục {missing}"
    assert counts(env) == (0, 0)


def test_demo_load_with_a_broken_procedure_writes_nothing(env, tmp_path):
    folder = tmp_path / "thu-tuc"
    folder.mkdir()
    (folder / "hong.bpmn").write_text("<definitions", encoding="utf-8")
    env = {**env, "TTHC_PROCESSES_DIR": str(folder)}
    result = CliRunner().invoke(main, ["demo", "load", "--password", "demo12345"], env=env)
    assert result.exit_code == 1 and "hong.bpmn" in result.stderr, result.output
    assert counts(env) == (0, 0)
    (folder / "hong.bpmn").unlink()  # a folder without any procedure: said so, nothing written
    result = CliRunner().invoke(main, ["demo", "load", "--password", "demo12345"], env=env)
    assert result.exit_code == 1 and "không có tệp BPMN" in result.stderr, result.output
    assert counts(env) == (0, 0)


# -- a wrong setting, in Vietnamese (exit 2) ------------------------------------------------------------------------
@pytest.mark.parametrize(("variable", "value", "said"), [
    ("TTHC_TOKEN_HOURS", "abc", "lỗi cấu hình: thiết lập token_hours: 'abc' không phải số nguyên"),
    ("TTHC_TOKEN_HOURS", "-5", "lỗi cấu hình: thiết lập token_hours phải ít nhất 1, không phải -5"),
    ("TTHC_CONFIG", "/khong-co.toml", "lỗi cấu hình: TTHC_CONFIG=/khong-co.toml: không có tệp"),
    ("TTHC_CONFIG", "/tmp", "lỗi cấu hình: TTHC_CONFIG=/tmp: là thư mục, không phải tệp"),
    ("TTHC_DATABASE_URL", "nonsense://x",
     "lỗi cấu hình: thiết lập database_url: không dùng được địa chỉ cơ sở dữ liệu 'nonsense://x': "),
])
def test_a_wrong_setting_is_told_in_vietnamese(env, variable, value, said):
    done = tthc("db", "upgrade", env={**env, variable: value})
    assert done.returncode == 2
    line = one_line_error(done)
    assert line.startswith(said), line
    for english in ("setting ", "is not a valid", "at least", "no such file", "is a folder", "cannot be used"):
        assert english not in line, line


# -- a command's own refusal names its argument -----------------------------------------------------------------
def test_a_commands_own_refusal_names_the_argument_it_quotes_or_none(env):
    line = refused(env, "calendar", "due", "2026-02-30T10:00:00+07:00", "--working-days", "3")
    assert line.startswith("lỗi: START: không phải thời điểm ISO 8601: 2026-02-30T10:00:00+07:00"), line
    line = refused(env, "payments", "gateway", "NOPE", "--gateway", "vnpay")
    assert line.startswith("lỗi: AGENCY: không có cơ quan NOPE"), line
    line = refused(env, "pki", "method", "demo.chuyenvien", "{bad json")
    assert line.startswith("lỗi: không phải JSON: "), line  # which argument is not said: no empty name either
    line = refused(env, "calendar", "due", "2026-11-23T09:00", "--working-days", "1", "--agency", " ")
    assert line.startswith("lỗi: --agency: mã cơ quan trống"), line  # the option Click knows, as before


# -- D32: every counter in the table ------------------------------------------------------------------------------
def test_the_stats_table_shows_every_counter_with_its_total(march, settings):
    """The table showed 13 of the 28 counters: no supplement requests, extensions, apologies, payments,
    digitisation, reuse or ratings, though `--help` promised them. March 2027 of tests/test_statistics.py."""
    env = {"TTHC_DATABASE_URL": settings.database_url, "TTHC_DATA_DIR": str(settings.data_dir)}
    table = CliRunner().invoke(main, ["stats", "--from", "2027-03-01", "--to", "2027-03-31",
                                      "--agency", DEMO_AGENCY[0]], env=env)
    assert table.exit_code == 0, table.output
    lines = {line.split()[0]: line.split() for line in table.output.splitlines() if line.strip()}
    assert set(COUNTERS) <= set(lines), sorted(set(COUNTERS) - set(lines))
    assert lines["counter"][-2:] == [DEMO_AGENCY[0], "total"]
    # the command runs on the real clock, before March 2027: nothing was pending yet at the period's end
    for name, value in EXPECTED.items():
        if not name.startswith("pending"):
            assert lines[name][-2:] == [str(value), str(value)], (name, lines[name])
    assert "Yêu cầu bổ sung lần đầu" in table.output and "Thư xin lỗi" in table.output
