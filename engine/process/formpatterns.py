"""Form patterns that would hold a server thread: an unbounded repetition inside another (``^(a+)+$``).

Python's regular expressions backtrack: such a pattern takes seconds, then hours, on a few dozen characters a
citizen types (each one more doubles the time), and the form's check holds a server thread meanwhile. A form
naming one is refused at deploy (engine.process.forms.check_schema), with a rewriting hint.
"""
from __future__ import annotations

import re
from re import _constants, _parser  # the pattern's parsed structure (CPython's own parser)
from typing import Any


def problems(node: Any, data_keywords: frozenset = frozenset()) -> list[str]:
    """The problems of every ``pattern`` (and ``patternProperties`` name) in the schema ``node``, its data
    keywords (``enum``, ``default``...) skipped."""
    found: list[str] = []
    if isinstance(node, dict):
        patterns = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        patterns += list(node.get("patternProperties") or {}) if isinstance(node.get("patternProperties"), dict) else []
        for pattern in patterns:
            if _nested_repeat(pattern):
                found.append(f"mẫu (pattern) '{pattern}' có phép lặp không giới hạn lồng trong phép lặp khác: "
                             "kiểm tra một chuỗi dài có thể treo máy chủ; viết lại không lồng nhau (ví dụ "
                             "^[a-z ]+$ thay cho ^([a-z]+ ?)+$)")
        for key, value in node.items():
            if key not in data_keywords:
                found += problems(value, data_keywords)
    elif isinstance(node, list):
        for item in node:
            found += problems(item, data_keywords)
    return found


def _nested_repeat(pattern: str) -> bool:
    try:
        parsed = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return False  # the meta-schema check's business (format "regex")
    return _ambiguous(list(parsed))


def _unbounded(op, arg) -> bool:
    return op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and (
        arg[1] == _constants.MAXREPEAT or arg[1] > 100)


def _optional(op, arg) -> bool:
    """Whether the item may match nothing (a repeat from 0, an anchor, a group of such)."""
    if op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
        return arg[0] == 0
    if op == _constants.SUBPATTERN:
        return all(_optional(o, a) for o, a in arg[-1])
    return op in (_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT)


def _flat(items: list) -> list:
    """The items of a body with its groups opened (``((a+) ?)`` is ``a+``, `` ?``)."""
    out = []
    for op, arg in items:
        out += _flat(list(arg[-1])) if op == _constants.SUBPATTERN else [(op, arg)]
    return out


def _repeats_only(body: list) -> bool:
    """Whether a round of the body may be nothing but an unbounded repetition (and what may match nothing): an
    alternative of a branch counts, ``(a+|b)``."""
    body = _flat(body)
    branches = [list(branch) for op, arg in body if op == _constants.BRANCH for branch in arg[1]]
    if any(_repeats_only(branch) for branch in branches):
        return True
    return any(_unbounded(o, a) for o, a in body) and all(_unbounded(o, a) or _optional(o, a) for o, a in body)


def _ambiguous(items: list) -> bool:
    """An unbounded repetition whose body is another unbounded repetition and nothing a match must contain:
    ``(a+)+``, ``([a-z]+ ?)+``, ``((ab)*)*``, ``(a+|b)+`` (exponential backtracking); ``(\\d+\\.)*`` is not
    (each round needs its dot)."""
    for op, arg in items:
        if op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
            if _unbounded(op, arg) and _repeats_only(list(arg[2])):
                return True
            if _ambiguous(list(arg[2])):
                return True
        elif op == _constants.SUBPATTERN and _ambiguous(list(arg[-1])):
            return True
        elif op == _constants.BRANCH and any(_ambiguous(list(branch)) for branch in arg[1]):
            return True
        elif op in (_constants.ASSERT, _constants.ASSERT_NOT) and _ambiguous(list(arg[1])):
            return True
    return False
