"""The subject of an e-mail reply: the customer's latest e-mail's, as `Re: <subject>` (the
responder sends it; the console's composer shows it)."""

from pymongo import DESCENDING

from shared.conversations.collections import MESSAGES
from shared.mongo import Database, Document

NO_SUBJECT = "Re: your message"


def reply_subject(subject: str) -> str:
    """`Re: <subject>`, without stacking a second `Re:`."""
    subject = subject.strip()
    if subject.lower().startswith("re:"):
        return subject
    return f"Re: {subject}" if subject else NO_SUBJECT


async def latest_email(db: Database, conversation_id: str) -> Document | None:
    """The customer's latest e-mail in the conversation (`_id` its Message-ID, `subject`,
    `references`): the one a reply answers."""
    return await db[MESSAGES].find_one(
        {"conversation_id": conversation_id, "direction": "inbound", "subject": {"$exists": True}},
        sort=[("created_at", DESCENDING)],
    )
