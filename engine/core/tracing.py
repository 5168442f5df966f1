"""A trace function installed for a block of work in this thread, the one before it put back after (the time
limits of BPMN scripts, engine.process.scripting, and of result layouts, engine.core.templating)."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator


@contextmanager
def traced(tracer: Callable[..., Any]) -> Iterator[None]:
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)
