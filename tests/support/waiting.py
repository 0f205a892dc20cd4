"""Waiting for the system under test: async pipelines settle at their own pace, so tests poll."""

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

DEADLINE_SECONDS = 30.0

Condition = Callable[[], bool]


async def eventually(check: Callable[[], Awaitable[Any] | Any], timeout: float = 60.0) -> Any:
    """Poll until `check` (plain or async) returns something truthy; fail if it never does."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(
                f"condition not met within {timeout} s: {getattr(check, '__name__', check)}"
            )
        await asyncio.sleep(0.2)


async def wait_until(condition: Condition, what: str, timeout: float = DEADLINE_SECONDS) -> None:
    """Poll `condition` until it holds; fail with `what` after a generous deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)
