"""The catalogue: deploy BPMN procedures as versions, after ``lint`` found no problem in them.

The checks themselves (conventions, scripts, constructs the engine cannot run, SpiffWorkflow's parser) live
in ``lint``; this module reads the files and their forms, and stores versions.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from engine.core.errors import Conflict, DefinitionError, NotFound, Problem
from engine.data.agency_model import ProcedureOffer
from engine.data.model import Agency, Procedure, ProcedureVersion
from engine.process import fields as fields_mod
from engine.process import lint_handover, lint_properties, resultdecl, runtime
from engine.process.bpmnparser import NS, ParseFailed, parse_spec, parse_xml, xml_text
from engine.process.lint import LANE_ROLES, STEP_ACTIONS, lint, props

__all__ = ["FILED_DIRECTLY", "LANE_ROLES", "STEP_ACTIONS", "Definition", "callers", "deploy", "filing_version",
           "handover_only", "latest_version", "lint", "load_definition",
           "load_file", "read_forms", "referenced_forms"]

# D33: the versions a person may file (the public catalogue lists them): every one but the callee parts of a
# liên thông (``filedBy`` = ``handover``, engine.process.lint); versions deployed before the property say nothing
_FILED_BY = ProcedureVersion.info["filed_by"].as_string()
FILED_DIRECTLY = or_(_FILED_BY.is_(None), _FILED_BY != "handover")


@dataclass
class Definition:
    """A BPMN file that passed every check, ready to deploy."""

    file_name: str
    process_id: str
    bpmn_xml: str
    spec_json: str
    forms: dict[str, dict]
    info: dict
    content_hash: str
    agency_line: int | None = None  # where the file names its agency (a problem line points there)

    @property
    def code(self) -> str:
        return self.info["code"]


def load_definition(bpmn: bytes, file_name: str, forms: dict[str, dict], forms_dir: Path | None = None,
                    folder: Path | None = None, uploaded: dict[str, bytes] | None = None) -> Definition:
    """Lint and parse one BPMN file; raise DefinitionError with every problem (a missing form: its forms_dir path).
    ``folder`` (the procedure's folder) or ``uploaded`` files hold its result template (engine.process.resultdecl)."""
    problems, info, tree = lint(bpmn, file_name, forms, forms_dir)
    if tree is not None:
        problems = problems + lint_properties.problems(tree, file_name)  # a misspelt name, ignored in silence
    if not problems:
        info["fields"], problems = _declared_fields(tree, file_name, info, forms)
    if not problems:
        proc = tree.find(f"bpmn:process[@id='{info['process_id']}']", NS)
        info["result"], problems = resultdecl.read(props(proc), folder, file_name, proc.sourceline, uploaded)
    if problems:
        raise DefinitionError(problems)
    try:
        spec, subprocess_specs = parse_spec(tree, file_name, info["process_id"])
    except ParseFailed as exc:
        raise DefinitionError(exc.problems) from exc
    used = {info["filing_form"]} | {s["form"] for s in info["steps"]}
    used_forms = {k: forms[k] for k in sorted(used)}
    digest = hashlib.sha256(bpmn + json.dumps(used_forms, sort_keys=True).encode()
                            + (info["result"]["template"] or "").encode()).hexdigest()
    named = tree.find(f"bpmn:process[@id='{info['process_id']}']//spiff:property[@name='agency']", NS)
    return Definition(file_name=file_name, process_id=info["process_id"], bpmn_xml=xml_text(bpmn, tree),
                      spec_json=runtime.serialize_spec(spec, subprocess_specs), forms=used_forms, info=info,
                      content_hash=digest, agency_line=named.sourceline if named is not None else None)


def _declared_fields(tree, file_name: str, info: dict, forms: dict[str, dict]) -> tuple[dict, list[Problem]]:
    """The names the process declares for its data (engine/process/fields.py), stored in the version's info."""
    proc = tree.find(f"bpmn:process[@id='{info['process_id']}']", NS)
    return fields_mod.read(props(proc) if proc is not None else {}, forms.get(info.get("filing_form") or ""),
                           file_name, proc.sourceline if proc is not None else None, info["process_id"])


def referenced_forms(bpmn: bytes) -> set[str]:
    """Form keys a BPMN file names (to load them from the forms folder)."""
    try:
        tree = parse_xml(bpmn)
    except etree.XMLSyntaxError:
        return set()
    keys = set(tree.xpath("//spiff:property[@name='formJsonSchemaFilename' or @name='filingForm']/@value",
                          namespaces=NS))
    return {k for k in keys if k}


def read_forms(forms_dir: Path, keys: set[str], uploaded: dict[str, bytes] | None = None,
               folder: Path | None = None, source: tuple[str, bytes] | None = None
               ) -> tuple[dict[str, dict], list[Problem]]:
    """Forms by key: uploaded files first, then the procedure's own ``forms/`` (``folder``: the folder of its
    BPMN file), then the shared forms folder. Unreadable files are problems; a key that names a folder is one of
    the BPMN file that names it (``source``: its name and bytes), with the line."""
    found, problems = {}, []
    for key in sorted(keys):
        if "/" in key or "\\" in key or key.startswith("."):
            problems.append(_bad_form_name(key, source))
            continue
        raw = (uploaded or {}).get(key)
        if raw is None and folder is not None and (folder / "forms" / key).is_file():
            raw = (folder / "forms" / key).read_bytes()
        if raw is None and (forms_dir / key).is_file():
            raw = (forms_dir / key).read_bytes()
        if raw is None:
            continue  # reported by the linter as an unknown form
        try:
            found[key] = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(Problem(key, getattr(exc, "lineno", None), "", f"JSON không hợp lệ: {exc}"))
        except RecursionError:  # nested deeper than the decoder goes: no form is
            problems.append(Problem(key, None, "", "JSON không hợp lệ: lồng nhau quá sâu"))
    return found, problems


def _bad_form_name(key: str, source: tuple[str, bytes] | None) -> Problem:
    message = f"tên biểu mẫu không hợp lệ: {key!r} (chỉ tên tệp trong thư mục biểu mẫu, không có thư mục)"
    if source is None:
        return Problem(key, None, "", message)
    named = parse_xml(source[1]).xpath("//spiff:property[@value=$k]", k=key, namespaces=NS)
    owner = named[0].getparent().getparent().getparent() if named else None
    return Problem(source[0], named[0].sourceline if named else None,
                   (owner.get("id") if owner is not None else None) or "-", message)


def load_file(path: Path, forms_dir: Path, uploaded: dict[str, bytes] | None = None) -> Definition:
    bpmn = path.read_bytes()
    forms, problems = read_forms(forms_dir, referenced_forms(bpmn), uploaded, folder=path.parent,
                                 source=(str(path), bpmn))
    if problems:
        raise DefinitionError(problems)
    return load_definition(bpmn, str(path), forms, forms_dir, folder=path.parent, uploaded=uploaded)


def procedure_folder(processes_dir: Path, file_name: str) -> Path | None:
    """The folder of ``processes_dir`` that holds a BPMN file of that name (an upload of a procedure the server
    ships: its result template is found there, as its forms are in the forms folder)."""
    name = Path(file_name).name
    if not name or not processes_dir.is_dir():
        return None
    found = sorted(d for d in processes_dir.iterdir() if d.is_dir() and (d / name).is_file())
    return found[0] if found else (processes_dir if (processes_dir / name).is_file() else None)


def agency_problems(session: Session, definition: Definition) -> list[Problem]:
    """The agency a file names must exist (D29): a procedure published for an unknown agency would take
    dossiers no officer ever sees. Agencies are created first (``tthc agency add``, the administration)."""
    code = definition.info["agency"]
    problems = []
    if session.scalar(select(Agency.id).where(Agency.code == code)) is None:
        problems.append(Problem(definition.file_name, definition.agency_line, definition.process_id,
                                f"cơ quan {code!r} (thuộc tính agency) chưa có trong hệ thống; tạo cơ quan trước "
                                "khi triển khai thủ tục"))
    for step in definition.info.get("steps", ()):  # liên thông (D33): the callee and its agency exist
        handover = step.get("handover")
        if handover is None:
            continue
        if session.scalar(select(Procedure.id).where(Procedure.code == handover["procedure"])) is None:
            problems.append(Problem(definition.file_name, handover["line"], step["id"],
                                    f"thủ tục liên thông {handover['procedure']!r} (handoverProcedure) chưa được "
                                    "triển khai; triển khai thủ tục của cơ quan nhận trước"))
        if session.scalar(select(Agency.id).where(Agency.code == handover["agency"])) is None:
            problems.append(Problem(definition.file_name, handover["line"], step["id"],
                                    f"cơ quan liên thông {handover['agency']!r} (handoverAgency) chưa có trong hệ "
                                    "thống"))
    problems += lint_handover.deploy_problems(session, definition)  # D26, D33: no fee a sub-dossier waits for
    return problems


def calls_others(definition: Definition) -> bool:
    """Whether the file hands dossiers to another procedure (deployed after the procedures it calls)."""
    return any("handover" in step for step in definition.info.get("steps", ()))


SEED = "demo"  # the actor of the demo's own deploys (`tthc demo load`, `tthc serve --demo`)


def deploy(session: Session, definition: Definition, now: datetime, actor: str | None = None
           ) -> tuple[ProcedureVersion, bool]:
    """Store ``definition`` as the next version of its procedure; an unchanged file changes nothing. The demo's
    reload (``actor`` SEED) leaves a procedure whose current version someone else deployed as it is: it put the
    repository's file back over an administrator's version at every `tthc serve --demo`.

    The agency the file names must exist (``agency_problems``). The first deploy publishes the procedure for
    that agency; a later one (a new version, or the file naming another agency) never takes the procedure
    from the agencies that offer it: the publishing agency stays and the named agency's offer is added (D29)."""
    info = definition.info
    problems = agency_problems(session, definition)
    if problems:
        raise DefinitionError(problems)
    agency = session.scalar(select(Agency).where(Agency.code == info["agency"]))
    proc = session.scalar(select(Procedure).where(Procedure.code == definition.code)
                          .with_for_update(of=Procedure))
    if proc is None:
        proc = Procedure(code=definition.code, name=info["name"], agency_id=agency.id)
        session.add(proc)
        session.flush()
    elif proc.latest_version_id is not None:
        latest = session.get(ProcedureVersion, proc.latest_version_id)
        if latest.content_hash == definition.content_hash:
            return latest, False
        if actor == SEED and latest.deployed_by != SEED:  # an administrator's version since the demo's: theirs
            return latest, False
    number = (session.scalar(select(ProcedureVersion.version).where(ProcedureVersion.procedure_id == proc.id)
                             .order_by(ProcedureVersion.version.desc()).limit(1)) or 0) + 1
    version = ProcedureVersion(
        procedure_id=proc.id, version=number, process_id=definition.process_id, file_name=definition.file_name,
        content_hash=definition.content_hash, bpmn_xml=definition.bpmn_xml, spec_json=definition.spec_json,
        forms=definition.forms, info=info, deployed_at=now, deployed_by=actor)
    session.add(version)
    session.flush()
    proc.name, proc.latest_version_id = info["name"], version.id
    if session.scalar(select(ProcedureOffer.id).where(ProcedureOffer.procedure_id == proc.id,
                                                      ProcedureOffer.agency_id == agency.id)) is None:
        # the agency the file names offers it (D29); an offer an administrator ended stays ended
        session.add(ProcedureOffer(procedure_id=proc.id, agency_id=agency.id, settings={}, created_at=now,
                                   created_by=actor))
    return version, True


_BY_CODE = select(Procedure).where(Procedure.code == bindparam("code"))  # built once: every filing reads it


def latest_version(session: Session, code: str) -> ProcedureVersion:
    proc = session.scalar(_BY_CODE, {"code": code})
    if proc is None or proc.latest_version_id is None:
        raise NotFound(f"Không tìm thấy thủ tục {code}", code="procedure_not_found")
    return session.get(ProcedureVersion, proc.latest_version_id)


def filing_version(session: Session, code: str) -> ProcedureVersion:
    """The version a new dossier is filed on: the procedure's current one (its newest version not retired,
    engine.cases.versions keeps ``latest_version_id`` on it). When that one is suspended the procedure is not
    accepting for now: an older version is never used instead, since the newer one replaced it (often for a
    change of the law) and suspending it means "stop filing", not "go back"."""
    version = latest_version(session, code)
    if version.state != "active":
        raise Conflict("Thủ tục này đang tạm ngừng tiếp nhận hồ sơ; vui lòng quay lại sau.",
                       code="procedure_suspended")
    return version


def handover_only(version: ProcedureVersion) -> bool:
    """D33: whether the procedure is another agency's part of a liên thông (``filedBy`` = ``handover``): its
    dossiers are opened by the hand-over of the procedure that calls it (engine.cases.lienthong), never filed
    directly by the applicant or at the desk."""
    return (version.info or {}).get("filed_by") == "handover"


def callers(session: Session, code: str) -> list[Procedure]:
    """The procedures whose current version hands dossiers to procedure ``code`` (a ``handover`` step naming it):
    where the applicant files instead (D33), by code."""
    rows = session.execute(select(Procedure, ProcedureVersion.info)
                           .join(ProcedureVersion, Procedure.latest_version_id == ProcedureVersion.id)
                           .order_by(Procedure.code))
    return [proc for proc, info in rows if any((step.get("handover") or {}).get("procedure") == code
                                               for step in (info or {}).get("steps", ()))]
