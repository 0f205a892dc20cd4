"""The customer-service windows: free text only within 24 hours of the customer's last message;
after it, only an approved template on WhatsApp, and on Messenger and Instagram only an agent's
reply within 7 days, sent with Meta's HUMAN_AGENT tag (the bot never sends after 24 hours). The
console checks the rule when an agent replies and the responder checks it again before sending
(docs/conversations.md#the-24-hour-window, docs/channels.md)."""

from datetime import datetime, timedelta
from enum import StrEnum

from pymongo import DESCENDING

from shared.channels import META_MESSAGING, Channel
from shared.conversations.collections import MESSAGES
from shared.events import Author
from shared.mongo import Database, Document

SERVICE_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
OUTSIDE_WINDOW = "outside_24h_window"
OUTSIDE_HUMAN_AGENT_WINDOW = "outside_7d_window"


class FreeText(StrEnum):
    """How a free-text message may go out; the values are the Send API's `messaging_type`."""

    RESPONSE = "RESPONSE"  # within 24 hours, on every channel
    HUMAN_AGENT = "MESSAGE_TAG"  # an agent's reply within 7 days, on Messenger and Instagram


async def last_customer_message(db: Database, conversation_id: str) -> Document | None:
    """The customer's newest message of the conversation (`_id`, `created_at`), if any."""
    return await db[MESSAGES].find_one(
        {"conversation_id": conversation_id, "direction": "inbound"},
        {"_id": 1, "created_at": 1},
        sort=[("created_at", DESCENDING)],
    )


def within_window(last_customer_message_at: datetime | None, at: datetime) -> bool:
    """True when free text may go out at `at` within the 24-hour window."""
    if last_customer_message_at is None:
        return False
    return at - last_customer_message_at <= SERVICE_WINDOW


def free_text(
    channel: Channel, author: Author, last_customer_message_at: datetime | None, at: datetime
) -> FreeText | None:
    """How `author`'s free text may go out at `at` on `channel`; None when it may not (the
    reason is `outside_reason`)."""
    if within_window(last_customer_message_at, at):
        return FreeText.RESPONSE
    tagged = channel in META_MESSAGING and author is Author.AGENT
    if tagged and last_customer_message_at and at - last_customer_message_at <= HUMAN_AGENT_WINDOW:
        return FreeText.HUMAN_AGENT
    return None


def outside_reason(channel: Channel, author: Author) -> str:
    """Why free text may not go out: the window that closed."""
    if channel in META_MESSAGING and author is Author.AGENT:
        return OUTSIDE_HUMAN_AGENT_WINDOW
    return OUTSIDE_WINDOW
