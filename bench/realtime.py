"""Real time: a webhook's 200 → its message's effect visible in MongoDB.

The aggregator claims an event's id (`processed_events`, `kpi_aggregator:<event_id>`) in the
same transaction as the `$inc` of its hour and day buckets, and the enricher
(`enricher:<event_id>`) in the one that updates the conversation card, so the moment the claim
is visible is the moment the count or the card is. A change stream on the claims tells the
bench of each as its transaction commits. It replaced a poll of the pending ids every 20 ms,
which cost the embedded server about 2 ms of CPU per card during a burst, as much as a fifth of
what it measured (docs/benchmarks.md, 2026-12-07); the stream costs it a few per cent of that.
"""

import time
from collections.abc import Mapping, Sequence

from bench.stats import Latency
from bench.webhooks import Webhook
from shared import mongo
from shared.events import event_id_for
from shared.mongo import Document

WAIT_MS = 500  # how long one read of the stream waits for a claim (the deadline's resolution)


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
        claims: list[Document] = [
            {
                "$match": {
                    "operationType": "insert",
                    "documentKey._id": {"$regex": f"^{self._group}:"},
                }
            },
            {"$project": {"documentKey": 1}},
        ]
        try:
            async with await self._db[mongo.PROCESSED_EVENTS].watch(
                claims, max_await_time_ms=WAIT_MS
            ) as stream:
                # Claims committed before the stream opened: one read, after it opened.
                found = self._db[mongo.PROCESSED_EVENTS].find(
                    {"_id": {"$in": list(ledger)}}, {"_id": 1}
                )
                async for document in found:
                    self._see(ledger, document["_id"])
                while len(self.visible) < len(ledger) and time.perf_counter() < deadline:
                    change = await stream.try_next()
                    if change is not None:
                        self._see(ledger, change["documentKey"]["_id"])
        finally:
            await self._client.close()

    def _see(self, ledger: Mapping[str, str], ledger_id: str) -> None:
        customer = ledger.get(ledger_id)
        if customer is not None:
            self.visible.setdefault(customer, time.perf_counter())


def visibility(accepted: Mapping[str, float], visible: Mapping[str, float]) -> Latency | None:
    lags = [visible[customer] - accepted[customer] for customer in visible if customer in accepted]
    return Latency.of(lags) if lags else None
