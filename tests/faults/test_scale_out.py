"""Two replicas of the responder and of the enricher in one consumer group, on the embedded broker:
they share the partitions, every customer is answered once, and a replica killed in the middle
of a burst (never started again) leaves its partitions to the survivor without loss or repeat."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from balas.processes import ServiceProcesses
from shared import topics
from shared.infra import free_port
from tests.support.faults import FaultSystem, Scenario, check
from tests.support.waiting import eventually

SCALED = ("responder", "enricher")
WARM_UP_CUSTOMERS = 30


@contextlib.asynccontextmanager
async def second_replicas(system: FaultSystem) -> AsyncIterator[ServiceProcesses]:
    """One more process of each scaled service, in the same groups (same settings)."""
    replicas = ServiceProcesses(env=system.services.env, log_dir=system.settings.data_dir / "logs2")
    try:
        for service in SCALED:
            replicas.start(service, free_port())
        await replicas.wait_ready()
        yield replicas
    finally:
        replicas.stop()


async def handled(port: int, group: str, topic: str) -> float:
    """Records of `topic` a replica's consumer group member has handled (its /metrics)."""
    series = f'balas_events_consumed_total{{group="{group}",outcome="handled",topic="{topic}"}}'
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(series)
    )


async def handled_by_each(
    system: FaultSystem, replicas: ServiceProcesses, service: str
) -> list[float]:
    """Messages the first and the second replica of `service` have handled so far."""
    group = service  # each service's consumer group is named after it
    return [
        await handled(ports[service], group, topics.WHATSAPP_INBOUND)
        for ports in (system.services.ports, replicas.ports)
    ]


async def burst_with_a_replica_killed(
    system: FaultSystem, name: str, customers: int, seconds: float
) -> None:
    async with second_replicas(system) as replicas:
        before = {service: await handled_by_each(system, replicas, service) for service in SCALED}
        async with Scenario.run(f"{name}: both replicas", system) as scenario:
            await scenario.burst(WARM_UP_CUSTOMERS)  # conversations on every partition
            await scenario.settle()
            row = await scenario.row()
        check(row)
        for service in SCALED:
            after = await handled_by_each(system, replicas, service)
            # each replica took a share: the group gave both of them partitions
            assert all(a > b for a, b in zip(after, before[service], strict=True)), service

        async with Scenario.run(f"{name}: one killed", system) as scenario:
            traffic = asyncio.create_task(scenario.stream(seconds, customers / seconds))
            await eventually(scenario.answered_any, timeout=60)
            for service in SCALED:
                replicas.kill(service)  # not started again: the survivor takes its partitions
            await traffic
            await scenario.settle()
            row = await scenario.row()
    check(row)
    assert row.answered_once == row.accepted > 0


async def test_two_replicas_share_partitions_and_survive_one_killed_mid_burst(
    shared_system: FaultSystem,
) -> None:
    await burst_with_a_replica_killed(
        shared_system, "2 replicas, one killed mid-burst", customers=20, seconds=4
    )


@pytest.mark.faults_slow
async def test_a_minute_of_traffic_with_a_replica_killed_loses_and_repeats_nothing(
    own_system: FaultSystem,
) -> None:
    await burst_with_a_replica_killed(
        own_system, "2 replicas, one killed in 60 s of traffic", customers=120, seconds=60
    )
