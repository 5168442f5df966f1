"""Answers kept a few minutes in the process, computed once however many ask at the same moment.

The public results page (engine.web.statistics_pages) answers anyone, without a login, for any month asked: each
answer is a report over the month (about 0.7 s at a million dossiers). Kept per month, it was still computed by
every request that came before the first one finished (a link shared at 8:00), the months kept were never let go,
and any number of months could be computed at once. ``KeptAnswers`` computes one key once while the others asking
for it wait for that answer, at most ``at_once`` keys at a time, and keeps at most ``most`` answers, each
``seconds`` (the clock is ``time.monotonic``: how long an answer is kept is not the legal clock).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Hashable


class _Flight:
    """One computation under way: those who ask meanwhile wait for it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.answer: Any = None
        self.failed = False
        self.waiting = 0


class KeptAnswers:
    def __init__(self, seconds: float, most: int, at_once: int, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.most, self.clock = seconds, most, clock
        self._lock = threading.Lock()
        self._kept: dict[Hashable, tuple[float, Any]] = {}  # key -> (until, answer)
        self._flights: dict[Hashable, _Flight] = {}
        self._computing = threading.BoundedSemaphore(at_once)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The answer kept for ``key``, else the one being computed for it (waited for), else ``compute()``'s.
        A computation that fails fails for its caller only: one who waited for it computes in turn."""
        while True:
            with self._lock:
                kept = self._kept.get(key)
                if kept is not None and kept[0] > self.clock():
                    return kept[1]
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = _Flight()
                    break
                flight.waiting += 1
            flight.done.wait()
            if not flight.failed:
                return flight.answer
        try:
            with self._computing:
                answer = compute()
        except BaseException:
            flight.failed = True
            raise
        else:
            flight.answer = answer
            with self._lock:
                self._keep(key, answer)
            return answer
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def waiting(self, key: Hashable) -> int:
        """How many wait for ``key``'s computation under way (0: none under way)."""
        with self._lock:
            flight = self._flights.get(key)
            return flight.waiting if flight is not None else 0

    def __len__(self) -> int:
        return len(self._kept)

    def _keep(self, key: Hashable, answer: Any) -> None:
        now = self.clock()
        self._kept[key] = (now + self.seconds, answer)
        if len(self._kept) > self.most:  # the expired first, then those kept the longest
            for old in [k for k, (until, _a) in self._kept.items() if until <= now]:
                del self._kept[old]
            for old, _kept in sorted(self._kept.items(), key=lambda item: item[1][0])[:len(self._kept) - self.most]:
                del self._kept[old]
