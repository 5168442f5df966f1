"""What the receipt (Mẫu 01, D8, D40) says was handed in: the lines under "1. Thành phần hồ sơ nộp gồm".

Mẫu 01 of TT 01/2018 and TT 03/2025 lists the papers the one-stop received, not the procedure's checklist: the
receipt is sealed and certifies them. So a component the applicant did not hand in is left out (the form has no
"không nộp" entry; what is missing is the supplement request's business, Mẫu 02):
- online: the components with a file, with the file names ("bản điện tử: a.pdf"); one never uploaded is not listed;
- at the desk or by post: the officer receives the paper set and records it complete by receiving it, so every
  component is paper ("bản giấy"), or the scans the desk attached ("bản điện tử: ...").
Nothing handed in at all (an online dossier received without a file) is said in words, so item 1 is never blank.

A document keeps the name its component had when it was uploaded (engine.cases.attachments). A dossier moved to a
newer version (engine.cases.migration) may find that component reworded (same key) or gone, so each file is matched
to its component by key, through the versions of the procedure up to the dossier's, and listed under the name the
dossier's version gives it; one whose component that version no longer has is listed under its stored name, after
the others: a sealed receipt never drops a file that was handed in.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.data.model import Document, Dossier, ProcedureVersion

NOTHING = "Không có thành phần hồ sơ nào được nộp kèm"
_FILED = select(Document).where(Document.dossier_id == bindparam("dossier_id"), Document.kind == "filing")  # built once
_EARLIER = (select(ProcedureVersion.info).where(ProcedureVersion.procedure_id == bindparam("procedure_id"),
                                               ProcedureVersion.version <= bindparam("version"))
            .order_by(ProcedureVersion.version.desc()))


def _keys(session: Session, dossier: Dossier) -> dict[str, str]:
    """The key of each component name (or key) a document may have stored: the dossier's version first, then the
    earlier versions of its procedure, newest first (the name a file was uploaded under, before a move)."""
    version = dossier.procedure_version
    found: dict[str, str] = {}
    for info in session.scalars(_EARLIER, {"procedure_id": version.procedure_id, "version": version.version}):
        for c in info.get("components", []):
            found.setdefault(c["name"], c["key"])
            found.setdefault(c["key"], c["key"])
    return found


def components(session: Session, dossier: Dossier) -> list[str]:
    """The receipt's lines, one a component handed in, in the procedure's order."""
    docs = list(session.scalars(_FILED, {"dossier_id": dossier.id}))
    keys = _keys(session, dossier) if docs else {}
    files: dict[str, list[str]] = {}  # by the component's key
    stored: dict[str, str] = {}  # the name stored with the first file of each key: for a component now gone
    for doc in docs:
        key = keys.get(doc.component or "", doc.component or "")
        files.setdefault(key, []).append(doc.name)
        stored.setdefault(key, doc.component or "")
    paper = dossier.channel != "online"
    declared = dossier.procedure_version.info.get("components", [])
    lines = [f"{c['name']} (bản điện tử: {', '.join(files.pop(c['key']))})" if c["key"] in files
             else f"{c['name']} (bản giấy)"
             for c in declared if c["key"] in files or paper]
    lines += [f"{stored[key]} (bản điện tử: {', '.join(names)})" for key, names in files.items() if stored[key]]
    return lines or [NOTHING]
