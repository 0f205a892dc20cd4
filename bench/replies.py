"""Waiting for the replies the Twilio stand-in receives, one per customer."""

import asyncio
import time
from collections.abc import Sequence

from bench.load import Tick
from tests.standins.twilio_api import TwilioStandIn


async def wait_for_sends(
    twilio: TwilioStandIn, customers: Sequence[str], timeout: float, tick: Tick
) -> dict[str, float]:
    """`perf_counter()` of each customer's first send; stops early at `timeout` seconds."""
    deadline = time.monotonic() + timeout
    waiting = set(customers)
    arrived: dict[str, float] = {}
    while waiting and time.monotonic() < deadline:
        first_arrivals = twilio.first_arrivals()
        for customer in [c for c in waiting if c in first_arrivals]:
            arrived[customer] = first_arrivals[customer]
            waiting.discard(customer)
            tick()
        await asyncio.sleep(0.05)
    return arrived
