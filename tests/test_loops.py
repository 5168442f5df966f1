"""engine.core.loops: a synchronous call that starts its own event loop, from a thread that may run one."""
from __future__ import annotations

import asyncio
import threading

import pytest

from engine.core import loops
from engine.core.errors import Invalid


async def _answer() -> int:
    return 42


def _own_loop() -> tuple[int, str]:
    """What pyHanko's synchronous calls do: asyncio.run; and the thread it ran in."""
    return asyncio.run(_answer()), threading.current_thread().name


def test_without_a_running_loop_the_call_runs_here():
    assert not loops.loop_running()
    assert loops.outside_loop(_own_loop) == (42, threading.current_thread().name)


def test_inside_a_running_loop_the_call_runs_in_a_thread_of_its_own_and_its_answer_comes_back():
    async def main():
        assert loops.loop_running()
        refused = _answer()
        with pytest.raises(RuntimeError, match="running event loop"):  # what the engine got before
            asyncio.run(refused)
        refused.close()  # never awaited: closed, so no warning is left behind
        return loops.outside_loop(_own_loop)

    answer, thread = asyncio.run(main())
    assert answer == 42 and thread == "tthc-outside-loop" != threading.current_thread().name


def test_the_calls_exception_reaches_the_caller_as_it_is():
    def refuse(reason):
        raise Invalid(reason, code="bad_key")

    async def main():
        loops.outside_loop(refuse, "sai mật khẩu khóa")

    with pytest.raises(Invalid, match="sai mật khẩu khóa") as caught:
        asyncio.run(main())
    assert caught.value.code == "bad_key"
