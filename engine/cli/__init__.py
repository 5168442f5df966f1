"""The `tthc` command line (also reachable as `flask --app app ...`).

Each command's module is imported when that command runs (or its help is asked), not every module for every
command: `tthc calendar day` loads the calendar and the database, not the PDF renderer and pyHanko, and a
setting that is wrong is told in a fraction of a second (it took two seconds of imports before). The names other
modules import from here (``load_demo``, ``deploy_paths``, ...) are found the same way, when first asked for.
"""
from __future__ import annotations

import errno
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from engine.core.errors import EngineError
from engine.core.settings import SettingsError


class LazyGroup(click.Group):
    """A group whose subcommands, given as ``{name: "module:attribute"}``, are imported when first used."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx, name: str):
        if name in self.lazy and name not in self.commands:
            module, attribute = self.lazy[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


class Root(LazyGroup):
    """The `tthc` group: Click's refusals of a command line (a bad choice, a missing option, a path that is not
    there) are told in one Vietnamese line like every other error (engine.cli.usage), ``--help`` as Click says it."""

    def make_context(self, info_name, args, parent=None, **extra):
        from . import usage

        with usage.told():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        from . import usage

        with usage.told():
            return super().invoke(ctx)


@click.group(cls=Root, help="TTHC engine: thủ tục hành chính trên BPMN.", lazy={
    "validate": "engine.cli.deploying:validate", "deploy": "engine.cli.deploying:deploy",
    "serve": "engine.cli.service:serve", "worker": "engine.cli.service:worker",
    "simulate": "engine.cli.service:simulate",
    "calendar": "engine.cli.calendar:calendar", "audit": "engine.cli.audit:audit",
    "payments": "engine.cli.payments:payments_group", "offer": "engine.cli.offers:offer",
    "render": "engine.cli.render:render", "stats": "engine.cli.stats:stats",
    "notifications": "engine.cli.notifications:notifications", "agency": "engine.cli.staff:agency",
    "officer": "engine.cli.staff:officer", "citizen": "engine.cli.citizens:citizen",
    "procedure": "engine.cli.procedure:procedure"})
def main() -> None:
    pass


@main.group("db", cls=LazyGroup, help="Cơ sở dữ liệu.", lazy={"upgrade": "engine.cli.service:db_upgrade",
                                                              "prune-files": "engine.cli.storage:prune_files"})
def db_group() -> None:
    pass


@main.group("pki", cls=LazyGroup, help="Hạ tầng khóa ký số (PKI).", lazy={
    "init": "engine.cli.service:pki_init", "token": "engine.cli.keys:token",
    "method": "engine.cli.signing:signing_method"})
def pki_group() -> None:
    pass


@main.group("demo", cls=LazyGroup, help="Dữ liệu mẫu.", lazy={"load": "engine.cli.service:demo_load"})
def demo_group() -> None:
    pass


# names other modules, the benchmarks and the tests import from engine.cli, and where they live
_EXPORTS = {"load_demo": "engine.cli.demo", "province_officers": "engine.cli.demo", "DEMO_AGENCY": "engine.cli.demo",
            "DEMO_CITIZEN": "engine.cli.demo", "DEMO_USERS": "engine.cli.demo",
            "deploy_paths": "engine.cli.deploying", "init_pki": "engine.cli.keys",
            "upgrade_database": "engine.cases.preflight"}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


def _operator_errors() -> tuple[type[Exception], ...]:
    """The errors told in one line: a setting, and the database's or a migration's if their library was loaded
    (a command that never opened the database cannot have raised them)."""
    kinds: list[type[Exception]] = [SettingsError]
    for module, name in (("sqlalchemy.exc", "DBAPIError"), ("alembic.util", "CommandError")):
        if module in sys.modules:
            kinds.append(getattr(sys.modules[module], name))
    return tuple(kinds)


# The system's reasons an operator meets most (a file, a folder, a disk, a port), in words; others as the system says.
OS_REASONS = {errno.ENOENT: "không có tệp hoặc thư mục này", errno.ENOTDIR: "không phải là thư mục",
              errno.EISDIR: "là một thư mục, không phải tệp", errno.EACCES: "không có quyền",
              errno.EPERM: "không có quyền", errno.ENOSPC: "hết chỗ trống trên đĩa", errno.EROFS: "ổ đĩa chỉ đọc",
              errno.EADDRINUSE: "cổng đã có chương trình khác dùng", errno.EEXIST: "đã có"}
TRACEBACK_VARIABLE = "TTHC_TRACEBACK"  # set to 1: an unexpected error is raised with its traceback, for a developer


def unexpected_line(exc: BaseException) -> str:
    """One line for an error no command foresaw (never a traceback for an operator, README): what the system
    said of a file or port, a value out of range (a date in year 1 or 9999), data nested too deep, or else the
    error's kind and first line, with how to see the rest."""
    if isinstance(exc, OSError):
        reason = OS_REASONS.get(exc.errno) or exc.strerror or str(exc)
        where = " ".join(repr(str(name)) for name in (exc.filename, exc.filename2) if name is not None)
        return f"lỗi tệp: {reason}{': ' + where if where else ''}"
    if isinstance(exc, OverflowError) or "out of range" in str(exc):
        return "lỗi: giá trị nằm ngoài phạm vi xử lý được (một ngày quá xa hoặc một số quá lớn)"
    if isinstance(exc, RecursionError):
        return "lỗi: dữ liệu lồng nhau quá sâu"
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return (f"lỗi không mong đợi ({type(exc).__name__}: {first}); đặt {TRACEBACK_VARIABLE}=1 để xem chi tiết và "
            "báo cho nhóm phát triển")


@contextmanager
def errors_told() -> Iterator[None]:
    """Around a command: what it raised, told in one line on stderr with its exit code (never a traceback, README).
    Click's own ends (a usage error, ``--help``, an abort) go on to Click, which tells them."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort, EOFError):
        raise
    except EngineError as exc:  # with what is wrong in each field, when the use case named them
        fields = "; ".join(f"{name}: {text}" for name, text in (exc.fields or {}).items())
        for problem in getattr(exc, "problems", None) or ():  # a file refused at deploy: `file:line: element: ...`
            click.echo(str(problem), err=True)  # (an agency it names missing: it said only "Quy trình có lỗi")
        click.echo(f"lỗi: {exc.message}{' (' + fields + ')' if fields else ''}", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the operator's errors in one line; the rest too, unless asked
        if isinstance(exc, _operator_errors()):
            from engine.cases import preflight  # one line naming the setting, no traceback (README)

            click.echo(preflight.operator_line(exc), err=True)
            sys.exit(2 if isinstance(exc, SettingsError) else 3)
        if os.environ.get(TRACEBACK_VARIABLE) == "1":
            raise
        click.echo(unexpected_line(exc), err=True)
        sys.exit(1)


def run() -> None:  # pragma: no cover - console entry (tests run it in a subprocess)
    with errors_told():
        main()


def _told_elsewhere(command: click.Command) -> click.Command:
    """``command`` (the very object `tthc` runs), told as under `tthc` when another group reaches it (Flask's):
    Click's refusals of its line as Root tells them, and what it raises as run() tells it. Under `tthc` (or run
    on its own) it is as it was: Root and run() tell."""
    if getattr(command, "told_elsewhere", False):
        return command
    make_context, invoke = command.make_context, command.invoke

    def elsewhere(parent) -> bool:
        return parent is not None and parent.command is not main

    def made(info_name, args, parent=None, **extra):
        if not elsewhere(parent):
            return make_context(info_name, args, parent=parent, **extra)
        from . import usage

        with usage.told():
            return make_context(info_name, args, parent=parent, **extra)

    def invoked(ctx):
        if not elsewhere(ctx.parent):
            return invoke(ctx)
        from . import usage

        with errors_told(), usage.told():
            return invoke(ctx)

    command.make_context, command.invoke, command.told_elsewhere = made, invoked, True
    return command


def register(app) -> None:
    """Make every command reachable as `flask --app app ...` too, answering as under `tthc`."""
    for name in main.list_commands(None):
        app.cli.add_command(_told_elsewhere(main.get_command(None, name)), name)
