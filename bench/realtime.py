"""Real time: a webhook's 200 → its message's effect visible in MongoDB.

A poller reads MongoDB every POLL_SECONDS. The aggregator claims an event's id
(`processed_events`, `kpi_aggregator:<event_id>`) in the same transaction as the `$inc` of its
hour and day buckets, and the enricher (`enricher:<event_id>`) in the one that updates the
conversation card, so the moment the claim is visible is the moment the count or the card is:
the poll reads the claims to time each message. Resolution: POLL_SECONDS.
"""

import asyncio
import time
from collections.abc import Mapping, Sequence

from bench.stats import Latency
from bench.webhooks import Webhook
from shared import mongo
from shared.events import event_id_for

POLL_SECONDS = 0.02


class LedgerWatcher:
    """Records when each webhook's message was claimed by a consumer group (`kpi_aggregator`:
    counted in the KPI buckets; `enricher`: on the conversation card)."""

    def __init__(self, mongodb_uri: str, database: str, group: str) -> None:
        self._group = group
        self._client = mongo.connect(mongodb_uri)
        self._db = self._client[database]
        self.visible: dict[str, float] = {}  # customer -> perf_counter when counted

    async def watch(self, webhooks: Sequence[Webhook], timeout: float) -> None:
        ledger = {
            f"{self._group}:{event_id_for('whatsapp.inbound', w.form['MessageSid'])}": w.customer
            for w in webhooks
        }
        deadline = time.perf_counter() + timeout
        try:
            while len(self.visible) < len(ledger) and time.perf_counter() < deadline:
                pending = [id_ for id_, customer in ledger.items() if customer not in self.visible]
                found = self._db[mongo.PROCESSED_EVENTS].find({"_id": {"$in": pending}}, {"_id": 1})
                seen = time.perf_counter()
                async for document in found:
                    self.visible[ledger[document["_id"]]] = seen
                await asyncio.sleep(POLL_SECONDS)
        finally:
            await self._client.close()


def visibility(accepted: Mapping[str, float], visible: Mapping[str, float]) -> Latency | None:
    lags = [visible[customer] - accepted[customer] for customer in visible if customer in accepted]
    return Latency.of(lags) if lags else None
