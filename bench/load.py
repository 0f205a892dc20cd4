"""Closed-loop load: `concurrency` workers, each doing one job after another until none are left."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from bench.stats import Latency

Job = TypeVar("Job")
Tick = Callable[[], None]


@dataclass(frozen=True)
class Throughput:
    count: int
    seconds: float
    latency: Latency

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


async def closed_loop(
    jobs: Iterable[Job], concurrency: int, work: Callable[[Job], Awaitable[object]], tick: Tick
) -> Throughput:
    """Each job's latency is from its start to its end; throughput is jobs over the wall time."""
    pending = iter(jobs)
    latencies: list[float] = []

    async def worker() -> None:
        for job in pending:  # one shared iterator: each job is taken by exactly one worker
            started = time.perf_counter()
            await work(job)
            latencies.append(time.perf_counter() - started)
            tick()

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    seconds = time.perf_counter() - started
    return Throughput(len(latencies), seconds, Latency.of(latencies))
