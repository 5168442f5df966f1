"""Restricted execution of BPMN scripts, gateway conditions and timer expressions.

Why this module exists:

* SpiffWorkflow's default ``TaskDataEnvironment`` runs designer-authored text with
  plain ``eval``/``exec`` and the real builtins: remote code execution by design
  (notes §2.4, §4 items 1-2). Here every text is compiled with RestrictedPython
  (``compile_restricted_eval``/``_exec``), imports and ``try`` are refused, and the
  code runs with guarded globals and a wall-clock limit that works in any thread.
* The script engine is NOT serialized (§4 item 3): after every
  ``deserialize_json`` the workflow silently has the unrestricted default engine
  again, so the runtime must re-attach ``make_script_engine(...)`` after each load.

This is the only module that may import RestrictedPython or SpiffWorkflow's
script-engine classes. It bounds CPU time of Python-level code only; a single
long C-level call (e.g. ``10 ** 10 ** 8``) and memory are not bounded.
"""
from __future__ import annotations

import ast
import builtins
import copy
import functools
import numbers
import operator
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import CodeType
from typing import Any

from RestrictedPython import (PrintCollector, RestrictingNodeTransformer, compile_restricted_eval,
                              compile_restricted_exec, limited_builtins, safe_builtins, utility_builtins)
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence, safer_getattr)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

__all__ = ['ScriptRefused', 'ScriptTimeout', 'check_expression', 'check_script', 'make_script_engine']


class ScriptRefused(Exception):
    """A script/expression was refused at compile time or broke a rule at run time."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class ScriptTimeout(ScriptRefused):
    """A script/expression ran longer than the time limit."""


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython policy plus: no imports, no try (a caught timeout could loop on)."""

    def visit_Import(self, node: ast.AST) -> ast.AST:
        self.error(node, 'import không được phép (imports are not allowed)')
        return node

    visit_ImportFrom = visit_Import

    def visit_Try(self, node: ast.AST) -> ast.AST:
        self.error(node, 'try/except/finally không được phép (try statements are not allowed)')
        return node


_FILENAME = '<string>'  # SpiffWorkflow looks for this name to report the failing line


@functools.lru_cache(maxsize=4096)
def _compile(text: str, mode: str) -> tuple[CodeType | None, tuple[str, ...]]:
    """Compile restricted code once per (text, mode); never raises."""
    if not isinstance(text, str):
        return None, (f'cần chuỗi văn bản, nhận {type(text).__name__} (text expected)',)
    compiler = compile_restricted_eval if mode == 'eval' else compile_restricted_exec
    try:
        result = compiler(text, filename=_FILENAME, policy=_Policy)
    except Exception as exc:  # e.g. null bytes, recursion in the parser
        return None, (f'{type(exc).__name__}: {exc}',)
    if result.errors or result.code is None:
        return None, tuple(result.errors) or ('không biên dịch được (could not compile)',)
    return result.code, ()


def check_expression(text: str) -> list[str]:
    """Problems found when compiling ``text`` as a restricted expression ([] if fine)."""
    return list(_compile(text, 'eval')[1])


def check_script(text: str) -> list[str]:
    """Problems found when compiling ``text`` as a restricted script ([] if fine)."""
    return list(_compile(text, 'exec')[1])


def _code_or_refuse(text: str, mode: str) -> CodeType:
    code, problems = _compile(text, mode)
    if code is None:
        kind = 'Biểu thức' if mode == 'eval' else 'Script'
        raise ScriptRefused(f'{kind} bị từ chối (refused): ' + '; '.join(problems), list(problems))
    return code


_INPLACE_OPS = {'+=': operator.iadd, '-=': operator.isub, '*=': operator.imul, '/=': operator.itruediv,
                '//=': operator.ifloordiv, '%=': operator.imod, '**=': operator.ipow,
                '|=': operator.ior, '&=': operator.iand, '^=': operator.ixor}
_INPLACE_TYPES = (numbers.Number, str, list, tuple, set)


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    """``x op= y`` for numbers, strings, lists, tuples and sets only."""
    func = _INPLACE_OPS.get(op)
    if func is None or not isinstance(target, _INPLACE_TYPES):
        raise ScriptRefused(f"phép '{op}' không được phép trên kiểu {type(target).__name__}")
    return func(target, value)


_EXTRA_BUILTINS = {name: getattr(builtins, name) for name in
                   ('min', 'max', 'sum', 'any', 'all', 'enumerate', 'dict', 'reversed', 'map', 'filter')}
_BUILTINS: dict[str, Any] = {**safe_builtins, **limited_builtins,
                             'set': utility_builtins['set'], 'frozenset': utility_builtins['frozenset'],
                             **_EXTRA_BUILTINS}
_BUILTINS.pop('__build_class__', None)  # no class statements: nothing to gain, more surface
_GUARDS: dict[str, Any] = {
    '__builtins__': _BUILTINS, '_getattr_': safer_getattr, '_getitem_': default_guarded_getitem,
    '_getiter_': default_guarded_getiter, '_iter_unpack_sequence_': guarded_iter_unpack_sequence,
    '_unpack_sequence_': guarded_unpack_sequence, '_write_': full_write_guard,
    '_inplacevar_': _inplacevar, '_print_': PrintCollector,
}


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ScriptTimeout in this thread once ``seconds`` have passed (sys.settrace based).

    Script frames (filename ``<string>``) are traced per opcode: ``while True: pass`` and
    one-line comprehensions jump back within one line and emit no 'line' events (3.11).
    """
    deadline = time.monotonic() + seconds

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise ScriptTimeout(f'quá thời gian {seconds:g} giây (time limit exceeded)')
        if event == 'call' and frame.f_code.co_filename == _FILENAME:
            frame.f_trace_opcodes = True
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


class RestrictedEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment that compiles with RestrictedPython and enforces a time limit."""

    def __init__(self, helpers: dict[str, Any] | None = None, time_limit: float = 1.0) -> None:
        super().__init__({**(helpers or {}), **_GUARDS})
        self.time_limit = time_limit

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        code = _code_or_refuse(expression, 'eval')
        my_globals = copy.copy(self.globals)
        self._prepare_context(context)
        my_globals.update(external_context or {})
        my_globals.update(context)
        my_globals.update(_GUARDS)  # task data must never replace the guards
        with _time_limit(self.time_limit):
            return eval(code, my_globals)

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        code = _code_or_refuse(script, 'exec')
        self.check_for_overwrite(context, external_context or {})
        my_globals = copy.copy(self.globals)
        self._prepare_context(context)
        my_globals.update(external_context or {})
        context.update(my_globals)
        try:
            with _time_limit(self.time_limit):
                exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def call_service(self, context: dict, **kwargs: Any) -> str:
        raise ScriptRefused('service task không được hỗ trợ (service tasks are not supported)')


class _RestrictedScriptEngine(PythonScriptEngine):
    """Fixes the library's call_service error path (NameError on undefined ``script``, §4 item 14)."""

    def call_service(self, task: Any, **kwargs: Any) -> str:
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as err:
            raise WorkflowTaskException(f'{type(err).__name__}: {err}', task=task, exception=err) from err


def make_script_engine(helpers: dict[str, Any] | None = None, time_limit: float = 1.0) -> PythonScriptEngine:
    """A PythonScriptEngine running BPMN code restricted; re-attach it after every deserialization."""
    return _RestrictedScriptEngine(environment=RestrictedEnvironment(helpers, time_limit))
