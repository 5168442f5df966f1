"""The memory of a long-running process (``tthc serve``, ``tthc worker``).

Python's cycle collector walks every object that has survived, on each full collection. A serving process holds
a few hundred thousand objects that live as long as it does (the modules, the parsed procedures, SQLAlchemy's
mappers and compiled statements, the fonts of the renderer), so each full collection cost 130–210 ms of CPU and
came every few requests (a command, or a document rendered after it). ``settle`` moves what exists once the
process has started into the collector's permanent generation: those objects are never walked again, and the
collections that remain see only what requests create. ``young_garbage`` makes a document's garbage (the most a
request leaves) be collected in the document's own time, young, not in the next command's.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager


def settle() -> int:
    """Collect what start-up left behind, then freeze the survivors; returns how many objects were frozen. Call
    it once, after the application and its caches are built and before serving."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


_lock = threading.Lock()
_depth = 0          # threads inside ``young_garbage`` now
_resume = False     # whether the collector was on when the first of them came in
# Objects allocated (less freed) since the last collection beyond which a thread leaving collects even while
# others are still inside: documents that overlap without end (a backlog drained by two threads, signers) must
# not keep the collector waiting for ever. A sealed form leaves about 100,000.
BOUND = 250_000


@contextmanager
def young_garbage():
    """Around a step of a document's making that is all CPU (reads aside): rendering it, sealing and verifying
    it, signing it with a key file (engine.cases.issuing, engine.cases.signing_requests). Such work allocates
    about 100,000 objects a document, many in reference cycles (pyHanko's readers, certificate paths). Left
    alone, the collector ran about 140 times inside one sealed form, and what the work still held at those
    moments moved into older generations: collected later, in whatever ran next (a command's request, 100-300
    ms for a full collection). Here the collector waits until the step is done, then collects once
    (``collect_due``), when the step's garbage is unreachable and still young.

    Never around a wait (a TSA, revocation sources, a token, remote signing, a database lock or connection):
    the collector is off for the whole process meanwhile. Threads may overlap and nest; the collector resumes
    when the last one leaves, unless it was off before the first came in. While they overlap, one leaving
    collects when more than ``BOUND`` objects wait."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            last, resume = _depth == 0, _resume
            if last and resume:
                gc.enable()
        if (last and resume) or (resume and gc.get_count()[0] > BOUND):
            collect_due()


def collect_due() -> None:
    """Collect now what the collector would soon collect on its own: the youngest generation, or an older one
    that this collection would make due (CPython collects a generation once the collections of the one below
    it exceed its threshold; for the oldest it also waits for enough survivors, which it does not show: here
    the oldest is collected on the count alone, in the document's time)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    gc.collect(next((g for g in (2, 1) if counts[g] >= thresholds[g]), 0))
