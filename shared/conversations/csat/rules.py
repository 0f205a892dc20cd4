"""The CSAT rules, without I/O: when a session is due a survey, what it says, what counts as a
rating and which rating answers it.

A session is due one survey when its customer's newest message got a sent reply, that message
is under SURVEY_WINDOW old, and an agent closed the session or it has been idle for the
configured wait. The survey is answered by the customer's **next message** after it went out,
if that message is a rating and comes within ANSWER_WINDOW; any other next message settles the
survey unanswered and is handled normally.
"""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from shared.events import ConversationStatus, MessageReceived

# WhatsApp allows free text only within 24 hours of the customer's last message; the hour
# less leaves room for a slow sweep and a retried send.
SURVEY_WINDOW = timedelta(hours=23)
ANSWER_WINDOW = timedelta(hours=24)
SATISFIED = (4, 5)  # the ratings the CSAT % counts as satisfied

DueReason = Literal["idle", "closed"]

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


def in_window(
    last_customer_message_at: datetime, now: datetime, window: timedelta = SURVEY_WINDOW
) -> bool:
    """Whether a survey may still go out at `now`."""
    return now - last_customer_message_at < window


def survey_due(
    last_customer_message_at: datetime | None,
    answered: bool,
    closed: bool,
    last_activity_at: datetime,
    now: datetime,
    ask_after: timedelta,
    window: timedelta = SURVEY_WINDOW,
) -> DueReason | None:
    """Why a session is due a survey at `now`, or None: its customer wrote, a sent reply
    answered their newest message (`answered`), that message is in the window, and the session
    was closed (by an agent) or has been idle for `ask_after`."""
    if last_customer_message_at is None or not answered:
        return None
    if not in_window(last_customer_message_at, now, window):
        return None
    if closed:
        return "closed"
    return "idle" if now - last_activity_at >= ask_after else None


def due_query(now: datetime, ask_after: timedelta) -> dict[str, object]:
    """The conversation cards that may be due a survey at `now` (`survey_due` decides): a
    session, active within the window, closed or idle for `ask_after`."""
    return {
        "opened_at": {"$ne": None},
        "last_activity_at": {"$gte": now - SURVEY_WINDOW},
        "$or": [
            {"status": ConversationStatus.CLOSED.value},
            {"last_activity_at": {"$lte": now - ask_after}},
        ],
    }


def survey_id(conversation_id: str, session_opened_at: datetime) -> str:
    """One survey per session, named by its conversation and the session's first message."""
    return f"csat:{conversation_id}|{session_opened_at.isoformat()}"


def question(language: str) -> str:
    """The survey in the store's language, Indonesian when we have no wording for it."""
    return QUESTIONS.get(language, QUESTIONS["id"])


def thanks(language: str) -> str:
    return THANKS.get(language, THANKS["id"])


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


def rating_of(survey: Mapping[str, Any], event: MessageReceived) -> int | None:
    """The rating `event` gives `survey`, or None: it must be the message that settled the
    survey (`settled_by`), come within ANSWER_WINDOW of it going out, and be a rating."""
    if survey.get("settled_by") != event.message_sid:
        return None
    if event.occurred_at - survey["sent_at"] > ANSWER_WINDOW:
        return None
    return parse_rating(event.text)
