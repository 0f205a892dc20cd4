"""WhatsApp's 24-hour customer-service window: free text only within 24 hours of the customer's
last message; after it, only an approved template. The console checks it when an agent replies
and the responder checks it again before sending (docs/conversations.md#the-24-hour-window)."""

from datetime import datetime, timedelta

from pymongo import DESCENDING

from shared.conversations.collections import MESSAGES
from shared.mongo import Database, Document

SERVICE_WINDOW = timedelta(hours=24)
OUTSIDE_WINDOW = "outside_24h_window"


async def last_customer_message(db: Database, conversation_id: str) -> Document | None:
    """The customer's newest message of the conversation (`_id`, `created_at`), if any."""
    return await db[MESSAGES].find_one(
        {"conversation_id": conversation_id, "direction": "inbound"},
        {"_id": 1, "created_at": 1},
        sort=[("created_at", DESCENDING)],
    )


def within_window(last_customer_message_at: datetime | None, at: datetime) -> bool:
    """True when free text may go out at `at`."""
    if last_customer_message_at is None:
        return False
    return at - last_customer_message_at <= SERVICE_WINDOW
