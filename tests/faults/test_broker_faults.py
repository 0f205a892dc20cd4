"""The embedded broker killed (kill -9) or paused (SIGSTOP) while customers write.

The embedded broker keeps topics in memory: a broker restarted here is recovered as `balas run`'s
supervisor recovers it (topics recreated, the journal's unfinished events published again), and
the running services must pick it up by themselves.
"""

import asyncio
import signal

import pytest

from balas.processes import SERVICES
from tests.support.faults import FaultSystem, Scenario, check
from tests.support.waiting import eventually

pytestmark = pytest.mark.faults_slow

CUSTOMERS = 20
CONSUMERS = ("responder", "enricher", "kpi_aggregator")
OUTAGE_ANSWER_WAIT_SECONDS = 240.0


async def kill_broker_mid_burst(system: FaultSystem, scenario: Scenario) -> None:
    """A burst, the broker killed once its first reply went out; the burst's end while it is
    dead."""
    burst = asyncio.create_task(scenario.burst(CUSTOMERS))
    await eventually(scenario.answered_any)
    system.kill_server(system.kafka)
    await scenario.burst(5)
    await burst


async def test_broker_killed_mid_burst_and_restarted_under_running_services(
    own_system: FaultSystem,
) -> None:
    """What the supervisor does once it watches the broker: start it again; the services stay."""
    async with Scenario.run("broker kill -9 mid-burst, broker restarted", own_system) as scenario:
        await kill_broker_mid_burst(own_system, scenario)
        await own_system.restart_server(own_system.kafka)
        await scenario.settle(OUTAGE_ANSWER_WAIT_SECONDS)
        row = await scenario.row()
    check(row)


async def test_broker_killed_mid_burst_then_everything_restarted(own_system: FaultSystem) -> None:
    """What an operator does: restart `balas run`, broker and services."""
    async with Scenario.run("broker kill -9 mid-burst, all restarted", own_system) as scenario:
        await kill_broker_mid_burst(own_system, scenario)
        own_system.services.stop()
        await own_system.restart_server(own_system.kafka)
        for service in SERVICES:
            own_system.services.start(service)
        await own_system.services.wait_ready()
        await scenario.settle(OUTAGE_ANSWER_WAIT_SECONDS)
        row = await scenario.row()
    check(row)


async def test_events_accepted_while_consumers_are_stopped_survive_a_broker_kill(
    own_system: FaultSystem,
) -> None:
    async with Scenario.run(
        "consumers stopped, accepted, broker kill -9, restarted", own_system
    ) as scenario:
        own_system.pause(*CONSUMERS)
        try:
            await scenario.burst(CUSTOMERS)
            own_system.kill_server(own_system.kafka)
            await own_system.restart_server(own_system.kafka)
        finally:
            own_system.resume(*CONSUMERS)
        await scenario.settle(OUTAGE_ANSWER_WAIT_SECONDS)
        row = await scenario.row()
    assert row.accepted == CUSTOMERS
    check(row)


async def test_broker_paused_for_thirty_seconds_while_webhooks_arrive(
    own_system: FaultSystem,
) -> None:
    async with Scenario.run("broker SIGSTOP 30 s", own_system) as scenario:
        await scenario.burst(5)
        own_system.signal_server(own_system.kafka, signal.SIGSTOP)
        try:
            await scenario.stream(seconds=30, per_second=1)
        finally:
            own_system.signal_server(own_system.kafka, signal.SIGCONT)
        await scenario.burst(5)
        await scenario.settle(OUTAGE_ANSWER_WAIT_SECONDS)
        row = await scenario.row()
    check(row)
