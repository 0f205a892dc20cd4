"""Which Twilio messages ingest already accepted, so a retried webhook publishes nothing new.

A receipt is claimed before the publish by inserting it under the MessageSid: of copies of one
message arriving at once, exactly one insert wins, and the others get a duplicate-key error and
publish nothing. The claim is accepted once Kafka or the outbox took the event, released when
neither did, and expires after `ttl` if its holder died in between, so a later retry is not
dropped. The inserts of concurrent webhooks go to MongoDB in batches
(services/ingest/group_commit.py), and so do the accepts: one document per batch lists the
accepted ids (indexed), because on the embedded MongoDB updating each claim cost ten times the
server's CPU of one more index entry. Claims accepted in place (`state: accepted`, before the
lists) and receipts from before claims existed (no state) still count as accepted.

The webhook is answered once its event is delivered, without waiting for the accept: the
message is safe in Kafka or the outbox by then, and an accept that never lands (a crash, an
outage) only leaves the claim to expire. Until it lands, a copy arriving at this process is
answered as a duplicate after it; one arriving at another replica is told to retry (503).

Consumers still deduplicate on `event_id`: this guard keeps duplicates off the topic, it is not
the guarantee. So when MongoDB cannot be asked, the message is published unchecked rather than
refused: Twilio retries a refused webhook only once, and a duplicate's `event_id` (from the
MessageSid) is the original's.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum

import structlog
from pymongo import IndexModel
from pymongo.errors import BulkWriteError, PyMongoError, WriteError

from services.ingest.delivery import Deliverer
from services.ingest.group_commit import GroupCommit
from services.ingest.metrics import UNCHECKED_RECEIPTS
from shared.events import Event, utcnow
from shared.mongo import DUPLICATE_KEY, Database, Document, Indexes, Retention

WEBHOOK_RECEIPTS = "webhook_receipts"
WEBHOOK_RECEIPT_TTL_SECONDS = 7 * 24 * 3600  # far beyond Twilio's retry horizon
CLAIMED, ACCEPTED = "claimed", "accepted"
ACCEPTED_IDS = "accepted"  # an acceptance list's field: the receipt ids it accepted
# Accepts are written after the answer: gathering them a little longer makes one update of
# dozens of receipts under load instead of one every few webhooks. A copy reaching another
# replica meanwhile is told to retry, as for any claim in progress.
ACCEPT_LINGER_SECONDS = 0.05

log = structlog.get_logger(__name__)


class Claim(StrEnum):
    NEW = "new"  # this request publishes the message
    ACCEPTED = "accepted"  # an earlier copy was accepted: a duplicate
    IN_PROGRESS = "in_progress"  # another copy is being accepted right now
    UNCHECKED = "unchecked"  # MongoDB did not answer: this request publishes, unguarded


def indexes(retention: Retention) -> Indexes:
    return {
        WEBHOOK_RECEIPTS: [
            IndexModel("received_at", expireAfterSeconds=WEBHOOK_RECEIPT_TTL_SECONDS),
            IndexModel(ACCEPTED_IDS, sparse=True),  # only the acceptance lists have it
        ]
    }


class WebhookReceipts:
    def __init__(self, db: Database, ttl: timedelta) -> None:
        self._db, self._collection = db, db[WEBHOOK_RECEIPTS]
        self._ttl = ttl
        self._inserts = GroupCommit[Document, bool](self._insert_claims)
        self._accepts = GroupCommit[str, None](self._accept_claims, ACCEPT_LINGER_SECONDS)
        self._accepting: dict[str, asyncio.Task[None]] = {}  # receipt id -> its accept

    async def claim(self, receipt_id: str) -> Claim:
        try:
            return await self._claim(receipt_id)
        except PyMongoError as error:
            UNCHECKED_RECEIPTS.inc()
            log.warning("receipt not claimed: mongodb failed", sid=receipt_id, error=repr(error))
            return Claim.UNCHECKED

    async def _claim(self, receipt_id: str) -> Claim:
        now = utcnow()
        claim = {"state": CLAIMED, "claimed_until": now + self._ttl, "received_at": now}
        if await self._inserts.submit({"_id": receipt_id, **claim}):
            return Claim.NEW
        if (accepting := self._accepting.get(receipt_id)) is not None:
            with contextlib.suppress(PyMongoError):  # a reader then sees it accepted
                await asyncio.shield(accepting)
            return Claim.ACCEPTED
        # Rare: a receipt exists. Unless it was accepted, an expired claim's holder died: this
        # copy takes it over.
        if await is_accepted(self._db, receipt_id):
            return Claim.ACCEPTED
        expired = {"_id": receipt_id, "state": CLAIMED, "claimed_until": {"$lte": now}}
        taken = await self._collection.update_one(expired, {"$set": claim})
        if taken.modified_count:
            return Claim.NEW
        return Claim.ACCEPTED if await is_accepted(self._db, receipt_id) else Claim.IN_PROGRESS

    async def _insert_claims(self, claims: list[Document]) -> Sequence[bool | Exception]:
        """True for each claim inserted, False for each whose receipt exists."""
        try:
            await self._collection.insert_many(claims, ordered=False)
        except BulkWriteError as error:
            failed = {item["index"]: item for item in error.details.get("writeErrors", [])}
            return [_claimed(failed.get(index)) for index in range(len(claims))]
        return [True] * len(claims)

    async def accept(self, receipt_id: str) -> None:
        await self._accepts.submit(receipt_id)

    def accept_soon(self, receipt_id: str) -> None:
        """The accept written in the background: the caller may answer at once."""
        accepting = asyncio.create_task(self.accept(receipt_id))
        self._accepting[receipt_id] = accepting
        accepting.add_done_callback(lambda _: self._accepting.pop(receipt_id, None))
        accepting.add_done_callback(_log_failed_accept)

    async def settle(self) -> None:
        """Wait for the accepts still being written (at shutdown)."""
        await asyncio.gather(*self._accepting.values(), return_exceptions=True)

    async def _accept_claims(self, receipt_ids: list[str]) -> Sequence[None]:
        await self._collection.insert_one({ACCEPTED_IDS: receipt_ids, "received_at": utcnow()})
        return [None] * len(receipt_ids)

    async def release(self, receipt_id: str) -> None:
        await self._collection.delete_one({"_id": receipt_id, "state": CLAIMED})


async def is_accepted(db: Database, receipt_id: str) -> bool:
    """Whether an acceptance list names the receipt, or it was accepted in place."""
    receipts = db[WEBHOOK_RECEIPTS]
    if await receipts.find_one({ACCEPTED_IDS: receipt_id}, {"_id": 1}):
        return True
    held = await receipts.find_one({"_id": receipt_id}, {"state": 1})
    # Receipts written before claims existed have no state: they were accepted.
    return held is not None and held.get("state", ACCEPTED) == ACCEPTED


def _log_failed_accept(accepting: asyncio.Task[None]) -> None:
    if not accepting.cancelled() and (error := accepting.exception()) is not None:
        # accepted all the same: the claim expires, and a later copy is published again
        log.warning("receipt not accepted: mongodb failed", error=repr(error))


def _claimed(failure: Document | None) -> bool | Exception:
    if failure is None:
        return True
    if failure.get("code") == DUPLICATE_KEY:
        return False
    return WriteError(failure.get("errmsg", "write failed"), failure.get("code"), failure)


async def deliver_once(
    receipts: WebhookReceipts, deliverer: Deliverer, receipt_id: str, event: Event
) -> Claim:
    """The event delivered (published, or in the outbox) unless a copy with this receipt id was
    accepted before (ACCEPTED) or is being accepted right now (IN_PROGRESS: answer a retry
    later). A NEW claim is accepted once delivered and released if delivery failed, so a retry
    may deliver it; an UNCHECKED one is delivered without a receipt."""
    claim = await receipts.claim(receipt_id)
    if claim is Claim.UNCHECKED:  # no receipt to settle; consumers deduplicate on event_id
        await deliverer.deliver(event)
    elif claim is Claim.NEW:
        try:
            await deliverer.deliver(event)
        except BaseException:
            with contextlib.suppress(PyMongoError):  # else the claim expires
                await receipts.release(receipt_id)
            raise
        receipts.accept_soon(receipt_id)
    return claim
