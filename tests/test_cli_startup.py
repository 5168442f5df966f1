"""`tthc` starts with what its command needs.

A command's module is imported when that command runs (engine.cli.LazyGroup): `tthc calendar day` reads the
calendar and the database, so it must not load the document renderers, pyHanko, the workflow engine or the web
application (before: every command loaded all of them, two seconds before anything happened).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.cli.demo import DEMO_CITIZEN, load_demo, province_officers

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pyhanko", "weasyprint", "reportlab", "SpiffWorkflow", "flask", "waitress", "jsonschema")


def modules_loaded_by(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run `tthc ARGS` in a fresh interpreter; the top-level packages of HEAVY it had imported by its end."""
    code = ("import sys; from engine.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
           "TTHC_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    return done, set(json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"')))


def test_a_calendar_question_loads_neither_documents_nor_workflow_nor_web(tmp_path):
    done, heavy = modules_loaded_by(tmp_path, "calendar", "day", "2026-01-01")
    assert done.stdout.startswith("off\tTết Dương lịch"), done.stdout + done.stderr
    assert heavy == set()


def test_a_wrong_setting_is_told_before_anything_heavy_is_loaded(tmp_path):
    (tmp_path / "khong-hop-le.toml").write_text("timer_interval_seconds = -1\n", encoding="utf-8")
    code = ("import sys; from engine.cli import run\n"
            "try:\n    run()\nexcept SystemExit as exc:\n    print('exit', exc.code)\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
           "TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_CONFIG": str(tmp_path / "khong-hop-le.toml")}
    done = subprocess.run([sys.executable, "-c", code, "worker", "--once"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.splitlines() == ["exit 2", "[]"], done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "timer_interval_seconds" in done.stderr, done.stderr


def test_every_command_is_listed_with_its_help_and_found_by_its_name():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    names = main.list_commands(None)
    assert {"serve", "worker", "validate", "deploy", "calendar", "db", "pki", "demo", "render"} <= set(names)
    for name in names:
        command = main.get_command(None, name)
        assert command is not None and command.name and command.help, name
        assert name in result.output
    for group, sub in (("db", "upgrade"), ("pki", "init"), ("pki", "token"), ("pki", "method"), ("demo", "load")):
        assert main.get_command(None, group).get_command(None, sub).help, (group, sub)


def test_the_names_imported_from_engine_cli_are_still_there():
    import engine.cli as cli

    assert cli.load_demo is load_demo and cli.province_officers is province_officers
    assert cli.DEMO_CITIZEN is DEMO_CITIZEN and cli.DEMO_AGENCY and cli.DEMO_USERS
    assert callable(cli.deploy_paths) and callable(cli.init_pki) and callable(cli.upgrade_database)
    with pytest.raises(AttributeError):
        cli.khong_co  # noqa: B018
