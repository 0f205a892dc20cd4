"""A customer message in, whichever channel brought it: claim its receipt (so a retried webhook
publishes nothing new), then deliver its event to Kafka or the outbox. Every channel's route
calls this once per message and answers by the outcome (services/ingest/receipts.py)."""

import contextlib
from enum import StrEnum

from pymongo.errors import PyMongoError

from services.ingest.deps import IngestContext
from services.ingest.receipts import Claim
from shared.events import Event


class Taken(StrEnum):
    """What became of a message; the values are the webhook metric's outcomes."""

    ACCEPTED = "accepted"  # published or in the outbox: answer 200
    DUPLICATE = "duplicate"  # an earlier copy was accepted: answer 200, nothing new
    IN_PROGRESS = "in_progress"  # another copy is being accepted: ask for a retry (503)


async def claim_and_deliver(context: IngestContext, receipt_id: str, event: Event) -> Taken:
    """`receipt_id` is the channel's own message id (a MessageSid, a `wamid`)."""
    claim = await context.receipts.claim(receipt_id)
    if claim is Claim.ACCEPTED:
        return Taken.DUPLICATE
    if claim is Claim.IN_PROGRESS:  # its outcome is not known yet
        return Taken.IN_PROGRESS
    if claim is Claim.UNCHECKED:  # no receipt to settle; consumers deduplicate on event_id
        await context.deliverer.deliver(event)
        return Taken.ACCEPTED
    try:
        await context.deliverer.deliver(event)
    except BaseException:
        with contextlib.suppress(PyMongoError):  # else the claim expires
            await context.receipts.release(receipt_id)
        raise
    with contextlib.suppress(PyMongoError):  # accepted all the same; the claim expires
        await context.receipts.accept(receipt_id)
    return Taken.ACCEPTED
