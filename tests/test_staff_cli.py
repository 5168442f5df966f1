"""`tthc agency add|list` and `tthc officer add|list|suspend` on a throw-away SQLite file: the operator's own
machine builds a tree and its staff, audited with no actor (the operator's command line)."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from engine.cases import accounts
from engine.cli import main
from engine.data.agency_model import AdminEvent
from engine.data.db import make_engine, make_sessionmaker
from engine.data.model import User


def test_the_operator_builds_a_tree_and_its_staff(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {"TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_DATABASE_URL": url}

    def tthc(*args):
        return CliRunner().invoke(main, list(args), env=env)

    assert tthc("agency", "add", "000.00.00.H56", "--name", "UBND tỉnh", "--level", "province").exit_code == 0
    r = tthc("agency", "add", "000.00.31.H56", "--name", "Phường A", "--level", "commune", "--parent", "000.00.00.H56")
    assert r.exit_code == 0, r.output
    r = tthc("agency", "add", "000.00.31.H56", "--name", "Lặp", "--level", "commune")
    assert r.exit_code == 1 and "Đã có cơ quan" in r.output
    r = tthc("agency", "add", "000.00.32.H56", "--name", "Phường B", "--level", "commune", "--parent", "999.H99")
    assert r.exit_code == 1 and "parent" in r.output
    r = tthc("agency", "add", "000.00.33.H56", "--name", "Phường C", "--level", "commune", "--parent", "000.00.31.H56")
    assert r.exit_code == 1 and "level: Xã, phường không thể trực thuộc xã, phường" in r.output, r.output  # D29
    r = tthc("agency", "list")
    assert r.exit_code == 0 and r.stdout.splitlines() == ["000.00.00.H56\tprovince\tUBND tỉnh",
                                                          "  000.00.31.H56\tcommune\tPhường A"]

    r = tthc("officer", "add", "tiepnhan.a", "--agency", "000.00.31.H56", "--role", "receiving_officer",
             "--role", "clerk", "--name", "Trần Tiếp Nhận", "--password", "mat-khau-1")
    assert r.exit_code == 0, r.output
    r = tthc("officer", "add", "chuyenvien.a", "--agency", "000.00.31.H56", "--role", "specialist")
    assert r.exit_code == 0 and "mã kích hoạt" in r.stderr, r.output
    r = tthc("officer", "list", "--agency", "000.00.31.H56")
    assert [line.split("\t")[:4] for line in r.stdout.splitlines()] == [
        ["chuyenvien.a", "000.00.31.H56", "specialist", "not activated"],
        ["tiepnhan.a", "000.00.31.H56", "clerk,receiving_officer", "active"]]
    r = tthc("officer", "suspend", "tiepnhan.a", "--reason", "Chuyển công tác")
    assert r.exit_code == 0, r.output
    assert tthc("officer", "suspend", "khong.co").exit_code == 1
    assert "suspended" in tthc("officer", "list").stdout

    session = make_sessionmaker(make_engine(url, poolclass=NullPool))()
    with session:
        user = session.scalar(select(User).where(User.username == "tiepnhan.a"))
        assert user.locked_reason == "Chuyển công tác"
        accounts.reinstate(session, user)
        assert accounts.authenticate(session, "tiepnhan.a", "mat-khau-1").username == "tiepnhan.a"
        actions = [(e.actor, e.action, e.target) for e in session.scalars(select(AdminEvent).order_by(AdminEvent.id))]
    assert actions == [(None, "agency.create", "000.00.00.H56"), (None, "agency.create", "000.00.31.H56"),
                       (None, "officer.create", "tiepnhan.a"), (None, "officer.create", "chuyenvien.a"),
                       (None, "officer.suspend", "tiepnhan.a")]


def test_a_refusal_names_the_commands_options_not_the_api_fields(tmp_path):
    """`officer add u1` with no --name took USERNAME as the name and was refused as "full_name: ..." (the API's
    field, an option the operator never typed): the line names --name and says the name was the USERNAME."""
    env = {"TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}

    def tthc(*args):
        return CliRunner().invoke(main, list(args), env=env)

    assert tthc("agency", "add", "000.00.31.H56", "--name", "Phường A", "--level", "commune").exit_code == 0
    r = tthc("officer", "add", "u1", "--agency", "000.00.31.H56", "--role", "specialist")
    assert r.exit_code == 1 and r.stderr.strip() == (
        "lỗi: Thông tin cán bộ chưa hợp lệ (--name: Họ và tên cần ít nhất hai chữ cái (không có --name: lấy "
        "USERNAME))"), r.stderr
    r = tthc("officer", "add", "lan.tran", "--agency", "000.00.99.H56", "--role", "specialist", "--name", "Trần Lan")
    assert r.exit_code == 1 and "(--agency: " in r.stderr and "full_name" not in r.stderr, r.stderr
    r = tthc("agency", "add", "bad code", "--name", "Phường X", "--level", "commune")
    assert r.exit_code == 1 and "(CODE: Mã định danh điện tử" in r.stderr and "(id:" not in r.stderr, r.stderr
