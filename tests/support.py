"""Helpers for tests of every tier (a testing module: tests import it, never each other)."""

import asyncio
import inspect
import io
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from balas.simulate import new_customer_number as new_customer
from shared import kafka

__all__ = ["BytesSource", "ConsoleApi", "eventually", "new_customer", "read_topic"]


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


async def read_topic(bootstrap_servers: str, topic: str) -> list[bytes]:
    """Every record value in `topic` right now, from the beginning."""
    return [record.value for record in await kafka.read_topic(bootstrap_servers, topic)]


@dataclass
class ConsoleApi:
    """The console API served on loopback, with its lifespan (Kafka producer, MongoDB) running."""

    url: str
    token: str

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        token = self.token if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)


class BytesSource:
    """An upload held in memory, read like FastAPI's UploadFile (knowledge library tests)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    async def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    async def seek(self, offset: int) -> int:
        return self._data.seek(offset)
