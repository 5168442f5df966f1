"""engine.core.memory: a serving process sets start-up's objects aside from the cycle collector."""
from __future__ import annotations

import gc

from engine.core import memory


def test_settle_freezes_what_start_up_built_and_leaves_later_garbage_collectable():
    class Cycle:
        pass

    try:
        frozen = memory.settle()
        assert frozen == gc.get_freeze_count() > 10_000  # this test process's modules, at the least
        # what the requests create afterwards is collected as before: a cycle made now is freed
        made = Cycle()
        made.me = made
        alive = sum(1 for o in gc.get_objects() if type(o) is Cycle)
        del made
        gc.collect()
        assert alive == 1 and not any(type(o) is Cycle for o in gc.get_objects())
    finally:
        gc.unfreeze()  # the rest of the suite runs with a plain collector
