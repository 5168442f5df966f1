"""`tthc stats`: the D32 statistics of a period (api.md "Command line"), on the read-only report connection.

The operator of the machine reads any agency or the whole province (no agency): the same scope rules as the
API (the period required, not reversed, at most ``report_max_days``; an existing agency and procedure).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from engine.cases import preflight
from engine.core.clock import SystemClock, iso_vn
from engine.core.errors import Invalid
from engine.core.vocabulary import COUNTER_WORDS
from engine.data.model import Agency
from engine.reports import exports, readonly, reportform
from engine.reports.scope import GROUP_BY, asked
from engine.reports.statistics import COUNTERS, statistics

VALUES_WIDTH = 64  # the group columns of one block: the table stays readable in a terminal, however many groups


def _table(report) -> str:
    """Every counter of D32 (the files' too), one row each with its Vietnamese words, and one column per group
    then the total: as one row per group the 28 counters were 400 characters wide, so only 13 were shown. Many
    groups are split into successive blocks of columns, the total in the last one."""
    columns = [(row["key"], row) for row in report.rows] + [("total", report.total)]
    cells = [[str(key), *("" if values[c] is None else str(values[c]) for c in COUNTERS)] for key, values in columns]
    blocks, width = [[]], 0
    for column in cells:
        size = max(map(len, column)) + 2
        if blocks[-1] and width + size > VALUES_WIDTH:
            blocks, width = [*blocks, []], 0
        blocks[-1].append(column)
        width += size
    return "\n\n".join(_block(block) for block in blocks)


def _block(columns: list[list[str]]) -> str:
    lines = [["counter", "", *(column[0] for column in columns)]]
    lines += [[name, COUNTER_WORDS[name], *(column[i] for column in columns)] for i, name in enumerate(COUNTERS, 1)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(line, widths))).rstrip() for line in lines)


@click.command("stats", help="Thống kê giải quyết hồ sơ của một khoảng thời gian (tiếp nhận, giải quyết, đang giải quyết, bổ sung, "
                              "gia hạn, xin lỗi, nộp phí, số hóa, đánh giá, liên thông).")
@click.option("--from", "start", required=True, help="Từ ngày (YYYY-MM-DD).")
@click.option("--to", "end", required=True, help="Đến ngày (YYYY-MM-DD).")
@click.option("--agency", default=None, help="Mã định danh cơ quan (mặc định: mọi cơ quan).")
@click.option("--subtree", is_flag=True, help="Cùng các đơn vị trực thuộc cơ quan --agency (mỗi đơn vị một dòng).")
@click.option("--procedure", default=None, help="Mã thủ tục.")
@click.option("--group-by", "group_by", type=click.Choice(GROUP_BY), default="agency", show_default=True)
@click.option("--format", "kind", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Ghi ra tệp (bắt buộc với xlsx).")
@click.option("--report-form", "form", type=click.Choice(["xlsx", "pdf"]), default=None,
              help="Biểu mẫu báo cáo tình hình, kết quả giải quyết TTHC thay cho bảng số liệu (cần -o TỆP).")
def stats(start, end, agency, subtree, procedure, group_by, kind, output, form) -> None:
    if output is not None and not output.strip():  # "" was the current folder: refused after the report ran
        raise click.BadParameter("tên tệp trống", param_hint="-o")
    output = Path(output) if output is not None else None
    if (kind == "xlsx" or form) and output is None:
        raise click.UsageError(f"{'--report-form' if form else '--format xlsx'} cần -o TỆP")
    if form and kind != "table":  # the form was written, the format asked for ignored
        raise click.UsageError(f"--report-form thay cho bảng số liệu: không dùng cùng --format {kind}")
    if subtree and agency is None:  # every agency is counted already
        raise click.UsageError("--subtree đi cùng --agency")
    if form and group_by == "month":  # the form was written per agency
        raise click.UsageError("--report-form nhóm theo agency hoặc procedure, không theo month")
    settings = preflight.command_settings()
    now = SystemClock().now()
    with readonly.report_session(settings) as session:
        try:
            scope, _agency = asked(session, settings.report_max_days, start, end, agency, procedure, group_by,
                                   subtree)
        except Invalid as exc:
            for field, why in (exc.fields or {}).items():
                click.echo(f"--{field.replace('_', '-')}: {why}", err=True)
            sys.exit(1)
        if form:
            reporter = session.get(Agency, _agency).name if _agency is not None else reportform.province(session)
            sheet = reportform.build(session, settings, scope, reporter, now)
            output.write_bytes(reportform.to_pdf(settings, sheet, now) if form == "pdf" else reportform.to_xlsx(sheet))
            click.echo(f"{output}: {len(sheet.lines)} dòng")
            return
        report = statistics(session, settings, scope, now)
    if kind == "xlsx":
        content = exports.xlsx_bytes(report)
    elif kind == "csv":
        content = exports.csv_bytes(report)
    elif kind == "json":
        content = json.dumps({"from": scope.start.isoformat(), "to": scope.end.isoformat(), "group_by": group_by,
                              "generated_at": iso_vn(now), "counters": list(COUNTERS), "rows": report.rows,
                              "total": report.total}, ensure_ascii=False, indent=1).encode() + b"\n"
    else:
        content = (_table(report) + "\n").encode()
    if output is not None:
        output.write_bytes(content)
        click.echo(f"{output}: {len(report.rows)} dòng")
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
