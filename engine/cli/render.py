"""`tthc render TEMPLATE [--data JSON] -o OUT.pdf`: preview a result layout without a dossier.

TEMPLATE is a procedure folder (its BPMN file declares ``result.template``), a BPMN file, or a template file
(``.html``; with the BPMN of its folder when there is one, for the title, issuer and form schema). The data
are ``--data`` (a JSON file: the filing form's data, or ``{"form": {...}, "number": ..., "registration": ...,
"owner_name": ..., "signer_role": ..., "signer_name": ..., "outcome": ..., "opinion": ...}``), else the
folder's ``sample.json``, else a sample made from the form schema. A broken template or procedure is one line
per problem (``file:line: message``) and exit status 2, like a usage error: nothing is written.
"""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from engine.cases import preflight
from engine.cli.argforms import JSON_OR_FILE
from engine.core import templating
from engine.core.clock import VN_TZ, SystemClock
from engine.core.errors import DefinitionError, EngineError
from engine.core.vocabulary import unreadable
from engine.paperwork import resultdata, resultlayouts

OVERRIDES = ("number", "registration", "owner_name", "owner_cccd", "signer_role", "signer_name", "outcome",
             "opinion", "dossier_code")


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(2)


def _procedure(target: Path, settings):
    """(definition or None, template (name, text) or None, folder) for TEMPLATE."""
    from engine.process import procedures

    template = None
    if target.is_file() and target.suffix.lower() in (".html", ".htm", ".j2", ".jinja"):
        try:
            template = (target.name, target.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            _fail([f"{target}: không phải văn bản UTF-8"])
        try:
            templating.check(resultlayouts.environment(), template[1], str(target))
        except templating.TemplateProblem as exc:
            _fail([str(exc)])
        bpmns = sorted(target.parent.glob("*.bpmn"))
    elif target.is_dir():
        bpmns = sorted(target.glob("*.bpmn"))
        if not bpmns:
            _fail([f"{target}: thư mục không có tệp BPMN của thủ tục"])
    elif target.is_file():
        bpmns = [target]
    else:
        _fail([f"{target}: không tìm thấy tệp hoặc thư mục"])
    if not bpmns:
        return None, template, target.parent
    try:
        definition = procedures.load_file(bpmns[0], _forms_dir(bpmns[0], settings.forms_dir))
    except DefinitionError as exc:
        _fail([f"{p.file}:{p.line or '?'}: {p.element + ': ' if p.element else ''}{p.message}" for p in exc.problems])
    missing = definition.info["result"].get("template_missing")
    if missing and template is None:
        _fail([f"{bpmns[0].parent / missing}: không tìm thấy tệp mẫu kết quả (result.template)"])
    return definition, template, bpmns[0].parent


def _forms_dir(bpmn: Path, configured: Path) -> Path:
    """The configured forms folder, else the first of the procedure's folder's ``forms/``, its parent's and its
    grandparent's (a repository's ``processes/NAME/`` beside ``forms/``) that holds every form the file names."""
    from engine.process import procedures

    keys = procedures.referenced_forms(bpmn.read_bytes())
    for folder in (configured, bpmn.parent / "forms", bpmn.parent.parent / "forms", bpmn.parent.parent.parent / "forms"):
        if all((folder / key).is_file() for key in keys):
            return folder
    return configured


def _data(path: Path | dict | None, folder: Path) -> dict:
    if isinstance(path, dict):  # --data '{"form": {...}}'
        return path if "form" in path else {"form": path}
    source = path or (folder / "sample.json" if (folder / "sample.json").is_file() else None)
    if source is None:
        return {}
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _fail([f"{source}: JSON không hợp lệ: {unreadable(exc)}"])
    if not isinstance(raw, dict):
        _fail([f"{source}: cần một đối tượng JSON"])
    return raw if "form" in raw else {"form": raw}


@click.command("render", help="Xem trước mẫu kết quả (thư mục thủ tục, tệp BPMN hoặc tệp mẫu HTML) thành PDF.")
@click.argument("template", type=click.Path())  # a str: "" is refused, not taken for Path("") == "."
@click.option("--data", "data_path", type=JSON_OR_FILE,  # the JSON itself, or its file
              help="Dữ liệu mẫu (JSON); mặc định sample.json của thư mục, hoặc dữ liệu sinh từ biểu mẫu.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="Tệp PDF ra.")
def render(template: str, data_path: Path | None, output: str) -> None:
    if not template.strip():  # "" was the current folder: ".: thư mục không có tệp BPMN của thủ tục"
        raise click.BadParameter("tên tệp hoặc thư mục trống", param_hint="TEMPLATE")
    if not output.strip():  # "" was the current folder: refused after the PDF was made
        raise click.BadParameter("tên tệp trống", param_hint="-o")
    output = Path(output)
    settings = preflight.command_settings()
    definition, own_template, folder = _procedure(Path(template), settings)
    info = definition.info if definition else {}
    schema = (definition.forms.get(info.get("filing_form") or "", {}) if definition else {})
    data = _data(data_path, folder)
    form = data.get("form") if isinstance(data.get("form"), dict) else resultdata.sample_form(schema)
    now = SystemClock().now().astimezone(VN_TZ)
    facts = resultdata.sample_facts(info, schema, now, form=form, place=settings.place_name,
                                    public_url=settings.public_url)
    facts.owner_name = str(data.get("owner_name") or facts.owner_name)
    for key in OVERRIDES:
        if key in data and data[key] is not None:
            setattr(facts, key, str(data[key]))
    try:
        content = resultlayouts.render(facts, settings.font_dir, template=own_template)
    except templating.TemplateProblem as exc:  # the procedure's own layout named with its folder, as validate does
        own = own_template is None and (folder / exc.name).is_file()
        _fail([str(replace(exc, name=str(folder / exc.name))) if own else str(exc)])
    except EngineError as exc:
        _fail([str(exc)])
    output.write_bytes(content)
    click.echo(f"{output}: {len(content)} byte")
