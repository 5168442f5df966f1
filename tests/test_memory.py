"""engine.core.memory: a serving process sets start-up's objects aside from the cycle collector."""
from __future__ import annotations

import gc
import threading

import pytest

from engine.core import memory


class _Cycle:
    def __init__(self):
        self.me = self


def _cycles() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is _Cycle)


def test_settle_freezes_what_start_up_built_and_leaves_later_garbage_collectable():
    # (the run itself settled after collecting the tests, as a serving process does at start: conftest.py)
    frozen = memory.settle()
    assert frozen == gc.get_freeze_count() > 10_000  # this test process's modules, at the least
    # what the requests create afterwards is collected as before: a cycle made now is freed
    made = _Cycle()
    alive = _cycles()
    del made
    gc.collect()
    assert alive == 1 and _cycles() == 0


def test_young_garbage_holds_the_collector_until_the_last_thread_leaves_then_frees_the_cycles_made():
    gc.collect()
    inside, leave = threading.Event(), threading.Event()

    def document_work():
        with memory.young_garbage():
            _Cycle()
            inside.set()
            leave.wait(10)

    worker = threading.Thread(target=document_work)
    worker.start()
    assert inside.wait(10)
    assert not gc.isenabled()
    with memory.young_garbage():  # a second document, overlapping the first
        _Cycle()
    assert not gc.isenabled() and _cycles() == 2  # the first is still at work: nothing collected yet
    leave.set()
    worker.join(10)
    assert gc.isenabled() and _cycles() == 0  # collected as the last one left, with no gc.collect of ours


def test_young_garbage_resumes_the_collector_after_an_error_and_leaves_a_collector_turned_off_alone():
    with pytest.raises(ValueError):
        with memory.young_garbage():
            raise ValueError("a broken template")
    assert gc.isenabled()
    gc.disable()
    try:
        with memory.young_garbage():
            _Cycle()
        assert not gc.isenabled() and _cycles() == 1  # whoever turned it off decides
    finally:
        gc.enable()
        gc.collect()


def test_overlapping_documents_never_keep_the_collector_waiting_beyond_the_bound(monkeypatch):
    monkeypatch.setattr(memory, "BOUND", 5_000)
    gc.collect()
    inside, leave = threading.Event(), threading.Event()

    def backlog():  # another drain, still at work
        with memory.young_garbage():
            inside.set()
            leave.wait(10)

    other = threading.Thread(target=backlog)
    other.start()
    try:
        assert inside.wait(10)
        with memory.young_garbage():
            for _ in range(20_000):
                _Cycle()
        assert not gc.isenabled()  # the other is still inside ...
        assert _cycles() == 0  # ... yet this one, leaving with more than BOUND waiting, collected
    finally:
        leave.set()
        other.join(10)
    assert gc.isenabled()
