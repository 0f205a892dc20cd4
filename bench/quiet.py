"""A measured run starts from a system at rest: no consumer has an event in flight or a record
left on its partitions, and no status callback of the Twilio stand-in is on its way.

A fixed pause between runs is not that: on a slow or shared machine run 2's replies were still
being carded when run 3's burst began, and run 3b timed the enricher working off both
(docs/benchmarks.md, 2026-12-08).
"""

import asyncio
import time
from collections.abc import Iterable

from bench.scrape import scrape
from tests.standins.twilio_api import TwilioStandIn

# What /metrics says is left to do: records taken and not finished, records not committed.
BUSY_METRICS = ("balas_events_in_flight", "balas_consumer_lag")
CHECK_SECONDS = 0.25
# At rest for this long: a consumer learns of new records at its next fetch (every 0.5 s at
# most when idle, shared/fetch_wait.py) and reports its lag at its next commit (0.2 s while
# records come, 1 s once quiet: shared/consumer.py; a lag shown late is too high, never too low).
QUIET_SECONDS = 1.0


async def work_left(metrics_urls: Iterable[str], twilio: TwilioStandIn) -> float:
    """Events in flight and records not committed, over every service, plus pending callbacks."""
    left = float(twilio.pending_callbacks())
    for url in metrics_urls:
        found = await scrape(url)
        left += sum(value for (name, _), value in found.samples.items() if name in BUSY_METRICS)
    return left


async def wait_until_quiet(
    metrics_urls: Iterable[str], twilio: TwilioStandIn, timeout: float
) -> float:
    """Waits until nothing is left to do for QUIET_SECONDS; returns the seconds it waited."""
    urls = list(metrics_urls)
    started = time.monotonic()
    quiet_since: float | None = None
    while True:
        now = time.monotonic()
        if await work_left(urls, twilio):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= QUIET_SECONDS:
            return now - started
        if now - started > timeout:
            raise TimeoutError(f"the services still had work after {timeout:.0f} s")
        await asyncio.sleep(CHECK_SECONDS)
