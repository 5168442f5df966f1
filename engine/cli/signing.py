"""`tthc pki method`: which device or service holds an officer's signing key (D35): a PKCS#12 file unlocked
by their PIN (the default), a PKCS#11 token, or a remote signing service (engine.paperwork.signers); kept in the
signing_method table, copied into the signing requests made afterwards and
into those still waiting for the officer (engine.cases.signing_methods)."""
from __future__ import annotations

import json

import click

from engine.cases import preflight, signing_requests
from engine.cases.preflight import upgrade_database
from engine.core.clock import SystemClock
from engine.core.errors import EngineError


@click.command(help='Xem hoặc đặt phương thức ký số của cán bộ, ví dụ \'{"kind": "pkcs12"}\' (tệp khóa mở bằng mã PIN), '
                    '\'{"kind": "pkcs11", "module": "...", "token": "...", "key": "..."}\', '
                    '\'{"kind": "csc", "url": "...", "credential": "..."}\'; áp dụng cho các yêu cầu ký tạo sau đó và các '
                    'yêu cầu đang chờ cán bộ ký (trừ yêu cầu đang chờ xác nhận ký từ xa).')
@click.argument("username")
@click.argument("method", required=False)
def signing_method(username: str, method: str | None) -> None:
    try:
        value = json.loads(method) if method is not None else None
    except ValueError as exc:
        raise click.BadParameter(f"không phải JSON: {exc}") from exc
    if method is not None and not isinstance(value, dict):
        raise click.BadParameter("phương thức ký phải là một đối tượng JSON có “kind”")
    settings = preflight.command_settings()  # after the method is read: a refused one touches no database
    upgrade_database(settings)
    try:
        with preflight.command_sessions(settings).begin() as session:
            value = signing_requests.set_method(session, username, value, SystemClock().now())
    except EngineError as exc:
        raise click.UsageError(exc.message) from None
    click.echo(json.dumps(value, ensure_ascii=False))
