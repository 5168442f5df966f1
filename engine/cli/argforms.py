"""Option spellings of api.md ("Command line") that click does not take by itself.

- ``--role ROLE...``, ``--agency ID...``: an option given once with several values (``--role specialist clerk``)
  as well as repeated (``--role specialist --role clerk``, click's own way): ``Several``.
- ``--data JSON``: the JSON itself (``--data '{"form": {...}}'``) as well as a JSON file: ``JSON_OR_FILE``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import click


class Several(click.Option):
    """A ``multiple`` option that also takes the values that follow it, up to the next option or the first value
    ``takes`` says is not one of its own (so that a positional argument after it stays one)."""

    def __init__(self, *args, takes: Callable[[str], bool] | None = None, **kwargs):
        kwargs.setdefault("multiple", True)
        super().__init__(*args, **kwargs)
        self.takes = takes or (lambda value: not value.startswith("-"))

    def add_to_parser(self, parser, ctx) -> None:
        super().add_to_parser(parser, ctx)
        known = {**getattr(parser, "_long_opt", {}), **getattr(parser, "_short_opt", {})}
        for name in self.opts:
            option = known.get(name)
            if option is None or getattr(option, "obj", None) is not self:
                continue  # another click: the option is taken once per value, as click takes it
            one = option.process

            def process(value, state, one=one):
                one(value, state)
                while state.rargs and not state.rargs[0].startswith("-") and self.takes(state.rargs[0]):
                    one(state.rargs.pop(0), state)

            option.process = process


def not_a_procedure_code(value: str) -> bool:
    """For ``tthc offer --agency A B CODE``: agencies' ids are taken, the procedure's code stays the argument."""
    from engine.process.lint import CODE_RE

    return not CODE_RE.match(value)


class JsonOrFile(click.ParamType):
    """A JSON object given as text (it starts with ``{``), else the path of an existing JSON file: the dict, or
    the ``Path``."""
    name = "JSON"

    def convert(self, value, param, ctx):
        if isinstance(value, (dict, Path)):
            return value
        if value.lstrip().startswith("{"):
            try:
                data = json.loads(value)
            except (ValueError, RecursionError) as exc:
                self.fail(f"JSON không hợp lệ: {exc}", param, ctx)
            if not isinstance(data, dict):
                self.fail("cần một đối tượng JSON", param, ctx)
            return data
        path = Path(value)
        if not path.is_file():
            self.fail(f"không có tệp {value!r} (cần một tệp JSON hoặc chính đối tượng JSON)", param, ctx)
        return path


JSON_OR_FILE = JsonOrFile()
