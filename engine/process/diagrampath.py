"""The path a dossier took, as its diagram draws it (issue 16, part 4): the flow nodes it passed (from its
workflow instance, engine.process.runtime.Process.completed_nodes) and the sequence flows between two taken
nodes (a passed node, or a current step, at both ends). The viewer tints the first and colours the second;
the list of steps beside the diagram says the same in words."""
from __future__ import annotations

from lxml import etree

from engine.process.bpmnparser import NS, parse_xml


def taken_flows(bpmn_xml: str, done: list[str], current: list[str]) -> list[str]:
    """The ids of the sequence flows whose source was passed and whose target was passed or is current."""
    try:
        tree = parse_xml(bpmn_xml.encode("utf-8"))
    except (etree.XMLSyntaxError, ValueError):
        return []
    passed, reached = set(done), set(done) | set(current)
    return [flow.get("id") for flow in tree.iterfind(".//bpmn:sequenceFlow", NS)
            if flow.get("id") and flow.get("sourceRef") in passed and flow.get("targetRef") in reached]
