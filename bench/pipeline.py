"""Run 2: the system's own overhead, from a webhook's 200 to the reply's Twilio send.

The LLM stand-in answers at once, so what is left is ingest → Kafka → responder (MongoDB
writes, the loopback LLM and Twilio calls) → Twilio. Messages arrive at a gentle, steady rate
(open loop), each from its own customer, so no conversation waits for another.
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.load import Tick
from bench.replies import wait_for_sends
from bench.stats import Latency
from bench.webhooks import Webhook, WebhookPoster
from tests.standins.twilio_api import TwilioStandIn


@dataclass(frozen=True)
class PipelineResult:
    messages: int
    replied: int
    overhead: Latency | None
    _accepted: dict[str, float] = field(default_factory=dict, repr=False)  # customer -> 200 at

    @property
    def missing(self) -> int:
        return self.messages - self.replied


async def measure_pipeline(
    ingest_url: str,
    twilio: TwilioStandIn,
    webhooks: Sequence[Webhook],
    rate: float,
    timeout: float,
    tick: Tick,
) -> PipelineResult:
    accepted: dict[str, float] = {}
    async with WebhookPoster(ingest_url, concurrency=8) as poster:

        async def post(webhook: Webhook) -> None:
            accepted[webhook.customer] = await poster.post(webhook)

        started = time.perf_counter()
        posts = []
        for index, webhook in enumerate(webhooks):
            await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
            posts.append(asyncio.create_task(post(webhook)))
        await asyncio.gather(*posts)
    sent = await wait_for_sends(twilio, [w.customer for w in webhooks], timeout, tick)
    overheads = [sent[customer] - accepted[customer] for customer in sent]
    return PipelineResult(
        messages=len(webhooks),
        replied=len(sent),
        overhead=Latency.of(overheads) if overheads else None,
        _accepted=accepted,
    )
