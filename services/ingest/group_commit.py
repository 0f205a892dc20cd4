"""Group commit: the writes of concurrent requests sent to MongoDB together, each request
awaiting its own outcome.

By default no timer decides when a batch goes: the first item starts a write at the next turn of
the event loop, and whatever arrives while that write is in flight waits for it and goes as the
next batch. A lone request is written at once; under load one round trip carries many, which on
the embedded MongoDB (a Python process) is most of what a webhook costs. A write that nobody
waits for before answering (an accept) may `linger`: each batch then also takes in what arrives
during that many seconds, so fewer, bigger writes reach the server.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

MAX_BATCH = 500  # keeps one command far below MongoDB's 16 MiB and 100,000-write limits

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """`write` takes a batch and returns one outcome per item, in order: an exception in place
    of an item's outcome fails that item alone, an exception raised fails the whole batch."""

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[Sequence[R | Exception]]],
        linger_seconds: float = 0.0,
    ) -> None:
        self._write = write
        self._linger = linger_seconds
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return await future

    async def _write_all(self) -> None:
        while self._waiting:
            batch: list[tuple[T, asyncio.Future[R]]] = []
            try:
                if self._linger:
                    await asyncio.sleep(self._linger)
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                outcomes = await self._write([item for item, _ in batch])
            except Exception as error:
                outcomes = [error] * len(batch)
            except BaseException:  # cancelled: no waiter is left hanging
                for _, future in [*batch, *self._waiting]:
                    future.cancel()
                raise
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # its request was cancelled meanwhile
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
