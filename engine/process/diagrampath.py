"""The path a dossier took, as its diagram draws it (issue 16, part 4): the flow nodes it passed (stored with its
workflow state, engine.cases.paths; the workflow's own answer is engine.process.runtime.Process.completed_nodes)
and the sequence flows between two taken nodes (a passed node, or a current step, at both ends). The viewer tints
the first and colours the second; the list of steps beside the diagram says the same in words.

A version's flows (id, source, target) are read from its BPMN once per process and kept: a deployed version never
changes, and the dossier page then reads neither the BPMN nor the workflow (issue 15)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from lxml import etree

from engine.process.bpmnparser import NS, parse_xml

Flow = tuple[str, str | None, str | None]
MAX_VERSIONS = 512  # a province deploys a few hundred versions; past that the oldest are read again
_flows: dict[Hashable, tuple[Flow, ...]] = {}
_lock = threading.Lock()


def sequence_flows(bpmn_xml: str) -> tuple[Flow, ...]:
    """Every sequence flow of a BPMN document with an id, as (id, sourceRef, targetRef); none if it cannot be read."""
    try:
        tree = parse_xml(bpmn_xml.encode("utf-8"))
    except (etree.XMLSyntaxError, ValueError):
        return ()
    return tuple((flow.get("id"), flow.get("sourceRef"), flow.get("targetRef"))
                 for flow in tree.iterfind(".//bpmn:sequenceFlow", NS) if flow.get("id"))


def flows_of(version_key: Hashable, bpmn_xml: Callable[[], str]) -> tuple[Flow, ...]:
    """A version's flows, cached under ``version_key`` ((row id, content hash), as the runtime's spec cache);
    ``bpmn_xml`` is called only on a miss (the stored BPMN is a deferred column)."""
    found = _flows.get(version_key)
    if found is None:
        found = sequence_flows(bpmn_xml())
        with _lock:
            if len(_flows) >= MAX_VERSIONS:
                _flows.pop(next(iter(_flows)), None)
            _flows[version_key] = found
    return found


def taken(flows: tuple[Flow, ...], done: list[str], current: list[str]) -> list[str]:
    """The ids of the sequence flows whose source was passed and whose target was passed or is current."""
    passed, reached = set(done), set(done) | set(current)
    return [flow_id for flow_id, source, target in flows if source in passed and target in reached]


def taken_flows(bpmn_xml: str, done: list[str], current: list[str]) -> list[str]:
    """The same from the BPMN text itself (no cache)."""
    return taken(sequence_flows(bpmn_xml), done, current)
