"""Delivery statuses that come before their message's id is recorded.

Twilio (and Meta) may post "sent" within milliseconds of accepting a send, and the callback's
path (ingest, Kafka, the responder) can beat the responder's own write of the id after the send
answered. Such a status matches no message; it is kept here by the channel's message id and
applied when the id is recorded (`ConversationLog.mark_sent`). One never recorded expires after
`EARLY_STATUS_SECONDS`. A kept document holds no personal data: the id and the statuses.
"""

from datetime import datetime
from typing import Any

from pymongo import UpdateOne

from shared.conversations.collections import EARLY_DELIVERY_STATUSES
from shared.events import DeliveryStatus, DeliveryStatusChanged, utcnow
from shared.mongo import Database


def advance(
    message_id: str, status: DeliveryStatus, error_code: str | None, at: datetime
) -> UpdateOne:
    """The tick of the message with `message_id` moved to `status`, forward only: a repeated or
    late status matches nothing."""
    return UpdateOne(
        {"twilio_sid": message_id, "delivery_rank": {"$lt": status.rank}},
        {
            "$set": {
                "delivery_status": status.value,
                "delivery_rank": status.rank,
                "delivery_error_code": error_code,
                "delivery_updated_at": at,
            }
        },
    )


async def keep(db: Database, events: list[DeliveryStatusChanged]) -> None:
    """Keep statuses whose message id is not recorded yet: one document per id, a field per
    status, so repeats and any order give the same document."""
    await db[EARLY_DELIVERY_STATUSES].bulk_write(
        [
            UpdateOne(
                {"_id": event.twilio_sid},
                {
                    "$set": {
                        f"statuses.{event.status.value}": {
                            "error_code": event.error_code,
                            "occurred_at": event.occurred_at,
                        }
                    },
                    "$setOnInsert": {"received_at": utcnow()},
                },
                upsert=True,
            )
            for event in events
        ],
        ordered=False,
    )


async def kept_advance(db: Database, message_id: str) -> UpdateOne | None:
    """The furthest status kept for `message_id` as its tick's update; None when none came
    early."""
    kept = await db[EARLY_DELIVERY_STATUSES].find_one({"_id": message_id})
    if kept is None:
        return None
    statuses: dict[str, Any] = kept["statuses"]
    status = max((DeliveryStatus(name) for name in statuses), key=lambda s: s.rank)
    held = statuses[status.value]
    return advance(message_id, status, held["error_code"], held["occurred_at"])
