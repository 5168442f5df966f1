"""`tthc validate` and `tthc deploy`: BPMN files checked (and simulated), then deployed as new versions."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from engine.cases import administration, preflight, versions
from engine.cli.offers import agency_problems
from engine.core.clock import SystemClock
from engine.core.errors import DefinitionError
from engine.core.settings import Settings, SettingsError
from engine.process import procedures, similarity

_settings = preflight.command_settings
_sessions = preflight.command_sessions


def _paths(paths: tuple[str, ...]) -> list[Path]:
    """The files named and the BPMN files under the folders named; an empty name or a folder without any BPMN
    file is refused (they checked nothing and said ok: "" was the current folder)."""
    result = []
    for raw in paths:
        path = Path(raw)
        if not raw.strip():
            raise click.BadParameter("tên tệp hoặc thư mục trống", param_hint="PATHS")
        found = sorted(path.rglob("*.bpmn")) if path.is_dir() else [path]
        if not found:
            raise click.BadParameter(f"thư mục {raw} không có tệp BPMN (*.bpmn) nào", param_hint="PATHS")
        result.extend(found)
    return result


def _definitions(settings: Settings, paths: tuple[str, ...]):
    """Load every file; print every problem; exit 1 if any."""
    definitions, failed = [], False
    for path in _paths(paths):
        if not path.exists():
            click.echo(f"{path}:0: -: tệp không tồn tại", err=True)
            failed = True
            continue
        if not path.is_file():
            click.echo(f"{path}:0: -: không phải tệp BPMN thông thường", err=True)
            failed = True
            continue
        try:
            definitions.append(procedures.load_file(path, settings.forms_dir))
            for problem in versions.trial_problems(definitions[-1], settings, SystemClock().now()):
                failed = True
                click.echo(str(replace(problem, file=str(path.parent / problem.file))), err=True)
            missing = definitions[-1].info["result"].get("template_missing")
            if missing:
                click.echo(f"cảnh báo: {path}: không có tệp mẫu kết quả {missing} bên cạnh; kết quả sẽ dùng mẫu "
                           "chung của hệ thống", err=True)
        except DefinitionError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
    if failed:
        sys.exit(1)
    echo_warnings(settings, definitions)  # a copied file's process id, code, components, fees: engine.process.similarity
    return definitions


@click.command(help="Kiểm tra tệp BPMN (và biểu mẫu) mà không triển khai.")
@click.argument("paths", nargs=-1, required=True)
@click.option("--simulate", "simulated", is_flag=True,
              help="Chạy thêm một hồ sơ theo đường đi mẫu (tiếp nhận → trả kết quả) qua tthc simulate.")
def validate(paths, simulated: bool) -> None:
    settings = _settings()
    definitions, failed = _definitions(settings, paths), False
    unknown = agency_problems(settings, definitions)  # the agency each file names must exist (D29)
    for definition in definitions:
        problems = [p for p in unknown if p.file == definition.file_name]
        if simulated and not problems:
            from engine import simulate as sim

            problems = sim.check_happy_path(definition, settings)
        for problem in problems:
            click.echo(str(problem), err=True)
        failed = failed or bool(problems)
        if not problems:
            click.echo(f"{definition.file_name}: ok ({definition.code}, {len(definition.info['steps'])} bước"
                       f"{', mô phỏng: ' + ' → '.join(definition.info['happy_path']) if simulated else ''})")
    if failed:
        sys.exit(1)


def deploy_paths(settings: Settings, paths, actor: str | None = None) -> list[tuple[str, int, bool]]:
    definitions = sorted(_definitions(settings, paths), key=procedures.calls_others)  # callees first (D33)
    sessions = _sessions(settings)
    results = []
    with sessions.begin() as session:
        for definition in definitions:
            now = SystemClock().now()
            version, changed = procedures.deploy(session, definition, now, actor)
            if changed and actor != "demo":  # audited as the API's deploy (engine.cases.versions.deploy_upload), D29,
                # with no actor: the operator's command line; the demo's seed is no administrative action
                administration.audit(session, now, None, "version_deploy", "procedure",
                                     f"{definition.code} v{version.version}", version.procedure.agency,
                                     version=version.version, file=definition.file_name[:200])
            results.append((definition.code, version.version, changed))
    return results


@click.command(help="Triển khai tệp BPMN thành phiên bản mới của thủ tục.")
@click.argument("paths", nargs=-1, required=True)
def deploy(paths) -> None:
    for code, version, changed in deploy_paths(_settings(), paths, "cli"):
        click.echo(f"{code}\tversion {version}\t{'changed' if changed else 'unchanged'}")


def echo_warnings(settings, definitions) -> None:
    """Print the warnings of ``definitions`` (exit status unchanged): `cảnh báo: file:line: ...`, against each
    other, the library (processes_dir) and the configured database's catalogue when there is one."""
    url = make_url(settings.resolved_database_url)
    found = None
    if not (url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
            and not Path(url.database).is_file()):
        try:
            with preflight.command_sessions(settings)() as session:
                found = similarity.warnings_for(definitions, settings.processes_dir, session)
        except (DBAPIError, SettingsError):  # no catalogue to ask (a database not created yet or unreachable)
            found = None
    for warning in found if found is not None else similarity.warnings_for(definitions, settings.processes_dir):
        click.echo(f"cảnh báo: {warning}", err=True)
