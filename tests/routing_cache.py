"""Werkzeug compiles two URL builders per route each time a Flask application is made (Python source, then
``compile``): most of ``create_app``'s time, and the tests make an application for every test. The builders
depend only on the rule's text, its parsed parts (``_trace``) and its defaults, never on the application, so
the test run makes each builder once and reuses it (``install()``, called by conftest.py). The builder is
bound to each rule as before: the converters it calls are still the rule's own."""
from __future__ import annotations

from werkzeug.routing.rules import Rule

_original = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _cached_builder(self: Rule, append_unknown: bool = True):
    if self.defaults:  # a default may be folded into the builder as text: build it afresh
        return _original(self, append_unknown)
    key = (self.rule, tuple(self._trace), append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _cached_builder
