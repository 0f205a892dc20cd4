"""kill -9 of a worker in the middle of a burst, started again a moment later: every customer is
answered once, and the aggregator's figures count every message once."""

import asyncio

import pytest

from tests.support.faults import FaultSystem, Scenario, check, kpi_totals
from tests.support.waiting import eventually

pytestmark = pytest.mark.faults_slow

CUSTOMERS = 30


@pytest.mark.parametrize("service", ["responder", "enricher", "kpi_aggregator"])
async def test_a_worker_killed_mid_burst_loses_and_repeats_nothing(
    shared_system: FaultSystem, service: str
) -> None:
    async with Scenario.run(f"kill -9 {service} mid-burst", shared_system) as scenario:
        burst = asyncio.create_task(scenario.burst(CUSTOMERS))
        await eventually(scenario.answered_any, timeout=60)
        shared_system.services.kill(service)
        await burst
        await shared_system.restart(service)
        await scenario.settle()

        async def counted() -> dict[str, float]:
            totals = await kpi_totals(shared_system, scenario.store)
            return totals if totals.get("inbound_messages") == CUSTOMERS else {}

        totals = await eventually(counted, timeout=120)
        row = await scenario.row()
    check(row)
    assert totals["inbound_messages"] == CUSTOMERS
