"""`tthc agency add|list` and `tthc officer add|list|suspend`: the operator's own machine administers the
province's tree and its officers (as a province administrator would; audited with no actor, the operator's CLI).
`officer add` without --password sends an activation code to the officer's channel and prints it for the
operator (the only place a code is ever shown); with --password the officer may sign in at once."""
from __future__ import annotations

import click
from sqlalchemy import select

from engine.cases import accounts, agency_admin, preflight, staff
from engine.cases.preflight import upgrade_database
from engine.cli.argforms import Several
from engine.core.clock import SystemClock
from engine.core.errors import EngineError, Invalid
from engine.core.settings import with_secrets
from engine.data import agencies
from engine.data.agency_model import AGENCY_LEVELS, Agency, level_fault

_settings = preflight.command_settings
_sessions = preflight.command_sessions


OPTIONS = {"full_name": "--name", "agency": "--agency", "roles": "--role", "email": "--email", "phone": "--phone",
           "parent": "--parent", "level": "--level", "name": "--name", "username": "USERNAME", "id": "CODE",
           "code": "CODE", "password": "--password", "reason": "--reason", "address": "--address",
           "seal_name": "--seal-name", "symbol": "--symbol"}  # the use cases' fields, as the commands name them


def _fail(exc: EngineError, defaulted: str | None = None) -> None:
    """One line: the message, and each field as the command's option. ``defaulted``: the field the command filled
    itself (a --name not given is the USERNAME), said so, since the operator typed none."""
    said = [f"{OPTIONS.get(k, k)}: {v}" + (" (không có --name: lấy USERNAME)" if k == defaulted else "")
            for k, v in exc.fields.items()]
    raise click.ClickException(exc.message + (f" ({'; '.join(said)})" if said else ""))


@click.group(help="Cơ quan: cây cơ quan của tỉnh.")
def agency() -> None:
    pass


@agency.command("add", help="Tạo cơ quan với mã định danh điện tử ID.")
@click.argument("code")
@click.option("--name", required=True, help="Tên cơ quan.")
@click.option("--level", required=True, type=click.Choice(AGENCY_LEVELS), help="Cấp.")
@click.option("--parent", default=None, help="Mã định danh của cơ quan cấp trên.")
@click.option("--address", default=None)
@click.option("--seal-name", default=None, help="Tên trên con dấu.")
@click.option("--symbol", default=None, help="Chữ viết tắt tên cơ quan trong ký hiệu văn bản (ví dụ STC).")
def agency_add(code: str, name: str, level: str, parent: str | None, address: str | None, seal_name: str | None,
               symbol: str | None):
    settings = with_secrets(_settings())
    upgrade_database(settings)
    try:
        with _sessions(settings).begin() as session:
            above = agencies.by_code(session, parent) if parent else None
            fault = level_fault(level, above.level if above is not None else None)  # D29: a ward under the province
            if fault is not None:
                raise Invalid("Thông tin cơ quan chưa hợp lệ", fields={"level": fault})
            made = agency_admin.create(session, SystemClock().now(), None, {
                "id": code, "name": name, "level": level, "parent": parent, "address": address,
                "seal_name": seal_name, "symbol": symbol})
            click.echo(f"{made.code}\t{made.level}\t{made.name}")
    except EngineError as exc:
        _fail(exc)


@agency.command("list", help="In cây cơ quan (thụt lề theo cấp).")
def agency_list() -> None:
    settings = with_secrets(_settings())
    upgrade_database(settings)
    with _sessions(settings)() as session:
        rows = session.scalars(select(Agency).order_by(Agency.path)).all()
        for a in rows:
            depth = max(0, (a.path or "/").count("/") - 2)
            closed = "" if a.active else "\t(ngừng hoạt động)"
            click.echo(f"{'  ' * depth}{a.code}\t{a.level}\t{a.name}{closed}")
    click.echo(f"{len(rows)} cơ quan", err=True)


@click.group(help="Cán bộ: tài khoản, vai trò, tạm khóa.")
def officer() -> None:
    pass


@officer.command("add", help="Tạo tài khoản cán bộ USERNAME của cơ quan --agency với các vai trò --role.")
@click.argument("username")
@click.option("--agency", "agency_code", required=True, help="Mã định danh của cơ quan.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(sorted(staff.GIVEN_ROLES)),
              cls=Several, takes=staff.GIVEN_ROLES.__contains__)  # --role A B, or --role A --role B
@click.option("--name", "full_name", default=None, help="Họ và tên (mặc định: USERNAME).")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--password", default=None, help="Mật khẩu đầu tiên (chỉ trên máy của người vận hành).")
def officer_add(username, agency_code, roles, full_name, email, phone, password) -> None:
    if password is not None and accounts.password_problem(password):  # before the database is touched
        # a control character was stored: the login refuses it, so the officer could never sign in
        raise click.ClickException(accounts.password_problem(password))
    settings = with_secrets(_settings())
    upgrade_database(settings)
    try:
        with _sessions(settings).begin() as session:
            user, code = staff.create(session, settings, SystemClock().now(), None, {
                "username": username, "agency": agency_code,
                "full_name": username if full_name is None else full_name,  # --name "": refused, not USERNAME
                "roles": list(roles), "email": email, "phone": phone}, password=password)
            click.echo(f"{user.username}\t{agency_code}\t{','.join(sorted(user.roles))}")
            if code is not None:
                click.echo(f"mã kích hoạt (gửi tới cán bộ, dùng tại /kich-hoat): {code}", err=True)
    except EngineError as exc:
        _fail(exc, "full_name" if full_name is None else None)


@officer.command("list", help="Liệt kê cán bộ (của một cơ quan với --agency).")
@click.option("--agency", "agency_code", default=None, help="Mã định danh của cơ quan.")
def officer_list(agency_code: str | None) -> None:
    if agency_code is not None and not agency_code.strip():
        raise click.BadParameter("mã cơ quan trống", param_hint="--agency")  # "" listed every officer
    settings = with_secrets(_settings())
    upgrade_database(settings)
    listed = 0
    with _sessions(settings)() as session:
        where = None
        if agency_code:
            where = session.scalar(select(Agency.id).where(Agency.code == agency_code))
            if where is None:
                raise click.ClickException(f"không có cơ quan {agency_code}")
        for user, code in staff.every_officer(session, where):  # a batch at a time, never the citizens' accounts
            state = "suspended" if user.locked_reason else ("active" if user.password_hash else "not activated")
            click.echo(f"{user.username}\t{code or '-'}\t{','.join(sorted(user.roles))}\t{state}\t{user.full_name}")
            listed += 1
    click.echo(f"{listed} cán bộ", err=True)


@officer.command("suspend", help="Tạm khóa tài khoản cán bộ: hủy mọi phiên đăng nhập và token API.")
@click.argument("username")
@click.option("--reason", default=None, help="Lý do (mặc định: tạm khóa bởi quản trị viên).")
def officer_suspend(username: str, reason: str | None) -> None:
    settings = with_secrets(_settings())
    upgrade_database(settings)
    try:
        with _sessions(settings).begin() as session:
            user = staff.update(session, SystemClock().now(), None, username, {"active": False, "reason": reason})
            click.echo(f"{user.username}\tsuspended\t{user.locked_reason}")
    except EngineError as exc:
        _fail(exc)
