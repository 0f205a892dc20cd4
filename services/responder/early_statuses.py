"""Delivery statuses that come before their message's id is recorded.

Twilio (and Meta) may post "sent" within milliseconds of accepting a send, and the callback's
path (ingest, Kafka, the responder) can beat the responder's own write of the id after the send
answered. A status that names our message (`DeliveryStatusChanged.message_id`: a reply sent
through Twilio or the Cloud API) finds it by `_id` all the same. One that names only the
channel's id (a send from before the upgrade, Messenger, Instagram) matches no message; it is
kept here by that id and applied when the id is recorded (`ConversationLog.mark_sent`). One
never recorded expires after `EARLY_STATUS_SECONDS`. A kept document holds no personal data:
the id and the statuses.
"""

from datetime import datetime
from typing import Any, NamedTuple

from pymongo import UpdateOne

from shared.conversations.collections import EARLY_DELIVERY_STATUSES
from shared.events import DeliveryStatus, DeliveryStatusChanged, utcnow
from shared.mongo import Database


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


class KeptStatus(NamedTuple):
    status: DeliveryStatus
    error_code: str | None
    occurred_at: datetime


async def furthest_kept(db: Database, message_id: str) -> KeptStatus | None:
    """The furthest status kept for `message_id`; None when none came early."""
    kept = await db[EARLY_DELIVERY_STATUSES].find_one({"_id": message_id})
    if kept is None:
        return None
    statuses: dict[str, Any] = kept["statuses"]
    status = max((DeliveryStatus(name) for name in statuses), key=lambda s: s.rank)
    held = statuses[status.value]
    return KeptStatus(status, held["error_code"], held["occurred_at"])
