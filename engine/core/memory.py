"""The memory of a long-running process (``tthc serve``, ``tthc worker``).

Python's cycle collector walks every object that has survived, on each full collection. A serving process holds
a few hundred thousand objects that live as long as it does (the modules, the parsed procedures, SQLAlchemy's
mappers and compiled statements, the fonts of the renderer), so each full collection cost 130–210 ms of CPU and
came every few requests (a command, or a document rendered after it). ``settle`` moves what exists once the
process has started into the collector's permanent generation: those objects are never walked again, and the
collections that remain see only what requests create.
"""
from __future__ import annotations

import gc


def settle() -> int:
    """Collect what start-up left behind, then freeze the survivors; returns how many objects were frozen. Call
    it once, after the application and its caches are built and before serving."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
