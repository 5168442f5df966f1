"""Templates written by designers (a procedure's result layout): Jinja2 in a sandbox, with the document filters.

A result template ships with a procedure folder, so it comes from people who are not the engine's developers
and must not reach Python: the environment is Jinja2's ``ImmutableSandboxedEnvironment`` (no attribute that
starts with an underscore, no ``mro``/``__globals__``/``func_code``, no method that changes a list or a dict),
with autoescape on (the data is the citizen's, and the output is HTML). The filters a document needs are the
vocabulary's (Vietnamese dates and money), declared once there. A broken template is a ``TemplateProblem``
with its line, for ``tthc validate``, ``tthc deploy`` and ``tthc render``.
"""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import BaseLoader, ChainableUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from engine.core import vocabulary


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


def environment(loader: BaseLoader | None = None) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment with autoescape on and the document filters; ``loader`` gives the layouts a
    template may extend or include (the engine's own, never the file system at large)."""
    env = ImmutableSandboxedEnvironment(loader=loader, autoescape=True, undefined=_Undefined,
                                        trim_blocks=True, lstrip_blocks=True)
    env.filters.update({name: _blank_when_missing(f) for name, f in FILTERS.items()})
    return env


def _line_of(exc: BaseException, name: str) -> int | None:
    """The line of ``name`` where ``exc`` was raised (Jinja rewrites tracebacks to template lines)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in (name, "<template>", "<unknown>"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def check(env: ImmutableSandboxedEnvironment, text: str, name: str) -> None:
    """Raise TemplateProblem when ``text`` does not compile."""
    try:
        env.parse(text, name=name, filename=name)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(name, exc.lineno, exc.message or str(exc)) from None


def render(env: ImmutableSandboxedEnvironment, text: str, name: str, context: dict) -> str:
    """``text`` rendered with ``context``; any failure (syntax, a refused attribute, a wrong filter argument) is
    a TemplateProblem naming the line."""
    try:
        return _render_named(env, text, name, context)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.filename or name, exc.lineno, exc.message or str(exc)) from None
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
    return template.render(context)
