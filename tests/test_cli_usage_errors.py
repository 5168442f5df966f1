"""Click's own usage errors (a bad choice, a missing argument or option, an unknown option or command, a path that
is not there, a number that is not one) are told like every other error of `tthc` (README, "Every command tells
an error in one line on stderr"): one Vietnamese line naming the option and what it accepts, exit 2 as Click
gives them, never Click's three English lines "Usage: ... Try ... Error: ...". `--help` is unchanged."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from engine.cli import main
from test_cli_errors import one_line_error, tthc


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def env(tmp_path) -> dict:
    """A scratch data folder and database (never ./data)."""
    return {"TTHC_DATA_DIR": str(tmp_path / "data"),
            "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'tthc.sqlite3'}"}


def refused(env: dict, *args: str) -> str:
    """`tthc ARGS` through CliRunner: exit 2, one line on stderr in Vietnamese, none of Click's English."""
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    for english in ("Usage:", "Try ", "Error:", "Invalid value", "is not one of", "does not exist", "Missing",
                    "No such"):
        assert english not in line, line
    assert line.startswith("lỗi"), line
    return line


def test_a_bad_choice_names_the_option_the_value_and_the_allowed_values(env):
    line = refused(env, "agency", "add", "X", "--name", "Phường X", "--level", "galaxy")
    assert "--level" in line and "galaxy" in line
    assert all(level in line for level in ("province", "centre", "department", "commune")), line
    line = refused(env, "officer", "add", "u", "--agency", "A", "--role", "king")
    assert "--role" in line and "king" in line and "clerk" in line and "specialist" in line, line


def test_a_missing_file_is_named_with_its_argument(env):
    line = refused(env, "procedure", "import", "/missing.json")
    assert "FILE" in line and "/missing.json" in line and "không có" in line, line


def test_a_missing_argument_or_option_is_named(env):
    assert "CODE" in refused(env, "agency", "add")
    line = refused(env, "agency", "add", "X", "--name", "Phường X")
    assert "thiếu" in line and "--level" in line and "commune" in line, line
    line = refused(env, "agency", "add", "X", "--name", "Phường X", "--level")
    assert "--level" in line and "cần một giá trị" in line and "province" in line, line


def test_an_unknown_option_or_command_or_an_extra_argument_is_named(env):
    assert "--bogus" in refused(env, "agency", "add", "X", "--bogus")
    assert "bogus" in refused(env, "bogus")
    line = refused(env, "calendar", "day", "2026-11-23", "extra")
    assert "extra" in line and "thừa" in line, line


def test_a_number_that_is_not_one_or_out_of_range(env):
    line = refused(env, "notifications", "dead", "--retry", "abc")
    assert "--retry" in line and "abc" in line and "số nguyên" in line, line
    line = refused(env, "serve", "--port", "abc")
    assert "--port" in line and "abc" in line and "65535" in line, line
    line = refused(env, "serve", "--port", "99999")
    assert "--port" in line and "99999" in line and "65535" in line, line


def test_the_commands_own_words_keep_their_option(env):
    line = refused(env, "render", "processes/khai-tu", "-o", "")
    assert "-o" in line and "tên tệp trống" in line, line


def test_help_is_unchanged(env):
    result = CliRunner().invoke(main, ["agency", "add", "--help"], env=env)
    assert result.exit_code == 0 and result.output.startswith("Usage: ") and "--level" in result.output


def test_the_console_entry_says_one_line_too(env):
    done = tthc("agency", "add", "X", "--name", "Phường X", "--level", "galaxy", env=env)
    assert done.returncode == 2
    line = one_line_error(done, "--level", "galaxy", "commune")
    assert "Usage" not in done.stderr and "Invalid value" not in line
