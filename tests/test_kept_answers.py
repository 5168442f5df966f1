"""engine.core.kept: the public results page's months, computed once however many ask at the same moment.

The page answers anyone for any month; each month's answer is a report (about 0.7 s at a million dossiers). Before,
every request that came while the first was computing computed it again, every month asked stayed in memory, and
any number of months could be computed at once. Threads here are real; no test sleeps: each waits for a state
(a thread waiting, a computation started) with a deadline.
"""
from __future__ import annotations

import threading
import time

import pytest

from engine.core.kept import KeptAnswers

DEADLINE = 20.0


def until(condition) -> None:
    """Wait for ``condition()`` (a state other threads reach), failing after DEADLINE seconds."""
    end = time.monotonic() + DEADLINE
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < end, "the state was not reached"
        pause.wait(0.002)


def test_eight_at_once_compute_one_month_once():
    kept, calls, release = KeptAnswers(300, 36, 2), [], threading.Event()

    def compute():
        calls.append(1)
        release.wait(DEADLINE)
        return {"rows": len(calls)}

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(kept.get("2026-11", compute))) for _ in range(8)]
    threads[0].start()
    until(lambda: calls)  # the first is computing
    for t in threads[1:]:
        t.start()
    until(lambda: kept.waiting("2026-11") == 7)  # the seven others wait for it (before: each computed it)
    release.set()
    for t in threads:
        t.join(DEADLINE)
    assert len(calls) == 1 and answers == [{"rows": 1}] * 8
    assert kept.get("2026-11", lambda: pytest.fail("kept: not computed again")) == {"rows": 1}


def test_a_failed_computation_is_computed_again_by_one_who_waited():
    kept, started, release = KeptAnswers(300, 36, 2), threading.Event(), threading.Event()

    def fails():
        started.set()
        release.wait(DEADLINE)
        raise TimeoutError("statement timeout")

    failed, got = [], []

    def first():
        try:
            kept.get("2026-11", fails)
        except TimeoutError as exc:
            failed.append(str(exc))

    a = threading.Thread(target=first)
    a.start()
    started.wait(DEADLINE)
    b = threading.Thread(target=lambda: got.append(kept.get("2026-11", lambda: "computed by the second")))
    b.start()
    until(lambda: kept.waiting("2026-11") == 1)
    release.set()
    a.join(DEADLINE)
    b.join(DEADLINE)
    assert failed == ["statement timeout"] and got == ["computed by the second"]
    assert kept.waiting("2026-11") == 0 and kept.get("2026-11", lambda: "again") == "computed by the second"


def test_at_most_two_months_are_computed_at_a_time():
    kept, lock, release = KeptAnswers(300, 36, 2), threading.Lock(), threading.Event()
    running, most, started = [0], [0], []

    def compute(month):
        def work():
            with lock:
                started.append(month)
                running[0] += 1
                most[0] = max(most[0], running[0])
            release.wait(DEADLINE)
            with lock:
                running[0] -= 1
            return month
        return work

    months = ["2026-09", "2026-10", "2026-11"]
    threads = [threading.Thread(target=kept.get, args=(m, compute(m))) for m in months]
    for t in threads:
        t.start()
    until(lambda: len(started) == 2)
    assert running[0] == 2  # the third month waits for a turn
    release.set()
    for t in threads:
        t.join(DEADLINE)
    assert sorted(started) == months and most[0] == 2 and len(kept) == 3


def test_the_months_kept_are_bounded_and_expire():
    now = [1000.0]
    kept = KeptAnswers(300, 3, 2, clock=lambda: now[0])
    for i, month in enumerate(["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]):
        now[0] += 1
        kept.get(month, lambda i=i: i)
    assert len(kept) == 3  # the months asked first were let go
    assert kept.get("2026-01", lambda: "again") == "again"
    assert kept.get("2026-05", lambda: pytest.fail("still kept")) == 4
    now[0] += 300  # five minutes later: computed again
    assert kept.get("2026-05", lambda: "fresh") == "fresh"
