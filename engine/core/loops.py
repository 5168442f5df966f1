"""Synchronous library calls that start an event loop of their own, called from a thread that may run one.

pyHanko's synchronous API (``PdfSigner.sign_pdf``, ``validate_pdf_signature``) and our remote signer's
certificate fetch each run ``asyncio.run``, which Python refuses in a thread whose event loop is running ("cannot
be called from a running event loop", and the coroutine is left never awaited). The engine's callers are
synchronous (request threads, the worker), but a thread with a loop is not rare: an async server calling the
engine through a sync adapter, a browser driver's thread in the tests. There, signing failed and a valid
signature was judged invalid. ``outside_loop`` runs such a call as before where no loop runs, and in a thread of
its own where one does (the caller waits for it: the call stays synchronous).
"""
from __future__ import annotations

import asyncio
import functools
import threading
from typing import Callable, TypeVar

T = TypeVar("T")


def loop_running() -> bool:
    """True when this thread runs an event loop now (``asyncio.run`` would be refused here)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def outside_loop(fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)``, in another thread when this one runs an event loop; its result or its exception."""
    if not loop_running():
        return fn(*args, **kwargs)
    outcome: dict[str, object] = {}

    def call() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller as it is, as if called here
            outcome["error"] = exc

    worker = threading.Thread(target=call, name="tthc-outside-loop", daemon=True)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def off_loop(fn: Callable[..., T]) -> Callable[..., T]:
    """A function that is always called ``outside_loop``."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return outside_loop(fn, *args, **kwargs)

    return wrapper
