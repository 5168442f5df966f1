"""Templates written by designers (a procedure's result layout): Jinja2 in a sandbox, with the document filters.

A result template ships with a procedure folder, so it comes from people who are not the engine's developers
and must not reach Python: the environment is Jinja2's ``ImmutableSandboxedEnvironment`` (no attribute that
starts with an underscore, no ``mro``/``__globals__``/``func_code``, no method that changes a list or a dict),
with autoescape on (the data is the citizen's, and the output is HTML). The filters a document needs are the
vocabulary's (Vietnamese dates and money), declared once there. A broken template is a ``TemplateProblem``
with its line, for ``tthc validate``, ``tthc deploy`` and ``tthc render``.
"""
from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass

import jinja2
from jinja2 import BaseLoader, ChainableUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from engine.core import vocabulary
from engine.core.tracing import traced


@dataclass
class TemplateProblem(Exception):
    """A template that does not compile or fails while rendering; ``line`` in ``name`` when known."""

    name: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.name}:{self.line or '?'}: {self.message}"


class _Undefined(ChainableUndefined):
    """A missing value prints as nothing (optional form fields), but a value the sandbox refused (``''.__class__``)
    is an error wherever it is used, not a silent blank."""

    __slots__ = ()

    def _refused(self) -> bool:
        return self._undefined_exception is SecurityError

    def __str__(self) -> str:
        if self._refused():
            self._fail_with_undefined_error()
        return ""

    def __iter__(self):
        if self._refused():
            self._fail_with_undefined_error()
        return iter(())

    def __bool__(self) -> bool:
        if self._refused():
            self._fail_with_undefined_error()
        return False


def _date(value, style: str = "date") -> str:
    from datetime import date, datetime

    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    return vocabulary.vn_time(value, style) if value not in (None, "") else ""


def _blank_when_missing(function):
    """A filter on a missing value prints nothing (an optional field the dossier did not fill)."""
    def apply(value, *args, **kwargs):
        if isinstance(value, _Undefined):
            return str(value)  # raises for a value the sandbox refused
        return function(value, *args, **kwargs)
    return apply


FILTERS = {
    "vn_date": _date,                           # {{ x | vn_date }} -> 14/03/1999 (ISO text, date or datetime)
    "vn_date_words": vocabulary.vn_date_words,  # {{ now | vn_date_words("Huế") }} -> Huế, ngày 02 tháng 12 năm 2026
    "vn_money": vocabulary.vn_money,            # {{ 100000 | vn_money }} -> 100.000 đồng
    "vn_number_words": vocabulary.number_words,  # {{ 2026 | vn_number_words }} -> hai nghìn không trăm hai mươi sáu
    "vn_value": vocabulary.vn_value,            # a form value by its schema property
}


MAX_LENGTH = 1_000_000  # characters or items one operator of a template may make
MAX_INT_BITS = 100_000  # about 30,000 digits: no document prints more
MAX_ITEMS = 10_000  # items of one range
TIME_LIMIT = 5.0  # seconds of a template's own code (a result renders in milliseconds)
_WIDE = re.compile(r"\d{7,}")  # a width or precision of a million or more in a %-format


def _too_long(length: int) -> None:
    if length > MAX_LENGTH:
        raise SecurityError(f"giá trị quá dài ({length} > {MAX_LENGTH} ký tự hoặc phần tử)")


def _times(a, b):
    for sequence, count in ((a, b), (b, a)):
        if isinstance(sequence, (str, list, tuple)) and isinstance(count, int):
            _too_long(len(sequence) * max(count, 0))
    return a * b


def _power(a, b):
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1 \
            and b * abs(a).bit_length() > MAX_INT_BITS:
        raise SecurityError(f"số quá lớn (quá {MAX_INT_BITS} bit)")
    return a ** b


def _plus(a, b):
    if isinstance(a, (str, list, tuple)) and isinstance(b, (str, list, tuple)):
        _too_long(len(a) + len(b))
    return a + b


def _percent(a, b):
    if isinstance(a, str) and _WIDE.search(a):
        raise SecurityError("độ rộng định dạng quá lớn")
    return a % b


def _sizes(args, kwargs) -> None:
    """A width, a count or a format that would make a huge value in one C call (``center(10**9)``,
    ``"%20000000s"|format``, ``"{:>20000000}".format``): refused before the call."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_LENGTH:
            raise SecurityError(f"số quá lớn cho một giá trị của mẫu ({value} > {MAX_LENGTH})")
        if isinstance(value, str) and _WIDE.search(value):
            raise SecurityError("độ rộng định dạng quá lớn")


def _sized(value):
    if isinstance(value, (str, list, tuple)):
        _too_long(len(value))
    return value


def _bounded_filter(function):
    def apply(*args, **kwargs):
        _sizes(args, kwargs)
        return _sized(function(*args, **kwargs))
    if hasattr(function, "jinja_pass_arg"):  # Jinja's pass_context / pass_environment mark
        apply.jinja_pass_arg = function.jinja_pass_arg
    return apply


def _range(*args):
    """``range`` of at most 10,000 items (the sandbox's own allows 100,000): no document lists more."""
    made = range(*args)
    if len(made) > MAX_ITEMS:
        raise SecurityError(f"range quá dài ({len(made)} > {MAX_ITEMS} phần tử)")
    return made


class _Bounded(ImmutableSandboxedEnvironment):
    """The sandbox, with what can make a huge value in one step looking at the sizes first: the operators
    (``"x" * 10**9``, ``9 ** 10**9``), the arguments of every filter and method call (``center(10**9)``,
    ``"%20000000s"|format(1)``), ``range``: a C-level operation cannot be stopped by a time limit once begun."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    _GUARDS = {"*": _times, "**": _power, "+": _plus, "%": _percent}

    def call_binop(self, context, operator: str, left, right):
        return self._GUARDS[operator](left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        _sizes(args, kwargs)
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value):
        """``"{:>20000000}".format``: its format string is looked at when the method is taken."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _sizes((value.__self__,), {})
        return wrapped


def environment(loader: BaseLoader | None = None) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment with autoescape on and the document filters; ``loader`` gives the layouts a
    template may extend or include (the engine's own, never the file system at large)."""
    env = _Bounded(loader=loader, autoescape=True, undefined=_Undefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update({name: _blank_when_missing(f) for name, f in FILTERS.items()})
    env.filters.update({name: _bounded_filter(f) for name, f in env.filters.items()})
    env.globals["range"] = _range
    return env


def _line_of(exc: BaseException, name: str) -> int | None:
    """The line of ``name`` where ``exc`` was raised (Jinja rewrites tracebacks to template lines)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in (name, "<template>", "<unknown>"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


_UNKNOWN = re.compile(r"No (filter|test) named '([^']*)'")


def _said(message: str) -> str:
    """Jinja's message, with an unknown filter told in the designer's words and the document filters named."""
    found = _UNKNOWN.search(message or "")
    if found is None:
        return message
    if found.group(1) == "filter":
        return f"không có bộ lọc '{found.group(2)}'; các bộ lọc của mẫu kết quả: {', '.join(FILTERS)} và các bộ lọc " \
               "sẵn có của Jinja2"
    return f"không có phép thử '{found.group(2)}' trong Jinja2"


def check(env: ImmutableSandboxedEnvironment, text: str, name: str) -> None:
    """Raise TemplateProblem when ``text`` does not compile: its syntax, and the filters and tests it names (a
    filter the environment lacks, ``| vn_phone``, is found here, not at the first dossier's result)."""
    try:
        env.compile(text, name=name, filename=name)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(name, exc.lineno, _said(exc.message or str(exc))) from None


def render(env: ImmutableSandboxedEnvironment, text: str, name: str, context: dict) -> str:
    """``text`` rendered with ``context``; any failure (syntax, a refused attribute, a wrong filter argument) is
    a TemplateProblem naming the line."""
    try:
        return _render_named(env, text, name, context)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.filename or name, exc.lineno, _said(exc.message or str(exc))) from None
    except SecurityError as exc:
        raise TemplateProblem(name, _line_of(exc, name), f"không được phép trong mẫu: {exc}") from None
    except TemplateError as exc:
        raise TemplateProblem(name, _line_of(exc, name), str(exc)) from None
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as exc:
        raise TemplateProblem(name, _line_of(exc, name), f"{type(exc).__name__}: {exc}") from None


def _render_named(env: ImmutableSandboxedEnvironment, text: str, name: str, context: dict) -> str:
    """Compile with ``name`` as the file name, so errors raised while rendering carry its lines."""
    code = env.compile(text, name=name, filename=name)
    template = env.template_class.from_code(env, code, env.make_globals(None))
    with _time_limit(env, TIME_LIMIT):
        return template.render(context)


_JINJA = os.path.dirname(jinja2.__file__) + os.sep


@contextmanager
def _time_limit(env, seconds: float):
    """SecurityError once the template's code (its own and the layouts it extends: the frames run in ``env``)
    has run ``seconds``: nested loops over ``range`` (100,000 each at most, in the sandbox) would run for hours.
    Checked at the template's lines and at the lines of Jinja's own code it runs (``map``, ``join`` over a
    generator); one C call's size is bounded by the guards above."""
    deadline = time.monotonic() + seconds

    def tracer(frame, event, _arg):
        if event == "call":  # the template's frames, and Jinja's own code they run (a filter's generator)
            return tracer if frame.f_globals.get("environment") is env or \
                frame.f_code.co_filename.startswith(_JINJA) else None
        if event == "line" and time.monotonic() > deadline:
            raise SecurityError(f"mẫu chạy quá {seconds:g} giây")
        return tracer

    with traced(tracer):
        yield
