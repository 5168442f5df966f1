"""`tthc db prune-files`: the stored files no row refers to, removed (engine.cases.store_prune); for cron."""
from __future__ import annotations

import json
from datetime import timedelta

import click

from engine.cases import preflight, store_prune
from engine.cases.preflight import upgrade_database
from engine.core.clock import SystemClock
from engine.core.settings import with_secrets


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}".replace(".", ",")
        n /= 1024
    return ""


@click.command("prune-files", help="Xóa các tệp trong kho lưu trữ không còn tài liệu nào dùng (tệp của hồ sơ bị từ "
                                   "chối khi nộp, tệp giữ lại đã hết hạn, tệp ghi dở) và cũ hơn thời gian chờ; in "
                                   "kết quả (JSON).")
@click.option("--older-than", "days", type=click.IntRange(1, 3650), default=store_prune.GRACE.days, show_default=True,
              help="Chỉ xóa tệp cũ hơn số ngày này.")
@click.option("--dry-run", is_flag=True, help="Chỉ đếm, không xóa gì.")
def prune_files(days: int, dry_run: bool) -> None:
    settings = with_secrets(preflight.command_settings())
    upgrade_database(settings)
    step = {"next": 0.0}

    def progress(folder: int, folders: int, done: store_prune.Pruned) -> None:
        if folder / folders >= step["next"] or folder == folders:  # about every tenth of the store
            step["next"] = folder / folders + 0.1
            click.echo(f"đã xem {folder}/{folders} thư mục, {done.files} tệp; "
                       f"{'sẽ xóa' if dry_run else 'đã xóa'} {done.removed} tệp", err=True)

    done = store_prune.prune(preflight.command_sessions(settings), settings.data_dir, SystemClock().now(),
                             older_than=timedelta(days=days), dry_run=dry_run, progress=progress)
    click.echo(f"{'sẽ xóa' if dry_run else 'đã xóa'} {done.removed} tệp không còn dùng ({_size(done.freed_bytes)}), "
               f"{done.leftovers} tệp ghi dở; giữ {done.in_use} tệp đang dùng, {done.young} tệp mới hơn {days} ngày",
               err=True)
    click.echo(json.dumps({**done.as_dict(), "dry_run": dry_run, "older_than_days": days}))
