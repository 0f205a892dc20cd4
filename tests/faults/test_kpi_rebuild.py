"""`balas kpi rebuild` right after a burst gives the figures the live aggregator counted."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.faults import FaultSystem, Scenario, balas, check, kpi_totals
from tests.support.waiting import eventually

pytestmark = pytest.mark.faults_slow

CUSTOMERS = 30


async def test_a_rebuild_right_after_a_burst_equals_the_live_figures(
    shared_system: FaultSystem,
) -> None:
    async with Scenario.run("kpi rebuild after a burst", shared_system) as scenario:
        await scenario.burst(CUSTOMERS)
        await scenario.settle()

        async def counted() -> dict[str, float]:
            totals = await kpi_totals(shared_system, scenario.store)
            done = (
                totals.get("inbound_messages") == totals.get("outbound_messages.bot") == CUSTOMERS
            )
            return totals if done else {}

        live = await eventually(counted, timeout=120)
        today = datetime.now(UTC).date()
        await balas(
            shared_system,
            *("kpi", "rebuild", "--store", scenario.store.id),
            *("--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))),
        )
        rebuilt = await kpi_totals(shared_system, scenario.store)
        row = await scenario.row(
            note=f"inbound live {live['inbound_messages']:.0f}, "
            f"rebuilt {rebuilt.get('inbound_messages', 0):.0f}"
        )
    check(row)
    assert rebuilt == live
