"""What changed from one procedure version to the next, computed from what each version stored at deployment
(its ``info`` and ``forms``), so that listing versions never parses BPMN again.

Why: an administrator about to suspend, retire or move dossiers between versions needs to see what a version
changed — steps added or removed, who does them, the time limits, the fields of the forms and the fees —
without reading two XML files side by side. Each change is a small dict ``{"kind", "target", "before",
"after"}``; its words are engine.core.vocabulary.VERSION_CHANGES (the pages translate them, the API gives the
kinds).
"""
from __future__ import annotations

from typing import Any

KINDS = ("name_changed", "duration_changed", "clock_changed", "step_added", "step_removed", "step_renamed",
         "role_changed", "actions_changed", "step_form_changed", "field_added", "field_removed", "fee_added",
         "fee_removed", "fee_changed", "component_added", "component_removed", "result_changed")
MAX_DEPTH = 12  # forms nest objects; deeper levels are not walked (lint keeps real forms far shallower)


def _change(kind: str, target: str, before: Any = None, after: Any = None) -> dict:
    return {"kind": kind, "target": target, "before": before, "after": after}


def fields_of(schema: Any) -> list[str]:
    """The dotted paths of a JSON Schema's properties (nested objects and arrays of objects walked)."""
    found: list[str] = []
    pending = [("", schema, 0)]
    while pending:
        prefix, node, depth = pending.pop()
        if not isinstance(node, dict) or depth > MAX_DEPTH:
            continue
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            pending.append((prefix, node["items"], depth + 1))
            continue
        props = node.get("properties")
        if not isinstance(props, dict):
            continue
        for name, sub in props.items():
            path = f"{prefix}.{name}" if prefix else str(name)
            found.append(path)
            pending.append((path, sub, depth + 1))
    return sorted(found)


def _steps(info: dict) -> dict[str, dict]:
    return {s["id"]: s for s in info.get("steps") or [] if isinstance(s, dict) and s.get("id")}


def _step_changes(old: dict, new: dict) -> list[dict]:
    before, after = _steps(old), _steps(new)
    changes = [_change("step_removed", sid, before[sid].get("name")) for sid in before if sid not in after]
    changes += [_change("step_added", sid, None, after[sid].get("name")) for sid in after if sid not in before]
    for sid in (s for s in after if s in before):
        a, b = before[sid], after[sid]
        for key, kind in (("name", "step_renamed"), ("role", "role_changed"), ("form", "step_form_changed"),
                          ("duration", "duration_changed")):
            if a.get(key) != b.get(key):
                changes.append(_change(kind, sid, a.get(key), b.get(key)))
        if list(a.get("actions") or []) != list(b.get("actions") or []):
            changes.append(_change("actions_changed", sid, list(a.get("actions") or []),
                                   list(b.get("actions") or [])))
    return changes


def _form_changes(old_forms: dict, new_forms: dict) -> list[dict]:
    """Fields added to or removed from each form both versions use (a form only one uses is a step change)."""
    changes = []
    for key in sorted(set(old_forms) & set(new_forms)):
        before, after = set(fields_of(old_forms[key])), set(fields_of(new_forms[key]))
        changes += [_change("field_removed", key, path) for path in sorted(before - after)]
        changes += [_change("field_added", key, None, path) for path in sorted(after - before)]
    return changes


def _keyed(items: Any) -> dict[str, dict]:
    return {i["key"]: i for i in items or [] if isinstance(i, dict) and i.get("key")}


def _fee_changes(old: dict, new: dict) -> list[dict]:
    before, after = _keyed(old.get("fees")), _keyed(new.get("fees"))
    changes = [_change("fee_removed", k, before[k].get("amount")) for k in before if k not in after]
    changes += [_change("fee_added", k, None, after[k].get("amount")) for k in after if k not in before]
    for key in (k for k in after if k in before):
        a, b = before[key], after[key]
        if a != b:
            changes.append(_change("fee_changed", key, a.get("amount"), b.get("amount")))
    return changes


def _component_changes(old: dict, new: dict) -> list[dict]:
    before, after = _keyed(old.get("components")), _keyed(new.get("components"))
    return ([_change("component_removed", k, before[k].get("name")) for k in before if k not in after]
            + [_change("component_added", k, None, after[k].get("name")) for k in after if k not in before])


def changes(old_info: dict | None, old_forms: dict | None, new_info: dict, new_forms: dict) -> list[dict]:
    """The changes from the previous version (None: the first version, which changes nothing) to this one."""
    if old_info is None:
        return []
    result = []
    if old_info.get("name") != new_info.get("name"):
        result.append(_change("name_changed", "", old_info.get("name"), new_info.get("name")))
    if old_info.get("duration") != new_info.get("duration"):
        result.append(_change("duration_changed", "", old_info.get("duration"), new_info.get("duration")))
    if old_info.get("clock_on_supplement") != new_info.get("clock_on_supplement"):
        result.append(_change("clock_changed", "", old_info.get("clock_on_supplement"),
                              new_info.get("clock_on_supplement")))
    result += _step_changes(old_info, new_info)
    result += _form_changes(old_forms or {}, new_forms or {})
    result += _fee_changes(old_info, new_info)
    result += _component_changes(old_info, new_info)
    result += _result_changes(old_info.get("result") or {}, new_info.get("result") or {})
    return result


# What a version's result declaration says (engine.process.resultdecl): its words, and its layout (the template,
# compared by its text, shown by its file's name; none: the engine's generic layout)
RESULT_FACTS = ("title", "symbol", "registration_prefix", "recipients", "issuer_parent", "issuer_place")


def _result_changes(old: dict, new: dict) -> list[dict]:
    changes = [_change("result_changed", key, old.get(key), new.get(key))
               for key in RESULT_FACTS if (old.get(key) or None) != (new.get(key) or None)]
    if old.get("template") != new.get("template"):
        changes.append(_change("result_changed", "template", old.get("template_name"), new.get("template_name")))
    return changes
