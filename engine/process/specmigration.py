"""Moving a running workflow instance onto another version's spec, with SpiffWorkflow's own diff
(``SpiffWorkflow.bpmn.util.diff``), or saying why it cannot.

Why a check first: a stored state names its tasks' specs; restored against a spec that lacks one of them, it
fails at the next load — the dossier would be stuck. So the move is refused when a task that ran, runs or waits
has no counterpart in the new version, when a subprocess in use is gone, when an open task changed its kind or
its step, or when a waiting timer changed (re-arming it would move a deadline the citizen was given). The move
happens on a copy: the live instance is replaced only when the copy survived a save and a load against the new
spec and still waits on the same user tasks and timers.

Only the open READY tasks are reset (their predicted futures re-drawn from the new spec); WAITING tasks (timers)
keep their armed due time.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
STATE_WORDS = {TaskState.COMPLETED: "đã thực hiện", TaskState.READY: "đang chờ xử lý",
               TaskState.WAITING: "đang chờ", TaskState.STARTED: "đang chạy", TaskState.ERROR: "đang lỗi",
               TaskState.CANCELLED: "đã hủy"}


def _name(task) -> str:
    spec = task.task_spec
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _step(spec) -> str | None:
    return (getattr(spec, "extensions", None) or {}).get("properties", {}).get("step")


def _removed(diff, label: str) -> list[tuple[str, str]]:
    """Tasks that happened or are open whose spec the new version lacks (predicted ones are re-drawn)."""
    reasons = []
    for task in diff.removed:
        if task.state & TaskState.PREDICTED_MASK:
            continue
        word = STATE_WORDS.get(task.state, "đã có")
        reasons.append((task.task_spec.name, f"{label}bước '{_name(task)}' {word} nhưng không còn trong phiên "
                                             "bản mới"))
    return reasons


def _open_changes(diff, label: str) -> list[tuple[str, str]]:
    """Open tasks whose counterpart is of another kind, another step, or (a waiting timer) another event."""
    reasons = []
    for task, new in diff.alignment.items():
        if new is None or not task.state & OPEN:
            continue
        spec = task.task_spec
        if spec.name != new.name:  # matched by its place in the flow only: its work items name the old id
            reasons.append((spec.name, f"{label}bước '{_name(task)}' đang mở có mã khác trong phiên bản mới "
                                       f"({spec.name} → {new.name})"))
        elif type(spec).__name__ != type(new).__name__:
            reasons.append((spec.name, f"{label}bước '{_name(task)}' đang mở đổi loại ({type(spec).__name__} "
                                       f"→ {type(new).__name__})"))
        elif _step(spec) != _step(new):
            reasons.append((spec.name, f"{label}bước '{_name(task)}' đang mở đổi loại bước "
                                       f"({_step(spec)} → {_step(new)})"))
        elif task.state == TaskState.WAITING and task in diff.changed:
            reasons.append((spec.name, f"{label}hẹn giờ hoặc sự kiện '{_name(task)}' đang chờ đã thay đổi "
                                       "(không thể đặt lại mà không đổi hạn đã báo)"))
    return reasons


def _waiting_on(wf) -> tuple[list[str], list]:
    tasks = sorted(t.task_spec.name for t in wf.get_tasks(state=TaskState.READY, manual=True))
    events = sorted((e.event_type, str(e.value)) for e in wf.waiting_events())
    return tasks, events


def move(wf, new_spec, new_subs: dict, registry, dumps: Callable, restore: Callable) -> tuple[list, object]:
    """(reasons, moved workflow); the moved one is None when there are reasons. ``wf`` is never changed."""
    try:
        copy = restore(json.loads(dumps(wf)), wf.spec, wf.subprocess_specs)
        top, subs = diff_workflow(registry, copy, new_spec, new_subs)
    except Exception as exc:  # a construct the library's diff cannot follow: refuse, never guess
        return [("", f"không so sánh được hai phiên bản ({type(exc).__name__})")], None
    reasons = _removed(top, "") + _open_changes(top, "")
    for sp_id, diff in subs.items():
        sub = copy.subprocesses[sp_id]
        label = f"quy trình con '{sub.spec.name}': "
        if diff is None:
            reasons.append((sub.spec.name, f"quy trình con '{sub.spec.name}' đang chạy không còn trong phiên bản mới"))
        else:
            reasons += _removed(diff, label) + _open_changes(diff, label)
    if reasons:
        return reasons, None
    before = _waiting_on(copy)
    try:
        migrate_workflow(top, copy, new_spec, reset_mask=TaskState.READY)
        for sp_id, diff in subs.items():
            migrate_workflow(diff, copy.subprocesses[sp_id], new_subs[copy.subprocesses[sp_id].spec.name],
                             reset_mask=TaskState.READY)
        copy.subprocess_specs = new_subs
        moved = restore(json.loads(dumps(copy)), new_spec, new_subs)  # what the next load will see
    except Exception as exc:
        return [("", f"trạng thái của hồ sơ không chuyển được sang phiên bản mới ({type(exc).__name__}: "
                     f"{str(exc)[:200]})")], None
    after = _waiting_on(moved)
    if after != before:
        return [("", "sau khi chuyển, hồ sơ không còn chờ đúng các công việc và hẹn giờ như trước "
                     f"({', '.join(before[0]) or '-'} → {', '.join(after[0]) or '-'})")], None
    return [], moved
