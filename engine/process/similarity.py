"""Warnings (never errors) of a procedure file that looks copied from another (issue 16): `tthc validate`,
`tthc deploy`, `POST /api/v1/procedures` and the upload page all ask here.

A copied file keeps the first file's process id, procedure code, components and fees silently; deploying it
then makes a new version of the *other* procedure. So a file is compared with the other files of the same run,
the BPMN files of the procedure library (settings.processes_dir) and the database's catalogue, and each of
these is named in a warning:

- its process id or procedure code is already another file's;
- its procedure code is in the catalogue under another process id or file name (the deploy would replace that
  procedure's version), or its process id is the catalogue's under another code;
- its required components, or its fees, are identical to another procedure's (the classic copy-paste).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import Problem
from engine.data.model import Procedure, ProcedureVersion
from engine.process import fees as fee_rules
from engine.process.bpmnparser import NS, parse_xml
from engine.process.lint import props

MAX_FILES = 2000  # the library files compared (a province's library is a few hundred)


@dataclass(frozen=True)
class Known:
    """One procedure the file is compared with: a file, or the catalogue's current version of a procedure."""

    file: str
    process_id: str
    code: str
    components: frozenset
    fees: frozenset
    in_catalogue: bool = False
    lines: tuple = (None, None, None, None)  # process id, code, first component, first fee
    path: str = ""  # where the file is, to know it from another (``file`` is what a warning shows)


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _fee_set(fees: list[dict]) -> frozenset:
    return frozenset((str(f.get("amount")) if f.get("amount") is not None else "=" + _norm(f.get("expression", "")),
                      f.get("when"), _norm(f.get("name", ""))) for f in fees)


def _from_tree(tree, file_name: str) -> Known | None:
    procs = [p for p in tree.findall("bpmn:process", NS) if p.get("isExecutable") == "true"]
    if len(procs) != 1:
        return None
    proc = procs[0]
    values = props(proc)
    fees, _ = fee_rules.read(values, None)

    def line(name_test) -> int | None:
        found = [p for p in proc.findall("bpmn:extensionElements/spiff:properties/spiff:property", NS)
                 if name_test(p.get("name") or "")]
        return found[0].sourceline if found else None

    return Known(file=file_name, process_id=proc.get("id") or "", code=values.get("procedureCode", ""),
                 components=frozenset(_norm(v) for k, v in values.items() if k.startswith("component.")),
                 fees=_fee_set(fees),
                 lines=(proc.sourceline, line(lambda n: n == "procedureCode"),
                        line(lambda n: n.startswith("component.")), line(lambda n: n.startswith("fee."))))


def known_file(path: Path, shown: str | None = None) -> Known | None:
    try:
        found = _from_tree(parse_xml(path.read_bytes()), shown or str(path))
    except (OSError, etree.XMLSyntaxError, ValueError):
        return None
    return replace(found, path=str(path)) if found else None


def known_files(processes_dir: Path) -> list[Known]:
    """The procedure library's files (unreadable ones are `tthc validate`'s business, not a warning's)."""
    if not processes_dir.is_dir():
        return []
    found = [known_file(p, f"{processes_dir.name}/{p.relative_to(processes_dir).as_posix()}")
             for p in sorted(processes_dir.rglob("*.bpmn"))[:MAX_FILES]]
    return [k for k in found if k is not None]


def known_definition(definition) -> Known:
    found = _from_tree(parse_xml(definition.bpmn_xml.encode("utf-8")), definition.file_name)
    return Known(file=definition.file_name, process_id=definition.process_id, code=definition.code,
                 components=frozenset(_norm(c["name"]) for c in definition.info.get("components", [])),
                 fees=_fee_set(definition.info.get("fees", [])), lines=found.lines if found else (None,) * 4)


def known_catalogue(session: Session) -> list[Known]:
    """The current version of every procedure of the database's catalogue."""
    rows = session.execute(select(Procedure.code, ProcedureVersion.process_id, ProcedureVersion.file_name,
                                  ProcedureVersion.info)
                           .join(ProcedureVersion, ProcedureVersion.id == Procedure.latest_version_id))
    # shown by the file's own name: a version deployed from the server's folders keeps its whole path, which a
    # warning on the upload page showed to whoever uploaded a file (the server's layout is not theirs to see)
    return [Known(file=PurePath(file_name or "").name, process_id=pid, code=code, in_catalogue=True,
                  components=frozenset(_norm(c.get("name", "")) for c in (info or {}).get("components", [])),
                  fees=_fee_set((info or {}).get("fees", [])))
            for code, pid, file_name, info in rows]


def _same_file(a: str, b: str) -> bool:
    pa, pb = Path(a), Path(b)
    if len(pa.parts) > 1 and len(pb.parts) > 1:
        return pa.resolve() == pb.resolve()
    return pa.name == pb.name  # an upload is known by its name only


def _label(other: Known) -> str:
    return f"{other.code} ({'danh mục, tệp ' if other.in_catalogue else ''}{other.file})"


def warnings(mine: Known, others: list[Known]) -> list[Problem]:
    """The warnings of one file against the others (itself left out)."""
    out: list[Problem] = []
    id_line, code_line, component_line, fee_line = mine.lines
    files = [o for o in others if not o.in_catalogue and not _same_file(o.path or o.file, mine.file)]
    catalogue = [o for o in others if o.in_catalogue]
    same_id = sorted({o.file for o in files if o.process_id == mine.process_id})
    if same_id:
        out.append(Problem(mine.file, id_line, mine.process_id,
                           f"mã quy trình (process id) {mine.process_id!r} đã dùng ở tệp {', '.join(same_id)}; "
                           "tệp sao chép cần mã riêng"))
    same_code = sorted({o.file for o in files if o.code == mine.code})
    if same_code:
        out.append(Problem(mine.file, code_line, mine.process_id,
                           f"mã thủ tục (procedureCode) {mine.code} đã dùng ở tệp {', '.join(same_code)}; "
                           "triển khai cả hai sẽ ghi đè phiên bản của nhau"))
    for o in catalogue:
        if o.code == mine.code and (o.process_id != mine.process_id or Path(o.file).name != Path(mine.file).name):
            out.append(Problem(mine.file, code_line, mine.process_id,
                               f"mã thủ tục {mine.code} đã có trong danh mục với quy trình {o.process_id!r}, tệp "
                               f"{o.file}; triển khai tệp này sẽ tạo phiên bản mới của thủ tục đó"))
        elif o.process_id == mine.process_id and o.code != mine.code:
            out.append(Problem(mine.file, id_line, mine.process_id,
                               f"mã quy trình {mine.process_id!r} đã có trong danh mục ở thủ tục {o.code}"))
    # identical components or fees: another procedure (a file, or the catalogue under another code)
    peers = files + [o for o in catalogue if o.code != mine.code]
    for what, attr, line in (("thành phần hồ sơ", "components", component_line), ("phí, lệ phí", "fees", fee_line)):
        value = getattr(mine, attr)
        alike = sorted({_label(o) for o in peers if value and getattr(o, attr) == value})
        if alike:
            out.append(Problem(mine.file, line, mine.process_id,
                               f"{what} giống hệt thủ tục {', '.join(alike)}: có phải sao chép mà chưa sửa?"))
    return out


def warnings_for(definitions: list, processes_dir: Path, session: Session | None = None) -> list[Problem]:
    """Every warning of the files of one run (``definitions``), against each other, the library and, with a
    ``session``, the catalogue."""
    mine = [known_definition(d) for d in definitions]
    others = known_files(processes_dir) + (known_catalogue(session) if session is not None else [])
    out: list[Problem] = []
    for i, known in enumerate(mine):
        out += warnings(known, [k for j, k in enumerate(mine) if j != i] + others)
    return out
