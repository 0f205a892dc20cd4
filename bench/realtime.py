"""Real time: a webhook's 200 → its message counted in the store's KPI buckets in MongoDB.

During the pipeline run (normal load: a steady rate, each message from its own customer) a
poller reads MongoDB every POLL_SECONDS. The aggregator claims an event's id
(`processed_events`, `kpi_aggregator:<event_id>`) in the same transaction as the `$inc` of its
hour and day buckets, so the moment the claim is visible is the moment the count is: the poll
reads the claims to time each message. Resolution: POLL_SECONDS.
"""

import asyncio
import time
from collections.abc import Mapping, Sequence

from bench.stats import Latency
from bench.webhooks import Webhook
from shared import mongo
from shared.events import event_id_for

POLL_SECONDS = 0.02


class KpiWatcher:
    """Records when each webhook's message became visible in the KPI buckets."""

    def __init__(self, mongodb_uri: str, database: str) -> None:
        self._client = mongo.connect(mongodb_uri)
        self._db = self._client[database]
        self.visible: dict[str, float] = {}  # customer -> perf_counter when counted

    async def watch(self, webhooks: Sequence[Webhook], timeout: float) -> None:
        ledger = {
            f"kpi_aggregator:{event_id_for('whatsapp.inbound', w.form['MessageSid'])}": w.customer
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
