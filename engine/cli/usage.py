"""Click's own refusals of a command line, told like every other error of `tthc` (README): one Vietnamese line
on stderr naming the option or argument and what it accepts, with Click's exit code (2 for a usage error),
instead of Click's "Usage: ... / Try '... --help' for help. / Error: Invalid value for ..." in English.

A command's own refusal (a ``click.BadParameter`` or ``click.UsageError`` raised with Vietnamese words) keeps
its words, after the option it names. ``--help`` and a group called without a command (its help) are untouched.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

import click
from click import exceptions

_VALUE = re.compile(r"^(?P<value>.+?) is not (?:one of |a valid |in the range |)")
_PATH = re.compile(r"^(?:File|Directory|Path|Executable) (?P<name>.+) (?P<why>does not exist|is a file|is a directory"
                   r"|is not readable|is not writable|is not executable)\.$")
_PATH_REASONS = {"does not exist": "không có tệp hoặc thư mục {name}", "is a file": "{name} là một tệp, không phải thư mục",
                 "is a directory": "{name} là một thư mục, không phải tệp", "is not readable": "không có quyền đọc {name}",
                 "is not writable": "không có quyền ghi {name}", "is not executable": "không có quyền chạy {name}"}
_NO_COMMAND = re.compile(r"^No such command (?P<name>.+)\.$")
_EXTRA = re.compile(r"^Got unexpected extra arguments? \((?P<args>.*)\)$")


class OneLine(click.ClickException):
    """A refusal already said in one line, shown as it is with the exit code of the error it replaces."""

    def __init__(self, line: str, exit_code: int):
        super().__init__(line)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(self.message, err=True, file=file)


_HELP = getattr(exceptions, "NoArgsIsHelpError", OneLine)  # Click 8.2+: a group called bare shows its help


@contextmanager
def told():
    """Around the command line's parsing and running: Click's errors become one Vietnamese line."""
    try:
        yield
    except (OneLine, _HELP):
        raise
    except click.UsageError as exc:
        raise OneLine(usage_line(exc), exc.exit_code) from None
    except click.ClickException as exc:  # a command's own refusal: its words, without Click's English "Error:"
        raise OneLine(f"lỗi: {exc.format_message()}", exc.exit_code) from None


def _context(exc: click.UsageError) -> click.Context | None:
    """The context of the command whose line was refused: Click's parser raises some errors (an option without
    its value) before it is attached, then it is the innermost ``ctx`` being made where the error was raised."""
    if exc.ctx is not None:
        return exc.ctx
    found, frame = None, exc.__traceback__
    while frame is not None:
        ctx = frame.tb_frame.f_locals.get("ctx")
        found = ctx if isinstance(ctx, click.Context) else found
        frame = frame.tb_next
    return found


def _hint(exc: click.UsageError) -> str:
    ctx = _context(exc)
    path = ctx.command_path if ctx is not None else ""
    return f" (xem: {path} --help)" if path else ""


def _name(param: click.Parameter | None, hint=None) -> str:
    """The option (``--level``) or argument (``FILE``) as the operator typed or reads it in the help."""
    if hint is not None:
        return " / ".join(h.strip("'\"") for h in ([hint] if isinstance(hint, str) else hint))
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return param.human_readable_name if param is not None else ""


def _choices(param: click.Parameter | None) -> str:
    if param is not None and isinstance(param.type, click.Choice):
        return "; chọn một trong: " + ", ".join(str(c) for c in param.type.choices)
    return ""


def _bad_value(param: click.Parameter | None, message: str) -> str:
    """What is wrong with a value Click's type refused (its English message), else the command's own words."""
    kind = param.type if param is not None else None
    found = _VALUE.match(message)
    value = found.group("value") if found else ""
    path = _PATH.match(message)
    if isinstance(kind, click.Path) and path:
        return _PATH_REASONS[path.group("why")].format(name=path.group("name"))
    if isinstance(kind, click.Choice) and found:
        return f"giá trị {value} không hợp lệ{_choices(param)}"
    if isinstance(kind, (click.IntRange, click.FloatRange)) and found:
        bounds = kind._describe_range()  # noqa: SLF001 - Click's own words for the range, e.g. 1<=x<=65535
        if " is not in the range " in message:
            return f"{value} nằm ngoài khoảng cho phép ({bounds})"
        number = "một số nguyên" if isinstance(kind, click.IntRange) else "một số"
        return f"{value} không phải là {number} ({bounds})"
    if kind is not None and found and kind.name in ("integer", "float", "boolean", "uuid"):
        what = {"integer": "một số nguyên", "float": "một số", "boolean": "đúng/sai (true/false, yes/no, 1/0)",
                "uuid": "một UUID"}[kind.name]
        return f"{value} không phải là {what}"
    if kind is not None and isinstance(kind, click.DateTime) and " does not match the format" in message:
        return f"{message.split(' does not match', 1)[0]} không đúng định dạng: {', '.join(kind.formats)}"
    return message


def usage_line(exc: click.UsageError) -> str:
    """The one line saying ``exc`` (a Click usage error) in Vietnamese."""
    hint = _hint(exc)
    if isinstance(exc, click.MissingParameter):
        param = exc.param
        kind = exc.param_type or (param.param_type_name if param is not None else "")
        what = {"argument": "đối số", "option": "tùy chọn"}.get(kind, "tham số")
        return f"lỗi: thiếu {what} {_name(param, exc.param_hint)}{_choices(param)}{hint}"
    if isinstance(exc, click.BadParameter):
        param = exc.param or (_typed(exc.ctx, exc.message) if exc.param_hint is None else None)
        name = _name(param, exc.param_hint)
        return f"lỗi: {f'{name}: ' if name else ''}{_bad_value(exc.param, exc.message)}{hint}"
    if isinstance(exc, click.NoSuchOption):
        maybe = f"; có phải: {', '.join(exc.possibilities)}?" if exc.possibilities else ""
        return f"lỗi: không có tùy chọn {exc.option_name}{maybe}{hint}"
    if isinstance(exc, click.BadOptionUsage):
        param = _option(_context(exc), exc.option_name)
        if "does not take a value" in exc.message:
            return f"lỗi: {exc.option_name} không nhận giá trị{hint}"
        if " requires " in exc.message:
            return f"lỗi: {exc.option_name} cần một giá trị{_choices(param)}{hint}"
        return f"lỗi: {exc.option_name}: {exc.message}{hint}"
    extra, missing = _EXTRA.match(exc.message), _NO_COMMAND.match(exc.message)
    if extra:
        return f"lỗi: thừa đối số: {extra.group('args')}{hint}"
    if missing:
        choices = sorted(exc.ctx.command.list_commands(exc.ctx)) if exc.ctx is not None and \
            isinstance(exc.ctx.command, click.Group) else []
        listed = f"; các lệnh: {', '.join(choices)}" if choices else ""
        return f"lỗi: không có lệnh {missing.group('name')}{listed}{hint}"
    if exc.message == "Missing command.":
        return f"lỗi: thiếu lệnh{hint}"
    return f"lỗi: {exc.message}{hint}"


def _typed(ctx: click.Context | None, message: str) -> click.Parameter | None:
    """The one parameter whose typed text the refusal quotes: a command's own ``BadParameter`` raised from its
    body names none ("lỗi: : không có cơ quan NOPE"); else None, and the line names no parameter."""
    if ctx is None:
        return None
    quoted = [p for p in ctx.command.params if isinstance(value := ctx.params.get(p.name), str) and value.strip()
              and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", message)]
    return quoted[0] if len(quoted) == 1 else None


def _option(ctx: click.Context | None, name: str) -> click.Parameter | None:
    if ctx is None:
        return None
    return next((p for p in ctx.command.params if isinstance(p, click.Option) and name in p.opts), None)
