"""Twilio answering 500 or too late, and the model timing out, while customers write."""

import asyncio

import pytest

from tests.support.faults import FaultSystem, Scenario, check

pytestmark = pytest.mark.faults_slow

CUSTOMERS = 10
OUTAGE_SECONDS = 30.0  # longer than the retries' backoff (about 7.5 s by default)


async def test_twilio_answering_500_for_half_a_minute(shared_system: FaultSystem) -> None:
    twilio = shared_system.twilio
    async with Scenario.run("Twilio 500 for 30 s", shared_system) as scenario:
        twilio.fail_next(100_000, status=500)
        try:
            await scenario.burst(CUSTOMERS)
            await asyncio.sleep(OUTAGE_SECONDS)
        finally:
            twilio.stop_failing()
        await scenario.settle()
        row = await scenario.row()
    check(row)
    assert row.dead_lettered == 0


async def test_twilio_timing_out_for_half_a_minute(shared_system: FaultSystem) -> None:
    """Twilio takes each message and answers after the client's timeout: a reply went out, the
    responder does not know it; it must not send it a second time."""
    twilio = shared_system.twilio
    async with Scenario.run("Twilio times out for 30 s", shared_system) as scenario:
        twilio.response_delay_seconds = shared_system.settings.twilio.timeout_seconds + 2
        try:
            await scenario.burst(CUSTOMERS)
            await asyncio.sleep(OUTAGE_SECONDS)
        finally:
            twilio.response_delay_seconds = 0.0
        await scenario.settle()
        row = await scenario.row()
    check(row)


async def test_the_model_timing_out(shared_system: FaultSystem) -> None:
    """The model answers after the LLM timeout: the customer gets the offline answer, once."""
    openai = shared_system.openai
    async with Scenario.run("LLM times out", shared_system) as scenario:
        openai.latency_seconds = shared_system.settings.llm.timeout_seconds + 5
        try:
            await scenario.burst(CUSTOMERS)
            await scenario.settle()
        finally:
            openai.latency_seconds = 0.0
        row = await scenario.row()
    check(row)
