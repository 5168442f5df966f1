"""Work on untrusted input in a bounded child process, so that a runaway cannot starve the web process.

A crafted file of a few kilobytes can make a parser inflate hundreds of megabytes or loop for minutes (#11: a
20 KB PDF held a server thread for 46 s to 113 s and left the server 1.3 GB larger). Such work runs here in
a child process with resource limits set by the child itself before it reads the input: address space
(RLIMIT_AS, what the parse may add to the child), CPU seconds (RLIMIT_CPU), no files written, no core dump;
and the parent kills it after a wall-clock timeout. The child answers one picklable value; any overrun
(time, memory, a crash: an allocation refused in C may end the child by a signal) is an ``Overrun`` with its
kind, never a hang or a bigger web process.

Children are forked from a forkserver (a clean single-threaded process started once, with the parsers
already imported), not from the threaded web process: forking a process whose other threads hold locks is
unsafe, and spawning a fresh interpreter per file would cost a second of imports. At most ``SLOTS`` checks
run at once per process; further requests wait for a slot.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

SLOTS = max(2, os.cpu_count() or 2)

_context = multiprocessing.get_context("forkserver")
_slots = threading.BoundedSemaphore(SLOTS)
_preloaded: set[str] = set()


def preload(modules: list[str]) -> None:
    """Modules the forkserver imports once, so that each child starts with them loaded (the callers name
    their parsers: this module knows none). Effective for a forkserver not yet started."""
    _preloaded.update(modules)
    _context.set_forkserver_preload(sorted(_preloaded))


@dataclass(frozen=True)
class Limits:
    """What one check may use: wall-clock and CPU seconds, and memory beyond what the child starts with."""

    # A legitimate upload of 10 MB with tens of thousands of objects is read in a few CPU seconds; the wall
    # clock leaves room for a machine under load.
    seconds: float = 30.0
    cpu_seconds: int = 20
    memory_bytes: int = 512 * 1024 * 1024


class Overrun(Exception):
    """The check went over a limit or died; ``kind`` is time, memory or crash."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind, self.detail = kind, detail


def _virtual_size() -> int:
    """The child's current address space (it inherits the forkserver's: interpreter and preloaded modules)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _confine(limits: Limits) -> None:
    try:
        base = _virtual_size()
    except OSError:  # no /proc: bound the whole address space
        base = 0
    memory = base + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child(conn, function: Callable, args: tuple, limits: Limits) -> None:
    """Runs in the child: limits first, then the work; the answer is ("ok", value) or (kind, detail)."""
    try:
        _confine(limits)
        answer = ("ok", function(*args))
    except MemoryError:
        answer = ("memory", "")
    except RecursionError:
        answer = ("crash", "nesting too deep")
    except BaseException as exc:  # noqa: BLE001 - any failure of the work is reported, not raised in the child
        answer = ("crash", f"{type(exc).__name__}: {exc}"[:500])
    try:
        conn.send(answer)
    except MemoryError:
        conn.send(("memory", ""))
    finally:
        conn.close()


def run(function: Callable, *args, limits: Limits = Limits()) -> Any:
    """``function(*args)`` in a bounded child process; its value, or ``Overrun``. ``function`` and its
    arguments must be picklable (a module-level function and plain data)."""
    with _slots:
        receiver, sender = _context.Pipe(duplex=False)
        process = _context.Process(target=_child, args=(sender, function, args, limits), daemon=True)
        started = time.monotonic()
        process.start()
        sender.close()
        try:
            remaining = limits.seconds - (time.monotonic() - started)
            if not receiver.poll(max(0.0, remaining)):
                raise Overrun("time", f"over {limits.seconds:g} s")
            try:
                kind, value = receiver.recv()
            except (EOFError, OSError):  # killed by a limit (SIGXCPU, SIGKILL, SIGSEGV on allocation failure)
                process.join(5)
                code = process.exitcode
                raise Overrun("time" if code in (-24, -9) else "crash", f"exit code {code}") from None
        finally:
            if process.is_alive():
                process.kill()
            process.join(5)
            receiver.close()
            if process.exitcode is not None:
                process.close()
    if kind != "ok":
        raise Overrun(kind, value)
    return value
