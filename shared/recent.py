"""A per-process memory of slow-changing documents, each trusted for a few seconds: a change
made elsewhere (the console's settings, a knowledge upload) reaches the next message at most
that late, and a busy store's messages stop re-reading the same document."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Recent(Generic[V]):
    """Values by key, each kept `seconds` after it was read; 0 keeps nothing."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._values: dict[str, tuple[float, V]] = {}
        self._loading: dict[str, asyncio.Future[V]] = {}

    def get(self, key: str) -> V | None:
        kept = self._values.get(key)
        if kept is None or kept[0] <= self._clock():
            return None
        return kept[1]

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[V]]) -> V:
        """The value in memory, else what `load` reads; the callers that find it missing at
        the same moment (a busy store's messages as it expires) share one read."""
        if (value := self.get(key)) is not None:
            return value
        if self._seconds <= 0:
            return await load()  # nothing is kept: each caller reads for itself
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.ensure_future(self._load(key, load))
        return await asyncio.shield(
            loading
        )  # one caller's cancellation leaves the read to the rest

    async def _load(self, key: str, load: Callable[[], Awaitable[V]]) -> V:
        try:
            return self.put(key, await load())
        finally:
            del self._loading[key]

    def put(self, key: str, value: V) -> V:
        if self._seconds > 0:
            now = self._clock()
            # expired entries go as new ones come: the memory holds only the recent stores
            self._values = {k: kept for k, kept in self._values.items() if kept[0] > now}
            self._values[key] = (now + self._seconds, value)
        return value

    def forget(self, key: str) -> None:
        self._values.pop(key, None)
