"""The legal skeleton of a procedure file: where the BPMN carries each action, and whether that is where the law
moves the dossier (docs/bpmn-conventions.md, "The legal skeleton").

Why: a file can be well-formed BPMN and still leave dossiers stuck. A supplement request that a default flow
carries to the approval leaves the dossier at status 5 with no citizen task; a file with only an intake step
leaves every received dossier at status 4 for ever; a start that reaches no intake step leaves it at status 1
with no task at all. Each action of a step kind moves the dossier to a known status (domain.md "Statuses"),
and each step kind is only ever entered at one status, so following the flows after every task for every action
proves that the statuses a path sets follow the legal transitions and that every end comes after the return of
the result or an intake refusal (withdrawal and stop end a dossier outside the BPMN).

Conditions are read, not run: a condition that only compares ``action`` with constants is decided for each
action; one that reads anything else may go either way, and every way it may go must be legal.
"""
from __future__ import annotations

import ast
from collections import deque

from engine.core.errors import Problem
from engine.law.statuses import PROCESSING, REFUSED, RESOLVED, RETURNED, SUBMITTED, SUPPLEMENT, Status
from engine.process.bpmnparser import BPMN, NS, bpmn_name

END, WAIT, UNKNOWN = "end", "wait", "unknown"
PROCESSING_STEPS = frozenset({"assessment", "approval", "handover"})  # where a received or supplemented dossier is worked on

# The status a step kind is entered at: its actions are legal from there only (engine/cases/tasks.py).
ENTRY: dict[str, int] = {"intake": SUBMITTED, "supplement": SUPPLEMENT, "assessment": PROCESSING,
                         "extension_review": PROCESSING, "approval": PROCESSING, "signing": PROCESSING,
                         "return": RESOLVED, "handover": PROCESSING}
# (step kind, action) -> (the status the action leaves the dossier at, where the BPMN must carry it next).
# The citizen's supplement goes back to the stage that asked for it (D12): see _supplement_leads.
LEADS: dict[tuple[str, str], tuple[int, frozenset[str]]] = {
    ("intake", "receive"): (PROCESSING, PROCESSING_STEPS),
    ("intake", "request_supplement"): (SUPPLEMENT, frozenset({"supplement"})),
    ("intake", "refuse"): (REFUSED, frozenset({END})),
    ("assessment", "propose_approval"): (PROCESSING, frozenset({"approval"})),
    ("assessment", "propose_refusal"): (PROCESSING, frozenset({"approval"})),
    ("assessment", "request_supplement"): (SUPPLEMENT, frozenset({"supplement"})),
    ("assessment", "request_extension"): (PROCESSING, frozenset({"extension_review"})),
    ("extension_review", "confirm_extension"): (PROCESSING, PROCESSING_STEPS | {"extension_review"}),
    ("extension_review", "reject_extension"): (PROCESSING, PROCESSING_STEPS),
    ("approval", "approve"): (PROCESSING, frozenset({"signing"})),
    ("approval", "refuse"): (PROCESSING, frozenset({"signing"})),
    ("approval", "send_back"): (PROCESSING, frozenset({"assessment"})),
    ("signing", "issue_result"): (RESOLVED, frozenset({"return"})),
    ("return", "return_result"): (RETURNED, frozenset({END})),
    ("handover", "hand_back"): (PROCESSING, PROCESSING_STEPS),  # liên thông: the other agency answered (D33)
}
STEP_WORDS = {"intake": "tiếp nhận", "supplement": "bổ sung của công dân", "assessment": "thẩm định",
              "extension_review": "xem xét gia hạn", "approval": "phê duyệt", "signing": "ký ban hành",
              "return": "trả kết quả", "handover": "chuyển liên thông", END: "kết thúc quy trình",
              WAIT: "một công việc không ai hoàn thành được"}
# Actions tried first when the happy path is drawn (the shortest path to the return of the result wins).
_FORWARD = ("receive", "hand_back", "propose_approval", "approve", "issue_result", "return_result")


def _status(code: int) -> str:
    return f"{code} – {Status(code).label}"


def _where(kinds) -> str:
    return ", ".join(STEP_WORDS[k] if k in (END, WAIT) else f"{k} ({STEP_WORDS.get(k, k)})" for k in sorted(kinds))


class _Unknown:
    """A value a condition reads from data other than ``action``."""


_UNKNOWN = _Unknown()
_COMPARE = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.In: lambda a, b: a in b,
            ast.NotIn: lambda a, b: a not in b, ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b}


def _value(node, action):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return action if node.id == "action" and action is not None else _UNKNOWN
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = [_value(e, action) for e in node.elts]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else tuple(items)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _value(node.operand, action)
        return _UNKNOWN if inner is _UNKNOWN else not inner
    if isinstance(node, ast.BoolOp):
        values = [_value(v, action) for v in node.values]
        decisive = isinstance(node.op, ast.Or)  # or: any true decides; and: any false decides
        if any(v is not _UNKNOWN and bool(v) == decisive for v in values):
            return decisive
        return _UNKNOWN if any(v is _UNKNOWN for v in values) else not decisive
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        left = _value(node.left, action)
        for op, right_node in zip(node.ops, node.comparators):
            right = _value(right_node, action)
            if left is _UNKNOWN or right is _UNKNOWN:
                return _UNKNOWN
            try:
                if not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:
                return _UNKNOWN
            left = right
        return True
    return _UNKNOWN


def decide(condition: str, action: str | None) -> bool | None:
    """Whether ``condition`` holds when the last action was ``action``; None when it depends on other data."""
    try:
        tree = ast.parse(condition.strip(), mode="eval")
    except SyntaxError:
        return None
    value = _value(tree.body, action)
    return None if value is _UNKNOWN else bool(value)


def props(el) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in
            el.findall("bpmn:extensionElements/spiff:properties/spiff:property", NS)}


class Routing:
    """The flows of one executable process, read for where each action goes."""

    def __init__(self, proc, lanes: dict[str, str | None]):
        self.proc, self.lanes = proc, lanes
        self.nodes = {el.get("id"): el for el in proc.iter() if bpmn_name(el) and el.get("id")}
        self.flows: dict[str, list] = {}
        for flow in proc.iter(f"{{{BPMN}}}sequenceFlow"):
            self.flows.setdefault(flow.get("sourceRef"), []).append(flow)
        self.boundaries: dict[str, list] = {}
        for el in proc.iter(f"{{{BPMN}}}boundaryEvent"):
            self.boundaries.setdefault(el.get("attachedToRef"), []).append(el)

    def step(self, el) -> str | None:
        return props(el).get("step") if bpmn_name(el) == "userTask" else None

    def leaving(self, node_id: str, action: str | None) -> set[tuple[str, str]]:
        """What the flows out of a node reach for ``action``: {(step kind | end | wait | unknown, element id)}."""
        return self._out(self.nodes[node_id], action, set())

    def _out(self, el, action, seen: set) -> set[tuple[str, str]]:
        flows = self.flows.get(el.get("id"), [])
        if not flows:
            return self._finish(el, action, seen)
        default = el.get("default")
        decided = []
        for flow in flows:
            cond = flow.find("bpmn:conditionExpression", NS)
            decided.append((flow, None if cond is None else decide(cond.text or "", action), cond is not None))
        taken, sure = [], False
        exclusive = bpmn_name(el) == "exclusiveGateway"
        for flow, holds, conditional in decided:
            if flow.get("id") == default or (conditional and holds is False):
                continue
            if exclusive and sure:
                break
            taken.append(flow)
            sure = sure or (conditional and holds is True)
        if not sure and default:
            taken += [f for f, _, _ in decided if f.get("id") == default]
        found: set[tuple[str, str]] = set()
        for flow in taken:
            found |= self._reach(flow.get("targetRef"), action, seen)
        return found

    def _finish(self, el, action, seen: set) -> set[tuple[str, str]]:
        """A token with no flow out: the end of a (sub)process."""
        parent = el.getparent()
        if bpmn_name(parent) == "subProcess":
            if parent.get("triggeredByEvent") == "true":
                return {(UNKNOWN, el.get("id"))}  # an event subprocess's end: the main flow decides
            return self._out(parent, action, seen)  # the embedded subprocess is done: on after it
        return {(END, el.get("id"))}

    def _reach(self, node_id: str, action, seen: set) -> set[tuple[str, str]]:
        el = self.nodes.get(node_id)
        if el is None or node_id in seen:
            return set()  # a flow to nowhere is lint's; a loop without a task adds nothing
        seen = seen | {node_id}
        local = bpmn_name(el)
        if local == "userTask":
            return {(self.step(el) or WAIT, node_id)}
        if local in ("manualTask", "task"):
            return {(WAIT, node_id)}
        if local in ("callActivity", "eventBasedGateway", "complexGateway"):
            return {(UNKNOWN, node_id)}  # where it goes is decided elsewhere: nothing is claimed
        if local == "subProcess":
            starts = [c for c in el if bpmn_name(c) == "startEvent"]
            found: set[tuple[str, str]] = set()
            for start in starts:
                found |= self._reach(start.get("id"), action, seen)
            return found or {(UNKNOWN, node_id)}
        if local == "endEvent":
            return self._finish(el, action, seen)
        return self._out(el, action, seen)


def _expected(routing: Routing, el, step: str, action: str, stages: set[str]) -> list[tuple[int, frozenset[str]]]:
    if step == "supplement":
        return [(SUBMITTED, frozenset({"intake"})) if stage == "intake" else (PROCESSING, PROCESSING_STEPS)
                for stage in sorted(stages)]
    after, kinds = LEADS[(step, action)]
    if (step, action) == ("extension_review", "confirm_extension") and routing.lanes.get(el.get("id")) == \
            "department_leader":
        kinds = frozenset({"extension_review"})  # the department's agreement waits for the centre's (D17)
    return [(after, kinds)]


def check(file_name: str, proc, lanes: dict[str, str | None], offered: dict[str, tuple[str, ...]]
          ) -> tuple[list[Problem], list[str]]:
    """The legal skeleton's problems, and the happy path: the actions from filing to the return of the result.

    ``offered`` holds, by user task id, the actions the task offers (its step kind's, or its ``actions``)."""
    routing = Routing(proc, lanes)
    problems: list[Problem] = []

    def add(el, message: str) -> None:
        problems.append(Problem(file_name, el.sourceline, el.get("id", ""), message))

    starts = [el for el in proc if bpmn_name(el) == "startEvent"]
    tasks = {i: el for i, el in routing.nodes.items() if bpmn_name(el) == "userTask" and i in offered}
    for el in routing.nodes.values():
        if bpmn_name(el) in ("manualTask", "task"):
            add(el, "công việc không có loại bước (task/manualTask): không ai hoàn thành được, hồ sơ sẽ bị kẹt; "
                    "dùng userTask với thuộc tính step")
    # Where each (task, action) goes, and which stages each citizen supplement step serves (D12).
    moves = {(i, a): routing.leaving(i, a) for i, el in tasks.items() for a in offered[i]}
    stages: dict[str, set[str]] = {}
    for (i, a), reached in moves.items():
        if a == "request_supplement":
            for kind, target in reached:
                if kind == "supplement":
                    stages.setdefault(target, set()).add("intake" if routing.step(tasks[i]) == "intake"
                                                         else "processing")
    for start in starts:
        reached = routing.leaving(start.get("id"), None)
        wrong = sorted(k for k, _ in reached if k not in ("intake", UNKNOWN))
        if not reached or wrong:
            add(start, f"hồ sơ vừa nộp (trạng thái {_status(SUBMITTED)}) phải tới bước intake (tiếp nhận), "
                       f"nhưng luồng đi tới: {_where(wrong) if wrong else 'không đâu cả'}")
    for (i, a), reached in moves.items():
        el, step = tasks[i], routing.step(tasks[i])
        if step == "supplement" and i not in stages:
            continue  # no request reaches it: the request's own check reports where requests go
        if not reached:
            add(el, f"thao tác '{a}' không có luồng nào đưa ra khỏi công việc: hồ sơ sẽ bị kẹt")
            continue
        for after, kinds in _expected(routing, el, step, a, stages.get(i, set())):
            for kind, target in sorted(reached):
                bad_role = (step, a, kind) == ("extension_review", "confirm_extension", "extension_review") \
                    and lanes.get(i) == lanes.get(target) == "department_leader"
                if kind != UNKNOWN and (kind not in kinds or bad_role):
                    add(el, f"thao tác '{a}' đưa hồ sơ sang trạng thái {_status(after)} nhưng luồng đi tới "
                            f"{_where([kind])} ({target}); cần: {_where(kinds)}"
                            f"{' của cấp khác lãnh đạo phòng' if bad_role else ''}: hồ sơ sẽ bị kẹt")
    for i, el in tasks.items():
        step = routing.step(el)
        for event in routing.boundaries.get(i, []):
            if event.get("cancelActivity") == "false":
                continue
            for kind, target in sorted(routing.leaving(event.get("id"), None)):
                if kind not in (UNKNOWN,) and (kind == END or ENTRY.get(kind) != ENTRY[step]):
                    add(event, f"sự kiện biên ngắt bước '{step}' khi hồ sơ ở trạng thái {_status(ENTRY[step])} "
                               f"nhưng luồng đi tới {_where([kind])} ({target}): hồ sơ sẽ bị kẹt")
    path = happy_path(routing, starts, tasks, moves)
    if path is None and starts and not problems:
        add(proc, "không có đường nào từ nộp hồ sơ qua tiếp nhận, giải quyết tới trả kết quả (return_result)")
    return problems, path or []


def happy_path(routing: Routing, starts, tasks: dict, moves: dict) -> list[str] | None:
    """The shortest list of actions from filing to an end reached by ``return_result`` (None if there is none)."""
    todo: deque[tuple[str, list[str]]] = deque()
    for start in starts:
        for kind, target in routing.leaving(start.get("id"), None):
            if target in tasks:
                todo.append((target, []))
    seen = {t for t, _ in todo}
    while todo:
        task_id, path = todo.popleft()
        actions = sorted({a for (i, a) in moves if i == task_id},
                         key=lambda a: (_FORWARD.index(a) if a in _FORWARD else len(_FORWARD), a))
        for action in actions:
            for kind, target in sorted(moves[(task_id, action)]):
                if kind == END and action == "return_result":
                    return [*path, action]
                if target in tasks and target not in seen:
                    seen.add(target)
                    todo.append((target, [*path, action]))
    return None
