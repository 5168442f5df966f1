"""`tthc audit`: the signed checkpoint of every chain's head, and the verification of the chains (api.md "Command
line": `tthc audit verify [CODE|--all]`, exit 1 on any problem)."""
from __future__ import annotations

import sys

import click

from engine.cases import preflight
from engine.cases.preflight import upgrade_database
from engine.core.clock import SystemClock
from engine.core.settings import with_secrets
from engine.core.vocabulary import typed
from engine.data import audit_checkpoints

_settings = preflight.command_settings
_sessions = preflight.command_sessions


@click.group(help="Nhật ký kiểm tra: `audit checkpoint` ghi điểm kiểm tra có chữ ký của đầu mọi chuỗi; `audit "
                  "verify [MÃ|--all]` kiểm chứng chuỗi của một hồ sơ, hoặc mọi chuỗi và điểm kiểm tra mới nhất "
                  "(mã thoát 1 nếu có vấn đề).")
def audit() -> None:
    pass


@audit.command("checkpoint", help="Ghi một điểm kiểm tra có chữ ký của đầu mọi chuỗi nhật ký.")
def checkpoint() -> None:
    upgrade_database(settings := with_secrets(_settings()))
    click.echo(audit_checkpoints.describe(*audit_checkpoints.write_checkpoint(
        _sessions(settings), settings, SystemClock().now())))


@audit.command("verify", help="Kiểm chứng chuỗi nhật ký: một dòng cho mỗi vấn đề, một dòng tổng kết; tiến độ "
                              "n/N trên stderr khi kiểm mọi chuỗi; mã thoát 1 nếu có vấn đề.")
@click.argument("code", required=False)
@click.option("--all", "every", is_flag=True, help="Mọi hồ sơ (mặc định khi không nêu mã).")
@click.option("--dossier", "dossier", default=None, help="Chỉ hồ sơ có mã này (như đối số MÃ).")
def verify(code: str | None, every: bool, dossier: str | None) -> None:
    if code is not None and dossier is not None and code != dossier:
        raise click.UsageError("nêu mã hồ sơ một lần: MÃ hoặc --dossier MÃ")
    if any(given is not None and not given.strip() for given in (code, dossier)):
        raise click.UsageError("mã hồ sơ trống (để kiểm mọi hồ sơ: --all)")  # "" verified every chain
    # a code as typed (lower case, full-width), as engine.cases.dossiers.typed_code reads it (not imported here: the
    # workflow engine it loads would slow every command)
    code = typed(code or dossier).upper() or None
    if every and code is not None:
        raise click.UsageError("--all kiểm mọi hồ sơ: không nêu thêm mã hồ sơ")
    upgrade_database(settings := with_secrets(_settings()))  # the work: engine.data.audit_checkpoints
    if audit_checkpoints.report(_sessions(settings), settings, click.echo, lambda t: click.echo(t, err=True), code):
        sys.exit(1)
