"""The `tthc` command line on throw-away SQLite files, configured through TTHC_* variables."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE, SAMPLE_CODE
from sqlalchemy import func, inspect, select, text
from sqlalchemy.pool import NullPool

from engine.cases import accounts
from engine.cli import DEMO_CITIZEN, main, province_officers
from engine.data.db import make_engine, make_sessionmaker
from engine.data.model import Procedure, ProcedureVersion, User

BROKEN = Path(__file__).resolve().parent / "processes" / "unknown-step.bpmn"


class Tthc:
    """`tthc ...` with its own data folder and SQLite file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.url = f"sqlite:///{folder / 'cli.sqlite3'}"
        self.env = {"TTHC_DATA_DIR": str(folder / "data"), "TTHC_DATABASE_URL": self.url}

    def __call__(self, *args: str, env: dict | None = None):
        return CliRunner().invoke(main, list(args), env=env or self.env)

    def session(self):
        return make_sessionmaker(make_engine(self.url, poolclass=NullPool))()


@pytest.fixture
def tthc(tmp_path):
    return Tthc(tmp_path)


def test_db_upgrade_creates_the_schema_in_an_empty_sqlite_file(tthc):
    result = tthc("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "đã nâng cấp cơ sở dữ liệu" in result.stdout
    engine = make_engine(tthc.url, poolclass=NullPool)
    tables = set(inspect(engine).get_table_names())
    assert {"alembic_version", "procedure", "procedure_version", "dossier", "user_account"} <= tables
    with engine.connect() as conn:
        revision = conn.execute(text("select version_num from alembic_version")).scalar_one()
    engine.dispose()
    assert tthc("db", "upgrade").exit_code == 0  # again: nothing to do
    engine = make_engine(tthc.url, poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == revision
    engine.dispose()


def test_db_upgrade_defaults_to_a_sqlite_file_in_the_data_folder(tmp_path):
    data = tmp_path / "data"
    env = {"TTHC_DATA_DIR": str(data), "TTHC_DATABASE_URL": ""}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert (data / "tthc.sqlite3").is_file()


def test_deploy_prints_code_version_and_whether_it_changed(tthc, tmp_path):
    assert tthc("db", "upgrade").exit_code == 0
    unknown = tthc("deploy", str(SAMPLE))  # D29: the agency the file names must exist first
    assert unknown.exit_code == 1 and "000.00.06.H56" in repr(unknown.exception)
    added = tthc("agency", "add", "000.00.06.H56", "--name", "Ủy ban nhân dân phường Thuận Hóa", "--level", "commune")
    assert added.exit_code == 0, added.output
    first = tthc("deploy", str(SAMPLE))
    assert first.exit_code == 0, first.output
    assert first.stdout.split() == [SAMPLE_CODE, "version", "1", "changed"]

    again = tthc("deploy", str(SAMPLE))
    assert again.stdout.split() == [SAMPLE_CODE, "version", "1", "unchanged"]

    changed = tmp_path / SAMPLE.name
    changed.write_text(SAMPLE.read_text(encoding="utf-8").replace(
        'name="Đăng ký thành lập hộ kinh doanh" isExecutable="true"',
        'name="Đăng ký thành lập hộ kinh doanh (sửa đổi)" isExecutable="true"'), encoding="utf-8")
    second = tthc("deploy", str(changed))
    assert second.stdout.split() == [SAMPLE_CODE, "version", "2", "changed"]
    with tthc.session() as session:
        assert session.scalar(select(Procedure.name)) == "Đăng ký thành lập hộ kinh doanh (sửa đổi)"
        assert session.scalar(select(func.count()).select_from(ProcedureVersion)) == 2


def test_deploy_of_a_broken_file_prints_its_problems_and_stores_nothing(tthc):
    assert tthc("db", "upgrade").exit_code == 0
    result = tthc("deploy", str(SAMPLE), str(BROKEN))
    assert result.exit_code == 1
    assert f"{BROKEN}:" in result.stderr and ": tiep_nhan: " in result.stderr
    assert result.stdout == ""
    with tthc.session() as session:
        assert session.scalar(select(func.count()).select_from(ProcedureVersion)) == 0


def test_demo_load_twice_is_idempotent(tthc):
    first = tthc("demo", "load", "--password", "mat-khau-1")
    assert first.exit_code == 0, first.output
    assert "demo.tiepnhan" in first.stdout and DEMO_CITIZEN["cccd"] in first.stdout

    def snapshot():
        with tthc.session() as session:
            users = sorted((u.id, u.username, tuple(sorted(u.roles))) for u in session.scalars(select(User)))
            versions = sorted(session.execute(
                select(Procedure.code, ProcedureVersion.version)
                .join(ProcedureVersion, ProcedureVersion.procedure_id == Procedure.id)))
        return users, versions

    users, versions = snapshot()
    assert {u[1] for u in users} == {name for name, _, _, _ in province_officers()} | {DEMO_CITIZEN["cccd"]}
    assert (SAMPLE_CODE, 1) in versions
    assert all(version == 1 for _, version in versions)

    second = tthc("demo", "load", "--password", "mat-khau-1")
    assert second.exit_code == 0, second.output
    assert snapshot() == (users, versions)
    with tthc.session() as session:
        for username in ("demo.admin", DEMO_CITIZEN["cccd"]):
            assert accounts.authenticate(session, username, "mat-khau-1").username == username


def test_demo_load_refuses_a_short_password(tthc):
    result = tthc("demo", "load", "--password", "ngan")
    assert result.exit_code == 2
    assert not (tthc.folder / "cli.sqlite3").exists()
