"""Settling a survey in `csat_surveys` with the customer's next message.

The enricher and the responder both read each conversation's messages in order, so whichever
of them sees the next message first settles the survey with it (a conditional update) and the
other finds the same answer: both agree on which message is a rating without talking to each
other.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pymongo import DESCENDING, ReturnDocument

from shared.conversations.collections import CSAT_SURVEYS
from shared.conversations.csat.rules import rating_of
from shared.events import MessageReceived
from shared.mongo import Database


@dataclass(frozen=True)
class Rated:
    """A survey and the rating a message gave it."""

    survey: dict[str, Any]
    rating: int


async def awaiting_answer(db: Database, conversation_ids: Iterable[str]) -> set[str]:
    """Of `conversation_ids`, those with a sent survey: only their messages may settle one
    (one query for a batch, instead of `settle` for each of its messages)."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return set()
    found = await db[CSAT_SURVEYS].distinct(
        "conversation_id", {"conversation_id": {"$in": ids}, "state": "sent"}
    )
    return set(found)


async def settle(db: Database, event: MessageReceived) -> Rated | None:
    """The survey `event` answers with a rating, or None (then the message is an ordinary
    one). The first message after a sent survey settles it, rating or not; redelivery of that
    message finds the same survey."""
    surveys = db[CSAT_SURVEYS]
    latest = await surveys.find_one(
        {
            "conversation_id": event.conversation_id,
            "state": "sent",
            "sent_at": {"$lte": event.occurred_at},
        },
        sort=[("sent_at", DESCENDING)],
    )
    if latest is None:
        return None
    if latest.get("settled_by") is None:
        latest = await surveys.find_one_and_update(
            {"_id": latest["_id"], "settled_by": None},
            {"$set": {"settled_by": event.message_sid, "settled_at": event.occurred_at}},
            return_document=ReturnDocument.AFTER,
        ) or await surveys.find_one({"_id": latest["_id"]})
    if latest is None:
        return None
    rating = rating_of(latest, event)
    return Rated(latest, rating) if rating is not None else None
