"""Run 3: replies/s when every answer takes the LLM a while (1 s by default).

Every conversation's message is posted up front; the responder works on many conversations at
once (KeyedConsumer), so it should beat a consumer that handles one message after another,
which can never exceed 1 / LLM latency replies per second.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.load import Tick, closed_loop
from bench.replies import wait_for_sends
from bench.stats import Latency
from bench.webhooks import Webhook, WebhookPoster
from tests.standins.twilio_api import TwilioStandIn


@dataclass(frozen=True)
class ResponderResult:
    conversations: int
    replied: int
    llm_latency: float
    posting_seconds: float  # first webhook sent → last webhook's 200
    seconds: float  # first webhook sent → last reply's Twilio send
    first_reply_seconds: float  # first webhook sent → first reply's Twilio send
    reply_latency: Latency | None  # each webhook's 200 → its reply's Twilio send

    @property
    def per_second(self) -> float:
        return self.replied / self.seconds if self.seconds else 0.0

    @property
    def sequential_per_second(self) -> float:
        """The most a one-message-at-a-time consumer could do: LLM time alone, nothing else."""
        return 1 / self.llm_latency

    @property
    def ratio(self) -> float:
        return self.per_second / self.sequential_per_second


async def measure_responder(
    ingest_url: str,
    twilio: TwilioStandIn,
    webhooks: Sequence[Webhook],
    concurrency: int,
    llm_latency: float,
    timeout: float,
    tick: Tick,
) -> ResponderResult:
    accepted: dict[str, float] = {}
    async with WebhookPoster(ingest_url, concurrency) as poster:

        async def post(webhook: Webhook) -> None:
            accepted[webhook.customer] = await poster.post(webhook)

        started = time.perf_counter()
        await closed_loop(webhooks, concurrency, post, tick=lambda: None)
        posted = time.perf_counter()
    sent = await wait_for_sends(twilio, [w.customer for w in webhooks], timeout, tick)
    latencies = [sent[customer] - accepted[customer] for customer in sent]
    return ResponderResult(
        conversations=len(webhooks),
        replied=len(sent),
        llm_latency=llm_latency,
        posting_seconds=posted - started,
        seconds=(max(sent.values()) - started) if sent else 0.0,
        first_reply_seconds=(min(sent.values()) - started) if sent else 0.0,
        reply_latency=Latency.of(latencies) if latencies else None,
    )
