"""The names of the properties a BPMN file gives (``spiffworkflow:property``), checked against those the engine
reads (docs/bpmn-conventions.md). A name it does not read is ignored, and what it meant to set keeps its
default in silence: ``clockOnSuplement`` for ``clockOnSupplement`` restarted the clock of every supplement the
designer meant to pause. A name close to one the engine reads is taken for a typo and refused, with the name it
is close to; other names (a designer's own notes) are left alone.
"""
from __future__ import annotations

import difflib

from engine.core.errors import Problem
from engine.process import fields
from engine.process.bpmnparser import NS

# read by engine.process.lint, procedures, skeleton, resultdecl, lint_handover; engine.process.fields adds its own
READ = frozenset({
    "procedureCode", "agency", "agencyName", "agencyParent", "agencyPlace", "filingForm", "filedBy",
    "duration", "durationUnit", "clockOnSupplement", "step", "actions", "formJsonSchemaFilename",
    "handoverAgency", "handoverProcedure", "share", "shareUnit",
    "result.title", "result.symbol", "result.registrationPrefix", "result.recipients", "result.template",
}) | frozenset(fields.PROPERTIES)
CLOSE = 0.8  # difflib's ratio: clockOnSuplement 0.97, formJsonSchemaFileName 0.95; agencyCode to agencyName 0.7


def problems(tree, file_name: str) -> list[Problem]:
    """A problem for each property whose name is a near miss of one the engine reads."""
    found = []
    for prop in tree.iterfind(".//spiff:property", NS):
        name = prop.get("name") or ""
        if name in READ:
            continue
        near = difflib.get_close_matches(name, READ, n=1, cutoff=CLOSE)
        if near:
            owner = prop.getparent().getparent().getparent() if prop.getparent() is not None else None
            element = (owner.get("id") if owner is not None else None) or "-"
            found.append(Problem(file_name, prop.sourceline, element,
                                 f"thuộc tính {name!r} không có trong các thuộc tính hệ thống đọc; có phải "
                                 f"{near[0]!r}? (viết sai thì giá trị bị bỏ qua và mặc định được dùng)"))
    return found
