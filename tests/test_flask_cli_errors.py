"""`flask --app app ...` reaches the `tthc` commands (api.md) and answers as `tthc` does: an error in one line on
stderr with `tthc`'s exit code, never a Python traceback. Each case is the real command in its own process, from
the repository root, on a SQLite file in a temporary folder."""
from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from test_cli_errors import ROOT, one_line_error, tthc
from test_cli_errors import base  # noqa: F401 (fixture: a working configuration in a temporary folder)

SAMPLE = ROOT / "processes" / "ho-kinh-doanh"


def flask(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m flask --app app ARGS` from the repository root with only ``env`` (plus PATH and this tree on
    PYTHONPATH) as its environment."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=timeout)


def same_as_tthc(env: dict, *args: str, needles: tuple[str, ...] = ()) -> str:
    """The command through flask and through `tthc`: one line on stderr, the same line, the same exit code."""
    through_flask, through_tthc = flask(*args, env=env), tthc(*args, env=env)
    line = one_line_error(through_flask, *needles)
    assert line == one_line_error(through_tthc, *needles)
    assert through_flask.returncode == through_tthc.returncode, (through_flask.returncode, through_tthc.returncode)
    return line


@pytest.fixture
def upgraded(base):  # noqa: F811 - the fixture imported above
    assert flask("db", "upgrade", env=base).returncode == 0
    return base


def test_an_unknown_procedure_through_flask_is_one_line(upgraded):
    line = same_as_tthc(upgraded, "offer", "NOPE", needles=("NOPE",))
    assert line.startswith("lỗi: ")


def test_a_file_that_cannot_be_written_through_flask_is_one_line(base):  # noqa: F811
    line = same_as_tthc(base, "render", str(SAMPLE), "-o", "/nonexistent/x.pdf", needles=("/nonexistent/x.pdf",))
    assert line.startswith("lỗi tệp: ")


def test_a_wrong_setting_through_flask_is_one_line_with_tthc_s_exit_code(base, tmp_path):  # noqa: F811
    env = {**base, "TTHC_CONFIG": str(tmp_path / "khong-co.toml")}
    same_as_tthc(env, "calendar", "day", "2026-01-01", needles=("TTHC_CONFIG", "khong-co.toml"))
    assert flask("calendar", "day", "2026-01-01", env=env).returncode == 2


def test_a_refused_command_line_through_flask_is_told_as_tthc_tells_it(base):  # noqa: F811
    through_flask, through_tthc = flask("offer", "--bad", env=base), tthc("offer", "--bad", env=base)
    line = one_line_error(through_flask, "không có tùy chọn --bad", "flask offer --help")
    assert line.split(" (xem:")[0] == one_line_error(through_tthc).split(" (xem:")[0]
    assert through_flask.returncode == through_tthc.returncode == 2


def test_flask_help_and_a_normal_command_still_work(upgraded):
    listed = flask("--help", env=upgraded)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    for name in ("offer", "render", "calendar", "db", "routes"):
        assert f"  {name} " in listed.stdout, name
    helped = flask("offer", "--help", env=upgraded)
    assert helped.returncode == 0 and "CODE" in helped.stdout, helped.stderr
    day = flask("calendar", "day", "2026-01-01", env=upgraded)
    assert day.returncode == 0 and day.stdout == tthc("calendar", "day", "2026-01-01", env=upgraded).stdout


def test_registering_for_flask_leaves_tthc_s_own_commands_as_they_were(tmp_path):
    """The very objects `tthc` runs are registered: under `tthc` (and run on their own, as tests do) Root and
    run() still tell their errors, the command itself raises as before."""
    from flask import Flask

    from engine.cli import main, register

    app = Flask("cli-registration")
    register(app)
    register(app)  # twice: told once
    render = main.get_command(None, "render")
    assert app.cli.commands["render"] is render
    missing = str(tmp_path / "khong-co" / "x.pdf")
    for command, args in ((main, ["render", str(SAMPLE), "-o", missing]), (render, [str(SAMPLE), "-o", missing])):
        result = CliRunner().invoke(command, args)
        assert isinstance(result.exception, FileNotFoundError), (result.exception, result.output)
    with pytest.raises(click.UsageError):
        render.make_context("render", ["--bad"])
