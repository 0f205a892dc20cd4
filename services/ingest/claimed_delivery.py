"""A customer message in, whichever channel brought it: claim its receipt (so a retried webhook
publishes nothing new), then deliver its event to Kafka or the outbox. Every channel's route
calls this once per message and answers by the outcome (services/ingest/receipts.py)."""

from enum import StrEnum

from services.ingest.deps import IngestContext
from services.ingest.receipts import Claim, deliver_once
from shared.events import Event


class Taken(StrEnum):
    """What became of a message; the values are the webhook metric's outcomes."""

    ACCEPTED = "accepted"  # published or in the outbox: answer 200
    DUPLICATE = "duplicate"  # an earlier copy was accepted: answer 200, nothing new
    IN_PROGRESS = "in_progress"  # another copy is being accepted: ask for a retry (503)


async def claim_and_deliver(context: IngestContext, receipt_id: str, event: Event) -> Taken:
    """`receipt_id` is the channel's own message id (a MessageSid, a `wamid`)."""
    claim = await deliver_once(context.receipts, context.deliverer, receipt_id, event)
    if claim is Claim.ACCEPTED:
        return Taken.DUPLICATE
    if claim is Claim.IN_PROGRESS:  # its outcome is not known yet
        return Taken.IN_PROGRESS
    return Taken.ACCEPTED
