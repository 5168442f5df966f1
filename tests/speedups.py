"""Work the tests would repeat thousands of times for the same answer, done once per run (``install()``,
called by conftest.py). Each is a pure function of its arguments, so no test sees a different result.

- URL builders: Werkzeug compiles two per route each time a Flask application is made (Python source, then
  ``compile``), most of ``create_app``'s time, and the tests make an application for every test. A builder
  depends only on the rule's text, its parsed parts (``_trace``) and its defaults, never on the application;
  it is still bound to each rule, so the converters it calls are the rule's own.
- Password checks: every login checks a scrypt hash (about 0.15 s of CPU), and the demo accounts' hashes are
  the same in every test's database copy. The real check runs once per (hash, password) pair; a wrong password
  is still refused, a changed password has a new hash and is checked afresh.
"""
from __future__ import annotations

import functools

from werkzeug.routing.rules import Rule

from engine.cases import accounts

_compile_builder = Rule._compile_builder
_builders: dict[tuple, object] = {}
_check_password_hash = accounts.check_password_hash


def _cached_builder(self: Rule, append_unknown: bool = True):
    if self.defaults:  # a default may be folded into the builder as text: build it afresh
        return _compile_builder(self, append_unknown)
    key = (self.rule, tuple(self._trace), append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


@functools.lru_cache(maxsize=None)
def _check_once(pwhash: str, password: str) -> bool:
    return _check_password_hash(pwhash, password)


def _check_password(pwhash, password) -> bool:
    try:
        return _check_once(pwhash, password)
    except TypeError:  # not hashable: whatever the real check says of it
        return _check_password_hash(pwhash, password)


def install() -> None:
    Rule._compile_builder = _cached_builder
    accounts.check_password_hash = _check_password
