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
script-engine classes. The time limit bounds Python-level code; the operations that
make huge values in one C-level call, memory and the data a script stores are bounded by
``scriptlimits``. Whatever a script raises (``SystemExit`` and ``KeyboardInterrupt``
included) comes out as ``ScriptRefused``, so one procedure can never stop a worker or a
request thread.
"""
from __future__ import annotations

import ast
import builtins
import copy
import functools
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

from engine.core.tracing import traced
from engine.process import scriptlimits
from engine.process.scriptlimits import ScriptRefused, ScriptTimeout

__all__ = ['ScriptRefused', 'ScriptTimeout', 'check_expression', 'check_script', 'make_script_engine']


_CALL_GUARDS = scriptlimits.CALL_GUARDS
_BINOP_GUARDS = {ast.Mult: '_tthc_mul_', ast.Pow: '_tthc_pow_', ast.LShift: '_tthc_lshift_',
                 ast.Add: '_tthc_add_', ast.Mod: '_tthc_mod_'}


def _guard_call(name: str, args: list[ast.expr], where: ast.AST) -> ast.Call:
    call = ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=args, keywords=[])
    return ast.fix_missing_locations(ast.copy_location(call, where))


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython policy plus: no imports, no try (a caught timeout could loop on), no classes, and the
    operators that can make huge values in one C call rewritten into calls of ``scriptlimits`` guards."""

    def visit_ClassDef(self, node: ast.AST) -> ast.AST:
        self.error(node, 'class không được phép (class statements are not allowed)')
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        name = _BINOP_GUARDS.get(type(node.op))
        return node if name is None else _guard_call(name, [node.left, node.right], node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node = self.node_contents_visit(node)
        spec = node.format_spec if node.format_spec is not None else ast.Constant('')
        call = _guard_call('_tthc_format_', [node.value, ast.Constant(node.conversion), spec], node)
        return ast.copy_location(ast.FormattedValue(value=call, conversion=-1, format_spec=None), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node = super().visit_Call(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALL_GUARDS:
            node.func = ast.copy_location(ast.Name(id=_CALL_GUARDS[node.func.id], ctx=ast.Load()), node.func)
        return node

    def visit_Import(self, node: ast.AST) -> ast.AST:
        self.error(node, 'import không được phép (imports are not allowed)')
        return node

    visit_ImportFrom = visit_Import

    def visit_Try(self, node: ast.AST) -> ast.AST:
        self.error(node, 'try/except/finally không được phép (try statements are not allowed)')
        return node


def _bound_names(tree: ast.AST) -> set[str]:
    """The names a script binds itself (assigned, defined, a loop's or a comprehension's target, an argument)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound


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


def _unavailable_calls(text: str, mode: str) -> list[str]:
    """Calls a BPMN script or condition makes that would fail at every run: a name neither in the restricted
    builtins nor bound by the script (task data is JSON: no function comes from it; ``open``, ``getattr``,
    ``globals``, ``exec`` are not there), and ``str.format`` (refused at run time: it reaches attributes)."""
    problems = []
    tree = ast.parse(text, mode=mode)
    bound = _bound_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id not in _BUILTINS and func.id not in bound \
                and func.id != 'print':  # RestrictedPython's own (``_print_``: _GuardedPrint)
            problems.append(f'Line {node.lineno}: hàm không có trong môi trường kịch bản: {func.id}() '
                            f'(name not available to scripts)')
        elif isinstance(func, ast.Attribute) and func.attr in ('format', 'format_map') \
                and isinstance(func.value, ast.Constant) and isinstance(func.value.value, str):
            problems.append(f'Line {node.lineno}: str.format không được phép; dùng f-string (not allowed)')
    return problems


def check_expression(text: str) -> list[str]:
    """Problems found when compiling ``text`` as a restricted expression ([] if fine), and the calls it makes
    that could never run."""
    problems = list(_compile(text, 'eval')[1])
    return problems or _unavailable_calls(text, 'eval')


def check_script(text: str) -> list[str]:
    """Problems found when compiling ``text`` as a restricted script ([] if fine), and the calls it makes that
    could never run."""
    problems = list(_compile(text, 'exec')[1])
    return problems or _unavailable_calls(text, 'exec')


def _code_or_refuse(text: str, mode: str) -> CodeType:
    code, problems = _compile(text, mode)
    if code is None:
        kind = 'Biểu thức' if mode == 'eval' else 'Script'
        raise ScriptRefused(f'{kind} bị từ chối (refused): ' + '; '.join(problems), list(problems))
    return code


class _GuardedPrint(PrintCollector):
    """``print`` turns its arguments into text in one C call: the same bound as str()."""

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        scriptlimits.check_deep(*objects)
        super()._call_print(*objects, **kwargs)


_EXTRA_BUILTINS = {name: getattr(builtins, name) for name in
                   ('min', 'max', 'sum', 'any', 'all', 'enumerate', 'dict', 'reversed', 'map', 'filter')}
_BUILTINS: dict[str, Any] = {**safe_builtins, **limited_builtins,
                             'set': utility_builtins['set'], 'frozenset': utility_builtins['frozenset'],
                             **_EXTRA_BUILTINS, **scriptlimits.BUILTIN_GUARDS}
for _name in ('__build_class__', 'BaseException', 'SystemExit', 'KeyboardInterrupt', 'GeneratorExit'):
    _BUILTINS.pop(_name, None)  # no classes; nothing that stops a worker when raised
_GUARDS: dict[str, Any] = {
    '__builtins__': _BUILTINS, '_getattr_': functools.partial(scriptlimits.guarded_getattr,
                                                              plain_getattr=safer_getattr),
    '_getitem_': default_guarded_getitem,
    '_getiter_': default_guarded_getiter, '_iter_unpack_sequence_': guarded_iter_unpack_sequence,
    '_unpack_sequence_': guarded_unpack_sequence, '_write_': full_write_guard,
    '_print_': _GuardedPrint, **scriptlimits.OPERATOR_GUARDS,
}
_MEMORY_CHECK_EVERY = 64  # trace events between two looks at the process's peak memory


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ScriptTimeout in this thread once ``seconds`` have passed (sys.settrace based).

    Script frames (filename ``<string>``) are traced per opcode: ``while True: pass`` and
    one-line comprehensions jump back within one line and emit no 'line' events (3.11).
    Every few events the process's peak memory is looked at too (scriptlimits.check_memory).

    The limit is raised only at a script's own line or opcode, never at a 'call' event: a call may be a
    finalizer, a weakref or collector callback, or a script generator closed as it is dropped, and what
    is raised there is printed and swallowed while Python unsets the trace function, so the script went on
    with no limit at all (an endless loop of dropped generators escaped a 0.02 s limit about once in
    twenty runs). A script that ends after its limit without meeting a traced opcode is refused too.
    """
    deadline = time.monotonic() + seconds
    start_peak = scriptlimits.memory_peak()
    events = 0
    over = f'quá thời gian {seconds:g} giây (time limit exceeded)'

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal events
        if event == 'call':
            if frame.f_code.co_filename != _FILENAME:
                return None  # the guards and helpers: looked at on each call they make, not line by line
            frame.f_trace_opcodes = True
        elif event in ('line', 'opcode'):  # the script's own code runs: what is raised here reaches it
            if time.monotonic() > deadline:
                raise ScriptTimeout(over)
            events += 1
            if events % _MEMORY_CHECK_EVERY == 0:
                scriptlimits.check_memory(start_peak)
        return tracer

    with traced(tracer):
        yield
    if time.monotonic() > deadline:
        raise ScriptTimeout(over)


@contextmanager
def _contained() -> Iterator[None]:
    """Whatever the code raises becomes an Exception: SystemExit or KeyboardInterrupt raised by a helper
    or the library must not stop a worker or a request thread (the caller turns it into an incident/422)."""
    try:
        yield
    except Exception:
        raise
    except BaseException as exc:
        raise ScriptRefused(f'kịch bản dừng bằng {type(exc).__name__} (stopped by {type(exc).__name__})') from exc


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
        before = scriptlimits.data_size(context)
        with _contained(), _time_limit(self.time_limit):
            result = eval(code, my_globals)
        scriptlimits.check_data_growth(before, context)  # a condition can mutate the data it reads
        return result

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        code = _code_or_refuse(script, 'exec')
        self.check_for_overwrite(context, external_context or {})
        my_globals = copy.copy(self.globals)
        self._prepare_context(context)
        my_globals.update(external_context or {})
        before = scriptlimits.data_size(context)
        context.update(my_globals)
        try:
            with _contained(), _time_limit(self.time_limit):
                exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        scriptlimits.check_data_growth(before, context)
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
