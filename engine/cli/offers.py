"""`tthc offer`: which agencies offer a procedure (D29), and the check of `tthc validate` that the agency a file
names exists in the configured database."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from engine.cases import offers, preflight
from engine.cases.preflight import upgrade_database
from engine.cli.argforms import Several, not_a_procedure_code
from engine.core.clock import SystemClock
from engine.core.errors import Invalid, Problem
from engine.core.settings import SettingsError
from engine.data.agency_model import AGENCY_LEVELS
from engine.process import procedures

_settings = preflight.command_settings
_sessions = preflight.command_sessions


def agency_problems(settings, definitions) -> list[Problem]:
    """The files naming an agency the configured database lacks. A database not created yet (a designer's own
    folder) or unreachable cannot say: the check is left to the deploy, which always makes it."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).is_file():
        return []
    try:
        with _sessions(settings)() as session:
            return [p for d in definitions for p in procedures.agency_problems(session, d)]
    except (DBAPIError, SettingsError):
        return []


@click.command("offer", help="Các cơ quan cung cấp thủ tục CODE (thay danh sách hiện có; không có --agency: "
                             "chỉ in danh sách).")
@click.argument("code")
@click.option("--agency", "agencies", multiple=True, help="Mã định danh cơ quan cung cấp (nhiều lần được).",
              cls=Several, takes=not_a_procedure_code)  # --agency A B, or --agency A --agency B
@click.option("--all-communes", is_flag=True, help="Mọi xã, phường đang hoạt động.")
@click.option("--all-level", type=click.Choice(AGENCY_LEVELS), default=None, help="Mọi cơ quan của một cấp.")
def offer(code: str, agencies: tuple[str, ...], all_communes: bool, all_level: str | None) -> None:
    if not code.strip():  # it said "Không tìm thấy thủ tục " (naming nothing), after migrating the database
        raise click.BadParameter("mã thủ tục trống (ví dụ 1.001612)", param_hint="CODE")
    if all_communes and all_level:  # --all-level won silently and replaced the offers (commune or not)
        raise click.UsageError("chỉ dùng một trong --all-communes và --all-level LEVEL")
    settings = _settings()
    upgrade_database(settings)
    with _sessions(settings).begin() as session:
        if agencies or all_communes or all_level:
            payload: dict = {"agencies": list(agencies)}
            if all_communes or all_level:
                payload["all_level"] = all_level or "commune"
            try:
                changed = offers.replace(session, SystemClock().now(), None, code, payload)
            except Invalid as exc:  # the operator sees which agency, one line each
                for field, why in (exc.fields or {"": exc.message}).items():
                    click.echo(f"lỗi: {exc.message}" + (f": {field}: {why}" if field else ""), err=True)
                sys.exit(1)
            for kind, codes in changed.items():
                click.echo(f"{kind}\t{' '.join(codes)}", err=True)
        shown = offers.describe(session, offers.procedure_of(session, code))
    for item in shown["agencies"]:
        extra = f"\txử lý: {item['processing_agency']}" if item["processing_agency"] else ""
        settings_text = {k: item[k] for k in ("fees", "office_hours") if item[k]}
        click.echo(f"{item['agency']}\t{item['name']}{extra}"
                   f"{chr(9) + json.dumps(settings_text, ensure_ascii=False) if settings_text else ''}")
