"""Which Twilio messages ingest already accepted, so a retried webhook publishes nothing new.

A receipt is claimed before the publish, in one conditional upsert: of copies of one MessageSid
arriving at once, exactly one wins (the others find the claim and publish nothing). The claim
is `accepted` once Kafka or the outbox took the event, released when neither did, and expires
after `ttl` if its holder died in between, so a later retry is not dropped. Consumers still
deduplicate on `event_id`: this guard keeps duplicates off the topic, it is not the guarantee.
So when MongoDB cannot be asked, the message is published unchecked rather than refused: Twilio
retries a refused webhook only once, and a duplicate's `event_id` (from the MessageSid) is the
original's.
"""

from datetime import timedelta
from enum import StrEnum

import structlog
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError, PyMongoError

from services.ingest.metrics import UNCHECKED_RECEIPTS
from shared.events import utcnow
from shared.mongo import Database, Indexes, Retention

WEBHOOK_RECEIPTS = "webhook_receipts"
WEBHOOK_RECEIPT_TTL_SECONDS = 7 * 24 * 3600  # far beyond Twilio's retry horizon
CLAIMED, ACCEPTED = "claimed", "accepted"

log = structlog.get_logger(__name__)


class Claim(StrEnum):
    NEW = "new"  # this request publishes the message
    ACCEPTED = "accepted"  # an earlier copy was accepted: a duplicate
    IN_PROGRESS = "in_progress"  # another copy is being accepted right now
    UNCHECKED = "unchecked"  # MongoDB did not answer: this request publishes, unguarded


def indexes(retention: Retention) -> Indexes:
    return {
        WEBHOOK_RECEIPTS: [
            IndexModel("received_at", expireAfterSeconds=WEBHOOK_RECEIPT_TTL_SECONDS)
        ]
    }


class WebhookReceipts:
    def __init__(self, db: Database, ttl: timedelta) -> None:
        self._collection = db[WEBHOOK_RECEIPTS]
        self._ttl = ttl

    async def claim(self, message_sid: str) -> Claim:
        try:
            return await self._claim(message_sid)
        except PyMongoError as error:
            UNCHECKED_RECEIPTS.inc()
            log.warning("receipt not claimed: mongodb failed", sid=message_sid, error=repr(error))
            return Claim.UNCHECKED

    async def _claim(self, message_sid: str) -> Claim:
        now = utcnow()
        expired = {"state": CLAIMED, "claimed_until": {"$lte": now}}
        try:
            await self._collection.update_one(
                {"_id": message_sid, **expired},
                {"$set": {"state": CLAIMED, "claimed_until": now + self._ttl, "received_at": now}},
                upsert=True,
            )
        except DuplicateKeyError:  # a receipt exists that is accepted or claimed in time
            held = await self._collection.find_one({"_id": message_sid}, {"state": 1})
            # Receipts written before claims existed have no state: they were accepted.
            if held is not None and held.get("state", ACCEPTED) == ACCEPTED:
                return Claim.ACCEPTED
            return Claim.IN_PROGRESS
        return Claim.NEW

    async def accept(self, message_sid: str) -> None:
        await self._collection.update_one(
            {"_id": message_sid}, {"$set": {"state": ACCEPTED}, "$unset": {"claimed_until": ""}}
        )

    async def release(self, message_sid: str) -> None:
        await self._collection.delete_one({"_id": message_sid, "state": CLAIMED})
