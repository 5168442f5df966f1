"""`tthc` starts with what its command needs, and the demo and a simulation do not hash their one shared password
once per account.

A command's module is imported when that command runs (engine.cli.LazyGroup): `tthc calendar day` reads the
calendar and the database, so it must not load the document renderers, pyHanko, the workflow engine or the web
application (before: every command loaded all of them, two seconds before anything happened). The demo's 37
accounts and a simulation's officers share one published password: scrypt (about 0.1 s) runs once for them,
not once per account (`tthc serve --demo` restarted in 7.4 s, 4 s of it hashing the same password 37 times).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.security import check_password_hash

from conftest import PASSWORD, make_settings
from engine.cases import accounts
from engine.cli import main
from engine.cli.demo import DEMO_CITIZEN, load_demo, province_officers
from engine.data.db import make_engine, make_sessionmaker
from engine.data.model import User

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pyhanko", "weasyprint", "reportlab", "SpiffWorkflow", "flask", "waitress", "jsonschema")


def tthc_counting_heavy(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess, int, set[str]]:
    """Run `tthc ARGS` (engine.cli.run, as the console script does) in a fresh interpreter with only ``env`` and a
    temporary data folder; its output, its exit status and the packages of HEAVY it had imported by its end
    (the last two written by the wrapper as the last line of stderr)."""
    code = ("import json, sys; from engine.cli import run\n"
            "try:\n    run()\nexcept SystemExit as exc:\n    status = exc.code or 0\n"
            f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
            "print(json.dumps([status, heavy]), file=sys.stderr)")
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
            "TTHC_DATA_DIR": str(tmp_path / "data"), **env}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=120)
    *told, last = done.stderr.strip().splitlines()
    status, heavy = json.loads(last)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout, "\n".join(told)), status, set(heavy)


def test_a_calendar_question_loads_neither_documents_nor_workflow_nor_web(tmp_path):
    done, status, heavy = tthc_counting_heavy(tmp_path, "calendar", "day", "2026-01-01")
    assert status == 0 and done.stdout.startswith("off\tTết Dương lịch"), done.stdout + done.stderr
    assert heavy == set()


def test_a_wrong_setting_is_told_before_anything_heavy_is_loaded(tmp_path):
    (tmp_path / "khong-hop-le.toml").write_text("timer_interval_seconds = -1\n", encoding="utf-8")
    done, status, heavy = tthc_counting_heavy(tmp_path, "worker", "--once",
                                              TTHC_CONFIG=str(tmp_path / "khong-hop-le.toml"))
    assert status == 2 and heavy == set(), (status, heavy, done.stderr)
    assert len(done.stderr.splitlines()) == 1 and "timer_interval_seconds" in done.stderr, done.stderr


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


def test_flask_app_commands_are_the_same_commands():
    """`flask --app app <command>` (app.py registers them) reaches every command, loaded when registered."""
    from flask import Flask

    from engine.cli import register

    app = Flask("cli-registration")
    register(app)
    for name in main.list_commands(None):
        assert app.cli.commands[name] is main.get_command(None, name), name


def test_commands_are_loaded_only_from_the_command_line_s_own_modules():
    """The lazy maps name modules as strings, which the import rules of test_architecture cannot see: a command
    lives in engine/cli/, and a re-exported name in engine/cli/ or in preflight (no way around the layers)."""
    import engine.cli as cli

    groups = [main, *(main.get_command(None, name) for name in ("db", "pki", "demo"))]
    for group in groups:
        for name, target in group.lazy.items():
            assert target.startswith("engine.cli.") and ":" in target, (name, target)
    for name, module in cli._EXPORTS.items():
        assert module.startswith("engine.cli.") or module == "engine.cases.preflight", (name, module)
    assert set(cli._EXPORTS) <= set(dir(cli))


def test_the_names_imported_from_engine_cli_are_still_there():
    import engine.cli as cli

    assert cli.load_demo is load_demo and cli.province_officers is province_officers
    assert cli.DEMO_CITIZEN is DEMO_CITIZEN and cli.DEMO_AGENCY and cli.DEMO_USERS
    assert callable(cli.deploy_paths) and callable(cli.init_pki) and callable(cli.upgrade_database)
    with pytest.raises(AttributeError):
        cli.khong_co  # noqa: B018


@pytest.fixture
def counted_hashes(monkeypatch) -> list[str]:
    """Every password hashed from here on (accounts.hash_password, still the real scrypt)."""
    calls: list[str] = []
    real = accounts.hash_password

    def counting(password: str) -> str:
        calls.append(password)
        return real(password)

    monkeypatch.setattr(accounts, "hash_password", counting)
    return calls


def test_the_demo_hashes_its_one_password_once_and_every_account_signs_in_with_it(tmp_path, pki_dir,
                                                                                    counted_hashes):
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'demo.sqlite3'}", pki_dir)
    load_demo(settings, PASSWORD)
    first = len(counted_hashes)
    assert first == 2  # the shared hash, and the citizen's own when the account is registered
    load_demo(settings, PASSWORD)  # again (idempotent): one hash for all
    assert len(counted_hashes) - first == 1
    engine = make_engine(settings.resolved_database_url)
    try:
        with make_sessionmaker(engine)() as session:
            names = [u for u, _, _, _ in province_officers()] + [DEMO_CITIZEN["cccd"]]
            users = session.scalars(select(User).where(User.username.in_(names))).all()
            assert len(users) == len(names) == 37
            hashes = {u.password_hash for u in users}
            assert len(hashes) == 1  # every demo account, the citizen too, has the one hash of the one password
            assert check_password_hash(hashes.pop(), PASSWORD)
            assert accounts.authenticate(session, DEMO_CITIZEN["cccd"], PASSWORD).username == DEMO_CITIZEN["cccd"]
    finally:
        engine.dispose()


def test_a_simulation_hashes_its_officers_password_once(tmp_path, counted_hashes):
    scenario = ROOT / "processes" / "ho-kinh-doanh" / "scenarios"
    path = sorted(scenario.glob("*.json"))[0]
    result = CliRunner().invoke(main, ["simulate", str(path)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["events"]
    assert len(counted_hashes) == 2  # the officers' shared hash and the simulated citizen's
