"""`tthc notifications`: send one batch of the outbox (for cron, beside or instead of the worker), list the dead
letters, and run the local SMS provider simulator."""
from __future__ import annotations

import json

import click

from engine.cases import channels, dispatch, preflight
from engine.cases.notices import UNLISTED
from engine.cases.preflight import upgrade_database
from engine.core.clock import SystemClock
from engine.core.errors import Conflict
from engine.core.settings import with_secrets

_settings = preflight.command_settings
_sessions = preflight.command_sessions


@click.group(help="Thông báo: gửi thư điện tử, SMS; thư không gửi được.")
def notifications() -> None:
    pass


@notifications.command("dispatch", help="Gửi một đợt thông báo đang chờ (thư điện tử, SMS); in kết quả (JSON).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=None, help="Số thông báo tối đa (mặc định notify_batch).")
def dispatch_batch(limit: int | None) -> None:
    settings = with_secrets(_settings())
    upgrade_database(settings)
    done = dispatch.dispatch(_sessions(settings), settings, SystemClock().now(), limit, clock=SystemClock())
    click.echo(json.dumps({**done.as_dict(), "channels": channels.configured(settings)}))


@notifications.command("dead", help="Liệt kê thông báo không gửi được (đã thử hết số lần cho phép).")
@click.option("--retry", "retry_id", type=int, default=None, help="Đưa thông báo có số này vào hàng đợi gửi lại.")
def dead(retry_id: int | None) -> None:
    settings = with_secrets(_settings())
    upgrade_database(settings)
    sessions = _sessions(settings)
    if retry_id is not None:
        try:
            with sessions.begin() as session:
                if not dispatch.retry(session, retry_id, SystemClock().now()):
                    raise click.ClickException(f"không có thư không gửi được số {retry_id}")
        except Conflict as exc:  # the person has no address on its channel any more
            raise click.ClickException(str(exc)) from None
        return click.echo(f"{retry_id}\tpending")
    with sessions() as session:
        rows = dispatch.dead_letters(session, limit=1000)
    for delivery, notice in rows:
        title = "Mã xác thực một lần (nội dung được ẩn)" if notice.event in UNLISTED else notice.title  # never a code
        click.echo(f"{delivery.id}\t{delivery.channel}\t{delivery.address}\t{delivery.attempts}\t{title}\t"
                   f"{(delivery.last_error or '').splitlines()[0] if delivery.last_error else ''}")
    click.echo(f"{len(rows)} thông báo không gửi được", err=True)


@notifications.command("sms-simulator", help="Nhà cung cấp SMS mô phỏng trên 127.0.0.1 (trang xem tin nhắn tại /).")
@click.option("--port", type=click.IntRange(1, 65535), default=5025)
@click.option("--token", default="", help="Token mà yêu cầu phải mang (sms_token).")
def sms_simulator(port: int, token: str) -> None:  # pragma: no cover - blocking
    from engine.cases.smsprovider import SmsSimulator

    simulator = SmsSimulator(token=token, port=port)
    click.echo(f"mô phỏng nhà mạng SMS: sms_url = {simulator.url}; tin nhắn đã gửi tại "
               f"http://127.0.0.1:{simulator.port}/")
    simulator.serve()
