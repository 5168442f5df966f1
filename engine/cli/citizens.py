"""`tthc citizen code USERNAME`: a new activation or recovery code for a citizen account, sent to the account's
channels as always and printed for the operator (a walk-in citizen whose phone gets no SMS because the province
has no SMS provider yet); audited."""
from __future__ import annotations

import click
from sqlalchemy import select

from engine.cases import administration, onetime, preflight
from engine.cases.preflight import upgrade_database
from engine.core.clock import SystemClock
from engine.core.settings import with_secrets
from engine.data.model import User


@click.group("citizen", help="Tài khoản công dân.")
def citizen() -> None:
    pass


@citizen.command("code", help="Tạo mã kích hoạt hoặc mã khôi phục cho tài khoản công dân, gửi qua kênh của "
                              "tài khoản và in ra cho người vận hành (ghi nhật ký quản trị).")
@click.argument("username")
@click.option("--purpose", type=click.Choice(["activation", "recovery"]), default="activation",
              help="activation: kích hoạt tài khoản tạo tại quầy; recovery: khôi phục mật khẩu.")
def code(username: str, purpose: str) -> None:
    settings = with_secrets(preflight.command_settings())  # codes are keyed with the session secret
    upgrade_database(settings)
    now = SystemClock().now()
    with preflight.command_sessions(settings).begin() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or user.roles_text != "citizen" or user.cancelled_at is not None:
            raise click.UsageError(f"không có tài khoản công dân {username}")
        value = onetime.issue(session, settings, user, purpose, now)
        administration.audit(session, now, None, f"citizen.code_{purpose}", "citizen", username)
    click.echo(f"{username}\t{purpose}\t{value}\t{onetime.MINUTES[purpose]} phút")
