"""The per-process memory of slow-changing documents: a value is trusted for its seconds, then
read again; a forgotten store's value is gone at once."""

import asyncio

from shared.recent import Recent


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_answered_from_memory_until_its_seconds_pass() -> None:
    clock = Clock()
    recent: Recent[int] = Recent(2.0, clock)
    assert recent.put("s-1", 7) == 7
    clock.now += 1.9
    assert recent.get("s-1") == 7
    clock.now += 0.1
    assert recent.get("s-1") is None  # expired: the next message reads the document again


def test_forget_drops_a_store_at_once_and_leaves_the_others() -> None:
    recent: Recent[int] = Recent(2.0, Clock())
    recent.put("s-1", 1)
    recent.put("s-2", 2)
    recent.forget("s-1")
    assert recent.get("s-1") is None
    assert recent.get("s-2") == 2


def test_no_seconds_keeps_nothing() -> None:
    recent: Recent[int] = Recent(0.0, Clock())
    assert recent.put("s-1", 1) == 1
    assert recent.get("s-1") is None


def test_expired_values_leave_memory_as_new_ones_come() -> None:
    clock = Clock()
    recent: Recent[int] = Recent(1.0, clock)
    recent.put("s-1", 1)
    clock.now += 5
    recent.put("s-2", 2)
    clock.now -= 5  # even read back in time, the expired value is no longer held
    assert recent.get("s-1") is None


async def test_callers_that_miss_at_the_same_moment_share_one_read() -> None:
    clock = Clock()
    recent: Recent[int] = Recent(2.0, clock)
    reads = 0
    release = asyncio.Event()

    async def read() -> int:
        nonlocal reads
        reads += 1
        await release.wait()  # the database is slow: every caller arrives meanwhile
        return reads

    callers = [asyncio.create_task(recent.get_or_load("s-1", read)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*callers) == [1] * 5
    assert reads == 1
    clock.now += 2.0
    assert await recent.get_or_load("s-1", read) == 2  # expired: read again


async def test_without_seconds_every_caller_reads() -> None:
    recent: Recent[int] = Recent(0.0, Clock())
    reads = 0

    async def read() -> int:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0)
        return 7

    assert await asyncio.gather(*(recent.get_or_load("s-1", read) for _ in range(3))) == [7] * 3
    assert reads == 3
