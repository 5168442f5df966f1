"""`tthc signing-method`: which device or service holds an officer's signing key (D35): a PKCS#12 file unlocked
by their PIN (the default), a PKCS#11 token, or a remote signing service (engine.paperwork.signers)."""
from __future__ import annotations

import json

import click

from engine.cases import preflight, signing_requests
from engine.cases.preflight import upgrade_database
from engine.core.clock import SystemClock


@click.command(help='Xem hoặc đặt phương thức ký số của cán bộ, ví dụ \'{"kind": "pkcs12"}\' (tệp khóa mở bằng mã PIN), '
                    '\'{"kind": "pkcs11", "module": "...", "token": "...", "key": "..."}\', '
                    '\'{"kind": "csc", "url": "...", "credential": "..."}\'.')
@click.argument("username")
@click.argument("method", required=False)
def signing_method(username: str, method: str | None) -> None:
    settings = preflight.command_settings()
    upgrade_database(settings)
    try:
        value = json.loads(method) if method is not None else None
    except ValueError as exc:
        raise click.BadParameter(f"không phải JSON: {exc}") from exc
    with preflight.command_sessions(settings).begin() as session:
        value = signing_requests.set_method(session, username, value, SystemClock().now())
    click.echo(f"{username}\t{json.dumps(value, ensure_ascii=False)}")
