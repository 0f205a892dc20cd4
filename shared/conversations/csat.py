"""Customer satisfaction (CSAT) surveys: what counts as a rating, and which message answers a
survey (docs/kpis.md, "Satisfaction").

A survey is answered by the customer's **next message** after it went out, if that message is a
rating and comes within ANSWER_WINDOW; any other next message settles the survey unanswered and
is handled normally. The enricher and the responder both read each conversation's messages in
order, so whichever of them sees the next message first settles the survey with it
(`settle`, a conditional update) and the other finds the same answer: both agree on which
message is a rating without talking to each other.
"""

import re
from datetime import datetime, timedelta
from typing import Any

from pymongo import DESCENDING, ReturnDocument

from shared.conversations.collections import CSAT_SURVEYS
from shared.events import MessageReceived
from shared.mongo import Database

# WhatsApp allows free text only within 24 hours of the customer's last message; the hour
# less leaves room for a slow sweep and a retried send.
SURVEY_WINDOW = timedelta(hours=23)
ANSWER_WINDOW = timedelta(hours=24)

_WORDS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
}
_STARS = "⭐★🌟"
_NUMBER = r"(?P<n>[1-5]|" + "|".join(_WORDS) + r")"
_SUFFIX = r"(\s*(/|dari|of|out of)\s*(5|lima|five))?(\s*(bintang|stars?|⭐+|★+))?"
_RATING = re.compile(rf"^{_NUMBER}{_SUFFIX}$")
_TRAILING = re.compile(r"[\s.!,)🙏👍😊]+$")

QUESTIONS = {
    "id": "Bagaimana pelayanan kami? Balas dengan angka 1-5 ⭐ (5 = sangat puas).",
    "en": "How did we do? Reply with a number from 1 to 5 ⭐ (5 = very satisfied).",
}
THANKS = {
    "id": "Terima kasih atas penilaian Anda! 🙏",
    "en": "Thank you for your rating! 🙏",
}


def parse_rating(text: str) -> int | None:
    """1 to 5 when the whole message is a rating ("5", "⭐⭐⭐⭐", "lima", "4/5", "5 bintang"),
    else None: a message that merely contains a digit is not a rating."""
    cleaned = _TRAILING.sub("", " ".join(text.lower().split()))
    stars = cleaned.replace(" ", "")
    if stars and all(char in _STARS for char in stars):
        return len(stars) if len(stars) <= 5 else None
    match = _RATING.match(cleaned)
    if match is None:
        return None
    number = match.group("n")
    return int(number) if number.isdigit() else _WORDS[number]


def survey_id(conversation_id: str, session_opened_at: datetime) -> str:
    """One survey per session, named by its conversation and the session's first message."""
    return f"csat:{conversation_id}|{session_opened_at.isoformat()}"


def question(language: str) -> str:
    return QUESTIONS.get(language, QUESTIONS["id"])


def thanks(language: str) -> str:
    return THANKS.get(language, THANKS["id"])


async def settle(db: Database, event: MessageReceived) -> dict[str, Any] | None:
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
    if latest is None or latest.get("settled_by") != event.message_sid:
        return None
    if event.occurred_at - latest["sent_at"] > ANSWER_WINDOW:
        return None
    return latest if parse_rating(event.text) is not None else None
