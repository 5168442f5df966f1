"""What the receipt (Mẫu 01, D8, D40) says was handed in: the lines under "1. Thành phần hồ sơ nộp gồm".

Mẫu 01 of TT 01/2018 and TT 03/2025 lists the papers the one-stop received, not the procedure's checklist: the
receipt is sealed and certifies them. So a component the applicant did not hand in is left out (the form has no
"không nộp" entry; what is missing is the supplement request's business, Mẫu 02):
- online: the components with a file, with the file names ("bản điện tử: a.pdf"); one never uploaded is not listed;
- at the desk or by post: the officer receives the paper set and records it complete by receiving it, so every
  component is paper ("bản giấy"), or the scans the desk attached ("bản điện tử: ...").
Nothing handed in at all (an online dossier received without a file) is said in words, so item 1 is never blank.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.data.model import Document, Dossier

NOTHING = "Không có thành phần hồ sơ nào được nộp kèm"
_FILED = select(Document).where(Document.dossier_id == bindparam("dossier_id"), Document.kind == "filing")  # built once


def components(session: Session, dossier: Dossier) -> list[str]:
    """The receipt's lines, one a component handed in, in the procedure's order."""
    files: dict[str, list[str]] = {}
    for doc in session.scalars(_FILED, {"dossier_id": dossier.id}):
        files.setdefault(doc.component or "", []).append(doc.name)
    paper = dossier.channel != "online"
    lines = [f"{c['name']} (bản điện tử: {', '.join(files[c['name']])})" if c["name"] in files
             else f"{c['name']} (bản giấy)"
             for c in dossier.procedure_version.info.get("components", []) if c["name"] in files or paper]
    return lines or [NOTHING]
