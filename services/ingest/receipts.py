"""Which Twilio messages ingest already accepted, so a retried webhook publishes nothing new.

A receipt is claimed before the publish, in one atomic upsert that also returns what was there
before: of copies of one MessageSid arriving at once, exactly one wins (the others find the claim
and publish nothing), and a duplicate costs one round trip like a new message. The claim
is `accepted` once Kafka or the outbox took the event, released when neither did, and expires
after `ttl` if its holder died in between, so a later retry is not dropped. Consumers still
deduplicate on `event_id`: this guard keeps duplicates off the topic, it is not the guarantee.
So when MongoDB cannot be asked, the message is published unchecked rather than refused: Twilio
retries a refused webhook only once, and a duplicate's `event_id` (from the MessageSid) is the
original's.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import structlog
from pymongo import IndexModel, ReturnDocument
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
        claim = {"state": CLAIMED, "claimed_until": now + self._ttl, "received_at": now}
        try:
            held = await self._collection.find_one_and_update(
                {"_id": message_sid},
                {"$setOnInsert": claim},
                {"state": 1, "claimed_until": 1},
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError:  # a copy inserted it between our look and our insert
            return Claim.IN_PROGRESS
        if held is None:
            return Claim.NEW
        # Receipts written before claims existed have no state: they were accepted.
        if held.get("state", ACCEPTED) == ACCEPTED:
            return Claim.ACCEPTED
        if held["claimed_until"] > now:
            return Claim.IN_PROGRESS
        return await self._take_over(message_sid, now, claim)

    async def _take_over(self, message_sid: str, now: datetime, claim: dict[str, Any]) -> Claim:
        """The holder of an expired claim died: the first copy to replace the claim publishes."""
        expired = {"_id": message_sid, "state": CLAIMED, "claimed_until": {"$lte": now}}
        taken = await self._collection.update_one(expired, {"$set": claim})
        return Claim.NEW if taken.modified_count else Claim.IN_PROGRESS

    async def accept(self, message_sid: str) -> None:
        await self._collection.update_one(
            {"_id": message_sid}, {"$set": {"state": ACCEPTED}, "$unset": {"claimed_until": ""}}
        )

    async def release(self, message_sid: str) -> None:
        await self._collection.delete_one({"_id": message_sid, "state": CLAIMED})
