"""MongoDB stopped for two minutes in the middle of a stream of customers.

Messages taken before the stop are still in the responder's hands (the model answers slowly):
they must be answered once MongoDB is back, not dead-lettered. ingest refuses none of the
webhooks meanwhile: it knows the stores from before the stop and publishes without its duplicate
guard (consumers deduplicate on event_id).
"""

import asyncio

import pytest

from tests.support.faults import FaultSystem, Scenario, check

pytestmark = pytest.mark.faults_slow

OUTAGE_SECONDS = 120.0


async def test_mongodb_stopped_for_two_minutes_mid_stream(own_system: FaultSystem) -> None:
    own_system.openai.latency_seconds = 3.0
    async with Scenario.run("MongoDB stopped 2 min mid-stream", own_system) as scenario:
        await scenario.burst(10)
        own_system.mongodb.stop()
        stream = asyncio.create_task(scenario.stream(seconds=OUTAGE_SECONDS, per_second=0.5))
        await asyncio.sleep(OUTAGE_SECONDS)
        await own_system.restart_server(own_system.mongodb)
        await stream
        await scenario.burst(10)
        await scenario.settle(OUTAGE_SECONDS * 2)
        row = await scenario.row()
    check(row)
    assert row.dead_lettered == 0
