"""Run 3b: the enricher's lag under a burst, watched during run 3.

Run 3 posts every conversation's message at once (32 clients, closed loop), so the enricher
takes a burst of customer messages while the responder works on the same messages and MongoDB.
For each message: the event's time (`occurred_at`, set by ingest just before it publishes; kept
as the message's `created_at`) → the enricher's claim of the event visible in MongoDB, which
commits in the same transaction as the conversation card's update, labels included
(bench/realtime.py). Not the webhook's 200: under a burst ingest answers late, after the
enricher may already have updated the card. The backlog is the number of messages published
and not yet on their card: the enricher's lag in messages.
"""

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.stats import Latency
from bench.webhooks import Webhook
from shared import mongo
from shared.conversations.collections import MESSAGES


@dataclass(frozen=True)
class EnricherBurst:
    messages: int  # published by ingest
    carded: int  # on their conversation card
    lag: Latency | None  # each event published → its card updated
    seconds: float  # first event published → last card updated
    publishing: float  # first event published → last event published: ingest's share of it
    peak_backlog: int  # most messages published and not yet on their card at any moment

    @property
    def per_second(self) -> float:
        return self.carded / self.seconds if self.seconds else 0.0


async def published_at(
    mongodb_uri: str, database: str, webhooks: Sequence[Webhook]
) -> dict[str, float]:
    """customer -> `perf_counter()` reading of the moment ingest stamped their message's event
    (wall clock, same machine, millisecond precision as MongoDB stores it)."""
    offset = time.time() - time.perf_counter()
    customers = {w.form["MessageSid"]: w.customer for w in webhooks}
    client = mongo.connect(mongodb_uri)
    try:
        found = client[database][MESSAGES].find(
            {"_id": {"$in": list(customers)}}, {"created_at": 1}
        )
        return {
            customers[document["_id"]]: document["created_at"].timestamp() - offset
            async for document in found
        }
    finally:
        await client.close()


def enricher_burst(published: Mapping[str, float], carded: Mapping[str, float]) -> EnricherBurst:
    lags = [carded[customer] - published[customer] for customer in carded if customer in published]
    # +1 when a message is published, -1 when its card is updated; ties: the card first.
    moves = sorted([(t, 1) for t in published.values()] + [(t, -1) for t in carded.values()])
    backlog = peak = 0
    for _, move in moves:
        backlog += move
        peak = max(peak, backlog)
    seconds = max(carded.values()) - min(published.values()) if carded and published else 0.0
    publishing = max(published.values()) - min(published.values()) if published else 0.0
    return EnricherBurst(
        messages=len(published),
        carded=len(lags),
        lag=Latency.of(lags) if lags else None,
        seconds=seconds,
        publishing=publishing,
        peak_backlog=peak,
    )
