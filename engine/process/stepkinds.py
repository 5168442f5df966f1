"""The step kinds a BPMN user task may name (its property ``step``), and the actions its routing lets out.

What each action of a step kind means legally is declared in engine/cases/steps; this module only knows the
names a procedure file may use (so that the catalogue can check a file without the use cases) and reads, from
the BPMN, where the flows after a task carry each action (which step kind comes next). Offering an action that
no flow carries, or that a flow carries where it cannot be handled (a supplement request that does not reach
the citizen's supplement step), would leave the dossier stuck: the offer is the declared actions the routing
carries where their declaration says they lead.
"""
from __future__ import annotations

import re

from engine.process.bpmnparser import BPMN, NS, SPIFF

ANY, END = "*", "end"

# Drawn in the BPMN as user tasks; "supplement" is the citizen's step; "handover" waits for another agency (D33).
DRAWN = ("intake", "supplement", "assessment", "extension_review", "approval", "signing", "return", "handover")
# Opened by the engine itself, never drawn: the head of agency's apology when a dossier becomes overdue (D19).
OPENED_BY_ENGINE = ("apology",)
ALL = DRAWN + OPENED_BY_ENGINE
# The lanes (roles) whose work items may act on each drawn step kind: the roles of its declared actions
# (engine.cases.steps.catalogue checks that the two agree). A task drawn in another lane would give its dossier
# a work item nobody may act on: the check refuses it (engine.process.lint).
_OFFICERS = frozenset({"receiving_officer", "specialist", "department_leader", "head_of_agency", "centre_director",
                       "clerk"})
LANE_ROLES: dict[str, frozenset[str]] = {
    "intake": frozenset({"receiving_officer"}), "supplement": frozenset({"citizen"}),
    "assessment": frozenset({"specialist"}),
    "extension_review": frozenset({"department_leader", "head_of_agency", "centre_director"}),
    "approval": frozenset({"department_leader", "head_of_agency", "centre_director"}),
    "signing": frozenset({"clerk"}), "return": frozenset({"receiving_officer"}), "handover": _OFFICERS}

_ONE = re.compile(r"""^\s*action\s*==\s*(['"])(\w+)\1\s*$""")
_MANY = re.compile(r"""^\s*action\s+in\s*[(\[{]\s*((?:(['"])\w+\2\s*,?\s*)+)[)\]}]\s*$""")
_NAME = re.compile(r"""(['"])(\w+)\1""")
_PASSING = ("exclusiveGateway", "inclusiveGateway")


def _actions_of(condition: str) -> set[str] | None:
    """The actions a condition lets through when it only tests ``action``; None when it tests anything else."""
    one = _ONE.match(condition)
    if one:
        return {one.group(2)}
    many = _MANY.match(condition)
    if many:
        return {m.group(2) for m in _NAME.finditer(many.group(1))}
    return None


def _local(el) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Graph:
    def __init__(self, process):
        self.nodes = {el.get("id"): el for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
        self.flows: dict[str, list] = {}
        for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
            self.flows.setdefault(flow.get("sourceRef"), []).append(flow)

    def out(self, node_id: str) -> list:
        return self.flows.get(node_id, [])

    @staticmethod
    def condition(flow) -> str | None:
        cond = flow.find("bpmn:conditionExpression", NS)
        return None if cond is None else (cond.text or "")

    def destination(self, flow) -> str | None:
        """The step kind of the first user task the flow leads to, "end" for an end event, None when the path
        forks or waits on something else (then nothing is known and nothing is refused)."""
        for _ in range(100):
            node = self.nodes.get(flow.get("targetRef"))
            kind = _local(node) if node is not None else ""
            if kind == "userTask":
                props = {p.get("name"): p.get("value") for p in node.iter(f"{{{SPIFF}}}property")}
                return props.get("step")
            if kind == "endEvent":
                return END
            outs = self.out(node.get("id")) if node is not None else []
            if len(outs) != 1 or self.condition(outs[0]) is not None:
                return None
            flow = outs[0]
        return None


def _put(routes: dict, key: str, destination: str | None) -> None:
    """Two ways out for the same action: nothing is known of where it goes."""
    routes[key] = destination if routes.get(key, destination) == destination else None


def _branch(graph: _Graph, flow, routes: dict) -> None:
    condition = graph.condition(flow)
    if condition is not None:
        names = _actions_of(condition)
        if names is None:  # a condition on other data: any action may go any way
            routes[ANY] = None
            return
        for name in names:
            _put(routes, name, graph.destination(flow))
        return
    target = graph.nodes.get(flow.get("targetRef"))
    if (target is not None and _local(target) in _PASSING
            and any(graph.condition(f) is not None for f in graph.out(target.get("id")))):
        for out in graph.out(target.get("id")):
            _branch(graph, out, routes)
        return
    _put(routes, ANY, graph.destination(flow))


def routed_actions(process, task, declared: str | None = None) -> dict[str, str | None]:
    """Where the flows after ``task`` carry each action: {action: step kind reached | "end" | None (unknown)};
    the key "*" is where every other action goes (the default flow). An action that is neither named nor
    covered by "*" goes nowhere: offering it would leave the dossier stuck.

    ``declared`` is the task's own ``actions`` property ("a, b"): the subset it offers, whatever the flows."""
    if declared:
        return {a.strip(): None for a in declared.split(",") if a.strip()}
    graph = _Graph(process)
    routes: dict[str, str | None] = {}
    for flow in graph.out(task.get("id")):
        _branch(graph, flow, routes)
    return routes
