"""A per-process memory of slow-changing documents, each trusted for a few seconds: a change
made elsewhere (the console's settings, a knowledge upload) reaches the next message at most
that late, and a busy store's messages stop re-reading the same document."""

import time
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Recent(Generic[V]):
    """Values by key, each kept `seconds` after it was read; 0 keeps nothing."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._values: dict[str, tuple[float, V]] = {}

    def get(self, key: str) -> V | None:
        kept = self._values.get(key)
        if kept is None or kept[0] <= self._clock():
            return None
        return kept[1]

    def put(self, key: str, value: V) -> V:
        if self._seconds > 0:
            now = self._clock()
            # expired entries go as new ones come: the memory holds only the recent stores
            self._values = {k: kept for k, kept in self._values.items() if kept[0] > now}
            self._values[key] = (now + self._seconds, value)
        return value

    def forget(self, key: str) -> None:
        self._values.pop(key, None)
