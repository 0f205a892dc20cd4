"""Throughput of the responder and the enricher with one, two and three replicas in one group.

The fault suite's system (tests/support/faults.py: the five services as processes on an embedded
broker and database, the OpenAI and Twilio stand-ins on loopback); each step adds one process of
the responder and of the enricher, then posts a burst of new customers at once and times the
first post to the last reply. The stand-in answers at once, so what bounds it is this machine's
CPU, shared by every process (`bench.machine` prints the load).

    .venv/bin/python -m bench.scale_out [--customers 60]
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from balas.processes import ServiceProcesses
from shared.infra import free_port
from tests.support.faults import FaultSystem, Scenario, fault_system

SCALED = ("responder", "enricher")
MOST_REPLICAS = 3


async def burst_seconds(system: FaultSystem, customers: int, replicas: int) -> tuple[float, int]:
    """Seconds from the first post to the last reply, and the customers answered exactly once."""
    async with Scenario.run(f"{replicas} replicas", system) as scenario:
        started = time.perf_counter()
        await scenario.burst(customers)
        waiting = scenario.accepted_customers()
        while waiting and time.perf_counter() - started < 300:
            waiting = {customer for customer in waiting if not scenario.replies(customer)}
            await asyncio.sleep(0.1)
        seconds = time.perf_counter() - started
        await scenario.settle()
        row = await scenario.row()
    return seconds, row.answered_once


async def measure(system: FaultSystem, customers: int) -> list[str]:
    extras: list[ServiceProcesses] = []  # one per added replica: one process per service each
    lines = [
        "| replicas | customers | answered once | seconds | replies/s |",
        "|---|---|---|---|---|",
    ]
    try:
        for replicas in range(1, MOST_REPLICAS + 1):
            if replicas > 1:
                extra = ServiceProcesses(
                    env=system.services.env, log_dir=system.settings.data_dir / f"r{replicas}"
                )
                extras.append(extra)
                for service in SCALED:
                    extra.start(service, free_port())
                await extra.wait_ready()
            await burst_seconds(system, 10, replicas)  # warm-up, and the groups' rebalance
            seconds, answered = await burst_seconds(system, customers, replicas)
            lines.append(
                f"| {replicas} | {customers} | {answered} | {seconds:.1f} | "
                f"{answered / seconds:.1f} |"
            )
            print(lines[-1], flush=True)
    finally:
        for extra in extras:
            extra.stop()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=60)
    arguments = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as directory,
        fault_system(Path(directory)) as system,
    ):
        lines = asyncio.run(measure(system, arguments.customers))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
