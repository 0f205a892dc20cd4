"""Which Twilio messages ingest already published, so a retried webhook publishes nothing new.

This is a fast path, not the guarantee: the receipt is written after Kafka acknowledged, so a
crash in between republishes the same event (same `event_id`), which consumers deduplicate.
"""

import contextlib

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from shared.events import utcnow
from shared.mongo import Database, Indexes, Retention

WEBHOOK_RECEIPTS = "webhook_receipts"
WEBHOOK_RECEIPT_TTL_SECONDS = 7 * 24 * 3600  # far beyond Twilio's retry horizon


def indexes(retention: Retention) -> Indexes:
    return {
        WEBHOOK_RECEIPTS: [
            IndexModel("received_at", expireAfterSeconds=WEBHOOK_RECEIPT_TTL_SECONDS)
        ]
    }


class WebhookReceipts:
    def __init__(self, db: Database) -> None:
        self._collection = db[WEBHOOK_RECEIPTS]

    async def seen(self, message_sid: str) -> bool:
        return await self._collection.find_one({"_id": message_sid}, {"_id": 1}) is not None

    async def record(self, message_sid: str) -> None:
        with contextlib.suppress(DuplicateKeyError):  # a concurrent retry recorded it first
            await self._collection.insert_one({"_id": message_sid, "received_at": utcnow()})
