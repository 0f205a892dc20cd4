"""Helpers for tests of every tier (a testing module: tests import it, never each other)."""

import asyncio
import inspect
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from shared import kafka


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


def new_customer() -> str:
    return f"+62812{uuid.uuid4().int % 10**8:08d}"


async def read_topic(bootstrap_servers: str, topic: str) -> list[bytes]:
    """Every record value in `topic` right now, from the beginning."""
    return [record.value for record in await kafka.read_topic(bootstrap_servers, topic)]
