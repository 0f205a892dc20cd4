"""Bursts on a healthy system: one message posted many times at once, many customers at once."""

import asyncio

import pytest

from balas.simulate import new_customer_number, new_message_sid
from tests.support.faults import FaultSystem, Scenario, check, published


async def twenty_copies(scenario: Scenario) -> str:
    """One customer's message posted 20 times at once, as Twilio's retries could; its SID."""
    customer, message_sid = new_customer_number(), new_message_sid()
    await asyncio.gather(*(scenario.post(customer, MessageSid=message_sid) for _ in range(20)))
    return message_sid


async def test_one_message_sid_posted_twenty_times_at_once_is_answered_once(
    shared_system: FaultSystem,
) -> None:
    async with Scenario.run("same MessageSid x20 at once", shared_system) as scenario:
        await twenty_copies(scenario)
        await scenario.settle()
        row = await scenario.row()
    check(row)
    assert row.accepted == 1


@pytest.mark.faults_slow  # a quick scenario, kept out of make test's time
async def test_one_message_sid_posted_twenty_times_at_once_is_published_once(
    shared_system: FaultSystem,
) -> None:
    async with Scenario.run("same MessageSid x20 at once, published", shared_system) as scenario:
        message_sid = await twenty_copies(scenario)
        await scenario.settle()
        times = await published(shared_system, message_sid)
        row = await scenario.row(note=f"published {times} times")
    check(row)
    assert times == 1


async def test_fifty_customers_at_once_are_each_answered_once(shared_system: FaultSystem) -> None:
    async with Scenario.run("50 customers at once", shared_system) as scenario:
        await scenario.burst(50)
        await scenario.settle()
        row = await scenario.row()
    check(row)
    assert row.answered_once == 50
