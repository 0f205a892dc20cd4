"""A soak: a steady stream of customers for 10 minutes (FAULTS_SOAK_SECONDS for another length),
each service's memory and the consumers' lag sampled every 10 s and printed. Every customer is
answered once, and the lag drains to nothing once the stream stops."""

import asyncio
import contextlib
import os
import time

import psutil
import pytest

from tests.support.faults import FaultSystem, MiB, Scenario, check
from tests.support.waiting import eventually

pytestmark = pytest.mark.faults_slow

SOAK_SECONDS = float(os.environ.get("FAULTS_SOAK_SECONDS", "600"))
CUSTOMERS_PER_SECOND = 2.0
SAMPLE_SECONDS = 10.0


async def sample(system: FaultSystem, lags: list[int]) -> None:
    """Every 10 s, printed: seconds since the start, the consumers' lag (kept in `lags`), each
    process's RSS in MiB."""
    started = time.monotonic()
    while True:
        memory = []
        for name, pid in system.pids().items():
            with contextlib.suppress(psutil.Error):
                memory.append(f"{name} {psutil.Process(pid).memory_info().rss // MiB}")
        lag = await system.consumer_lag()
        lags.append(lag)
        print(f"{time.monotonic() - started:5.0f} s  lag {lag:4d}  " + ", ".join(memory))
        await asyncio.sleep(SAMPLE_SECONDS)


async def test_a_steady_stream_for_ten_minutes(own_system: FaultSystem) -> None:
    lags: list[int] = []
    async with Scenario.run(f"soak {SOAK_SECONDS:.0f} s", own_system) as scenario:
        sampler = asyncio.create_task(sample(own_system, lags))
        try:
            await scenario.stream(SOAK_SECONDS, CUSTOMERS_PER_SECOND)
            await scenario.settle()

            async def drained() -> bool:
                return await own_system.consumer_lag() <= 0

            await eventually(drained, timeout=120)
        finally:
            sampler.cancel()
        row = await scenario.row(note=f"{len(lags)} samples, highest lag {max(lags)}")
    check(row)
