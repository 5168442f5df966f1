"""The demo PKI's keys (``init_pki``: `tthc pki init`, `tthc demo load`), and `tthc pki token`: a signing key made
on an officer's PKCS#11 token (it never leaves the token), certified by the agency CA; prints the signing method to
configure for the officer."""
from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from engine.cases import issuing, preflight
from engine.cases.preflight import upgrade_database
from engine.core.clock import SystemClock
from engine.core.settings import Settings, with_secrets
from engine.data.model import User
from engine.paperwork import results, tokens
from engine.paperwork.signers import SigningFailed


def init_pki(settings: Settings, pin: str | None = None, renew: bool = False) -> int:
    """The demo CAs and every signer's and agency's key that is missing (``renew``: or that ``pin`` does not
    open, engine.paperwork.results.ensure_keys); returns how many were made."""
    with preflight.command_sessions(settings).begin() as session:
        made = results.ensure_keys(session, settings, SystemClock().now(), pin=pin, renew=renew)
        if made:  # a seal key missing until now: the documents waiting for it are tried at once
            issuing.try_now(session)
        return made


@click.command("token", help="Tạo khóa ký ngay trên thiết bị ký số (PKCS#11) của cán bộ — khóa không rời thiết "
                             "bị — và cấp chứng thư số từ CA cơ quan; in phương thức ký để cấu hình cho cán bộ.")
@click.argument("username")
@click.option("--token", "token_label", required=True, help="Nhãn của thiết bị (token label).")
@click.option("--module", default=None, help="Thư viện PKCS#11 của thiết bị (mặc định: thiết lập pkcs11_module).")
@click.option("--pin", default=None, help="Mã PIN (hỏi khi không có).")
def token(username: str, token_label: str, module: str | None, pin: str | None) -> None:
    settings = with_secrets(preflight.command_settings())  # the agency CA's key is opened with the passphrase
    upgrade_database(settings)
    with preflight.command_sessions(settings)() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or user.agency is None:
            raise click.UsageError(f"không có cán bộ {username}")
        name, organisation = user.full_name, user.agency.name
    method = {"kind": "pkcs11", "token": token_label, "key": username, **({"module": module} if module else {})}
    try:  # the officer and the module first: a PIN typed for a name mistyped was asked for nothing
        module_path = tokens.module_path(method, settings.pkcs11_module or None)
    except SigningFailed as exc:
        raise click.ClickException(exc.message) from None
    pin = pin if pin is not None else _asked_pin()
    try:
        tokens.enrol(module_path, token_label, pin, username, results.pki(settings), name, organisation,
                     SystemClock().now())
    except SigningFailed as exc:
        raise click.ClickException(exc.message) from None
    click.echo(json.dumps(method, ensure_ascii=False))


def _asked_pin() -> str:
    """The PIN, asked on the terminal (hidden) or read from the first line of stdin; with neither (stdin closed or
    empty) one line and exit 1: it was Click's English "Aborted!" after a prompt nobody could answer."""
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return click.prompt("Mã PIN của thiết bị", hide_input=True, err=True)
        except click.Abort:
            pass
    elif sys.stdin is not None:
        line = sys.stdin.readline().rstrip("\r\n")
        if line:
            return line
    click.echo("lỗi: cần mã PIN của thiết bị (--pin, hoặc nhập khi được hỏi trên màn hình)", err=True)
    sys.exit(1)
