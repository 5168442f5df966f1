"""`tthc payments`: which gateway an agency takes payments through, and the daily reconciliation of a
gateway's transaction list with the payments recorded (D26)."""
from __future__ import annotations

import csv
import sys
from datetime import date

import click
from sqlalchemy import select

from engine.cases import administration, payments, preflight, reconciliation
from engine.cases.preflight import upgrade_database
from engine.core.calendar import year_problem
from engine.core.clock import SystemClock
from engine.data.model import Agency

_settings = preflight.command_settings
_sessions = preflight.command_sessions


@click.group(help="Thu phí, lệ phí: cổng thanh toán của cơ quan và đối soát giao dịch.")
def payments_group() -> None:
    pass


@payments_group.command("gateway", help="Cơ quan thu phí qua hệ thống; trực tuyến qua cổng GATEWAY (none: tại quầy).")
@click.argument("agency")
@click.option("--gateway", type=click.Choice(["vnpay", "dvcqg", "none"]), required=True)
@click.option("--merchant", default="", help="Mã đơn vị chấp nhận thanh toán (vnp_TmnCode, MaDoiTac).")
@click.option("--url", "pay_url", default="", help="Địa chỉ trang thanh toán của cổng.")
def gateway(agency: str, gateway: str, merchant: str, pay_url: str) -> None:
    if gateway == "none" and (merchant or pay_url):  # they were stored beside "none" and used by nothing
        raise click.UsageError("--gateway none (thu tại quầy) không dùng --merchant, --url")
    settings = _settings()
    upgrade_database(settings)
    with _sessions(settings).begin() as session:
        found = session.scalar(select(Agency).where(Agency.code == agency))
        if found is None:
            raise click.BadParameter(f"không có cơ quan {agency}")
        now = SystemClock().now()
        payments.configure(session, found.id, None if gateway == "none" else gateway, now, merchant, pay_url)
        # D29: an administrative action, audited with no actor (the operator's command line); the only path that
        # configures a gateway (no page or API does); the merchant code is no secret (the gateway's key is not here)
        administration.audit(session, now, None, "payment_gateway", "agency", agency, found, gateway=gateway,
                             merchant=merchant)
    click.echo(f"{agency}\t{gateway}")


@payments_group.command("reconcile", help="Đối soát tệp giao dịch của cổng (CSV) với các khoản đã ghi nhận trong "
                                          "ngày; in từng chỗ lệch, mã thoát 1 nếu có.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--gateway", type=click.Choice(sorted(reconciliation.SHAPES)), default="vnpay")
@click.option("--date", "day", required=True, help="Ngày giao dịch (YYYY-MM-DD, giờ Việt Nam).")
def reconcile(file: str, gateway: str, day: str) -> None:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter(f"không phải ngày YYYY-MM-DD: {day}", param_hint="--date")
    if year_problem(parsed.year):  # year 1 or 9999 ended in "giá trị nằm ngoài phạm vi", naming no option
        raise click.BadParameter(year_problem(parsed.year), param_hint="--date")
    try:
        with open(file, encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise click.BadParameter("tệp không phải văn bản UTF-8", param_hint="FILE")
    try:
        rows = reconciliation.read_rows(text, gateway)
    except csv.Error as exc:  # a field over the csv module's limit was "lỗi không mong đợi (Error: ...)"
        raise click.BadParameter(f"tệp {file} không đọc được như CSV: {exc}", param_hint="FILE") from None
    rows = [row for row in rows if not _blank(row)]
    settings = _settings()
    upgrade_database(settings)
    with _sessions(settings)() as session:
        problems = reconciliation.reconcile(session, gateway, rows, parsed)
    for line in problems:
        click.echo(line)
    click.echo(f"{len(rows)} giao dịch của cổng, {len(problems)} chỗ lệch")
    if problems:
        sys.exit(1)


def _blank(row: dict) -> bool:
    """A row of empty cells (",,," as a spreadsheet exports the rows after the last one): no transaction, like an
    empty line, which the csv reader skips itself. It was reported as ": ... (missing)", an empty reference."""
    cells = [v for k, v in row.items() if k is not None] + list(row.get(None) or ())
    return not any((cell or "").strip() for cell in cells)
