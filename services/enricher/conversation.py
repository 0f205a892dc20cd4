"""The conversation card's judgements, computed without I/O (docs/conversations.md).

The card keeps the conversation's last `RECENT_TURNS` turns (customer messages with their
labels, bot and agent replies); everything here is a function of those turns, the owner and
the clock: the sentiment trend, the open topics, the suggested next action, the extractive
summary, the outcome of a close and whether a new message counts as a reopen.
"""

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from statistics import fmean
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.conversations import csat
from shared.conversations.outcomes import session_outcome
from shared.events import (
    Author,
    ConversationOutcome,
    MessageReceived,
    NextAction,
    ReplySent,
    SentimentTrend,
)

RECENT_TURNS = 20  # turns kept on the card
TREND_WINDOW = 5  # customer messages the sentiment trend looks at
TREND_THRESHOLD = 0.25  # change of the mean signed score that makes a direction
CLOSE_SUGGESTION_IDLE = timedelta(minutes=30)
SUMMARY_SENTENCES = 3
SUMMARY_MAX_CHARS = 280

_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_QUESTION_WORDS = frozenset(
    {
        "apa",
        "apakah",
        "bagaimana",
        "gimana",
        "gmn",
        "kapan",
        "berapa",
        "brp",
        "dimana",
        "mana",
        "kenapa",
        "knp",
        "mengapa",
        "bisakah",
        "bisa",
        "siapa",
        "what",
        "where",
        "when",
        "how",
        "why",
        "can",
        "could",
        "is",
        "are",
        "do",
        "does",
        "will",
        "which",
    }
)
_STOPWORDS = frozenset(
    {
        "yang",
        "dan",
        "di",
        "ke",
        "dari",
        "ini",
        "itu",
        "ada",
        "aku",
        "saya",
        "sy",
        "kak",
        "ka",
        "kakak",
        "min",
        "admin",
        "ya",
        "yg",
        "ga",
        "gak",
        "nggak",
        "tidak",
        "udah",
        "sudah",
        "belum",
        "mau",
        "nya",
        "juga",
        "aja",
        "sih",
        "dong",
        "deh",
        "kok",
        "lagi",
        "buat",
        "untuk",
        "dengan",
        "the",
        "a",
        "an",
        "and",
        "or",
        "to",
        "of",
        "in",
        "on",
        "for",
        "is",
        "are",
        "was",
        "it",
        "my",
        "me",
        "i",
        "you",
        "your",
        "this",
        "that",
        "please",
        "pls",
        "thanks",
        "halo",
        "hai",
        "hello",
        "hi",
        "terima",
        "kasih",
        "makasih",
    }
)
_GOODBYE = "greeting_thanks"
_HUMAN_REQUEST = "human_request"


class Turn(BaseModel):
    """One message of the conversation as the card keeps it."""

    model_config = ConfigDict(frozen=True)

    id: str
    author: Literal["customer", "bot", "agent"]
    text: str
    at: datetime
    sent: bool = True  # a reply that never reached the customer answers nothing
    hand_over: str | None = None
    intent: str | None = None
    sentiment: str | None = None
    sentiment_score: float | None = None
    order_numbers: list[str] = Field(default_factory=list)

    @property
    def from_customer(self) -> bool:
        return self.author == "customer"


def customer_turn(event: MessageReceived, labels: dict[str, object] | None) -> Turn:
    """`labels` is the stored classification (`Classification.model_dump(mode="json")`)."""
    return said_turn(event.message_sid, event.text, event.occurred_at, labels)


def said_turn(message_sid: str, text: str, at: datetime, labels: dict[str, object] | None) -> Turn:
    """The customer's turn: their message's words (a voice note's transcript) and labels."""
    sentiment = labels.get("sentiment") if labels else None
    entities = labels.get("entities") if labels else None
    return Turn(
        id=message_sid,
        author="customer",
        text=text,
        at=at,
        intent=str(labels["intent"]) if labels and labels.get("intent") else None,
        sentiment=str(sentiment["label"]) if isinstance(sentiment, dict) else None,
        sentiment_score=float(sentiment["score"]) if isinstance(sentiment, dict) else None,
        order_numbers=list(entities["order_numbers"]) if isinstance(entities, dict) else [],
    )


def reply_turn(event: ReplySent) -> Turn:
    return Turn(
        id=event.message_id,
        author="agent" if event.author is Author.AGENT else "bot",
        text=event.text,
        at=event.occurred_at,
        sent=event.sent,
        hand_over=event.hand_over.value if event.hand_over else None,
    )


def since(turns: Sequence[Turn], opened_at: datetime | None) -> list[Turn]:
    """The turns of the current session, oldest first."""
    ordered = sorted(turns, key=lambda turn: turn.at)
    return [turn for turn in ordered if opened_at is None or turn.at >= opened_at]


# -- sentiment trend ------------------------------------------------------------------------


def signed_score(turn: Turn) -> float | None:
    """Positive labels count +score, negative -score, neutral 0; unlabelled turns are skipped."""
    if turn.sentiment is None or turn.sentiment_score is None:
        return None
    sign = {"positive": 1.0, "negative": -1.0}.get(turn.sentiment, 0.0)
    return round(sign * turn.sentiment_score, 3)


class Trend(BaseModel):
    model_config = ConfigDict(frozen=True)

    scores: list[float]  # oldest first, at most TREND_WINDOW
    direction: SentimentTrend


def sentiment_trend(turns: Sequence[Turn]) -> Trend:
    """The last TREND_WINDOW signed scores; the direction compares their newer and older halves.

    With fewer than two scores the trend is steady. Otherwise the older half is the first
    `n // 2` scores and the newer half the last `n // 2` (the middle one of an odd count is in
    neither): a mean rising by TREND_THRESHOLD or more is improving, falling by as much is
    worsening, anything else steady.
    """
    ordered = sorted(turns, key=lambda turn: turn.at)
    scored = [signed_score(turn) for turn in ordered if turn.from_customer]
    scores = [score for score in scored if score is not None][-TREND_WINDOW:]
    if len(scores) < 2:
        return Trend(scores=scores, direction=SentimentTrend.STEADY)
    half = len(scores) // 2
    change = fmean(scores[-half:]) - fmean(scores[:half])
    if change >= TREND_THRESHOLD:
        direction = SentimentTrend.IMPROVING
    elif change <= -TREND_THRESHOLD:
        direction = SentimentTrend.WORSENING
    else:
        direction = SentimentTrend.STEADY
    return Trend(scores=scores, direction=direction)


# -- open topics ----------------------------------------------------------------------------


class OpenTopics(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_numbers: list[str]
    question: str | None


def is_question(sentence: str) -> bool:
    words = [word.lower() for word in _WORD.findall(sentence)]
    return "?" in sentence or bool(words and words[0] in _QUESTION_WORDS)


def open_topics(turns: Sequence[Turn]) -> OpenTopics:
    """Order numbers no later sent reply mentions, and the customer's last unanswered question.

    The question is the last question-like sentence (a `?`, or a first word such as `berapa`,
    `kapan`, `how`) of the newest customer message that no sent reply follows.
    """
    ordered = sorted(turns, key=lambda turn: turn.at)
    orders: list[str] = []
    for index, turn in enumerate(ordered):
        if not (turn.from_customer and turn.order_numbers):
            continue  # the later replies are gathered only for a turn that names an order
        later_replies = [t.text for t in ordered[index + 1 :] if not t.from_customer and t.sent]
        for number in turn.order_numbers:
            mentioned = any(re.search(rf"(?<!\d){number}(?!\d)", text) for text in later_replies)
            if not mentioned and number not in orders:
                orders.append(number)
    question = None
    unanswered = _last_unanswered(ordered)
    if unanswered is not None:
        questions = [s.strip() for s in _sentences(unanswered.text) if is_question(s)]
        question = _scrub(questions[-1]) if questions else None
    return OpenTopics(order_numbers=orders, question=question)


def _last_unanswered(ordered: Sequence[Turn]) -> Turn | None:
    for turn in reversed(ordered):
        if turn.from_customer:
            return turn
        if turn.sent:
            return None
    return None


def answered(turns: Sequence[Turn]) -> bool:
    """A sent reply follows the customer's newest message (or the customer never wrote)."""
    return _last_unanswered(sorted(turns, key=lambda turn: turn.at)) is None


# -- next action ----------------------------------------------------------------------------


def next_action(
    turns: Sequence[Turn], owner: str, trend: SentimentTrend, now: datetime
) -> NextAction:
    """The suggestion for whoever looks at the card, first rule that applies:

    1. close: the customer's newest message is answered and either it was a thanks/goodbye
       (`greeting_thanks`) or nothing happened for CLOSE_SUGGESTION_IDLE;
    2. hand_over: the bot owns the conversation and the customer asked for a person
       (`human_request` on their newest message) or the sentiment trend is worsening;
    3. reply: otherwise (the customer is waiting, or the conversation is live).
    """
    ordered = sorted(turns, key=lambda turn: turn.at)
    customer = [turn for turn in ordered if turn.from_customer]
    newest = customer[-1] if customer else None
    if ordered and answered(ordered):
        idle = now - ordered[-1].at
        if (newest and newest.intent == _GOODBYE) or idle >= CLOSE_SUGGESTION_IDLE:
            return NextAction.CLOSE
    wants_person = newest is not None and newest.intent == _HUMAN_REQUEST
    if owner == "bot" and (wants_person or trend is SentimentTrend.WORSENING):
        return NextAction.HAND_OVER
    return NextAction.REPLY


# -- extractive summary -----------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _scrub(text: str) -> str:
    """Phone numbers out: summaries and prompts do not need them."""
    return _PHONE.sub("[number]", text)


def _informativeness(sentence: str) -> float:
    words = {word.lower() for word in _WORD.findall(sentence)}
    content = {word for word in words if len(word) >= 3 and word not in _STOPWORDS}
    digits = 2.0 if re.search(r"\d{3,}", sentence) else 0.0
    return len(content) + digits + (1.0 if is_question(sentence) else 0.0)


def extractive_summary(turns: Sequence[Turn]) -> str:
    """The SUMMARY_SENTENCES most informative customer sentences, in the order they were written.

    A sentence scores its distinct content words (three letters or more, not a stop word),
    plus 2 if it carries a number of three digits or more (an order, an amount) and 1 if it is
    a question; ties go to the newer sentence. Sentences scoring under 2 are left out, phone
    numbers are masked, and the result is cut to SUMMARY_MAX_CHARS.
    """
    candidates: list[tuple[float, int, str]] = []
    position = 0
    for turn in sorted(turns, key=lambda t: t.at):
        if not turn.from_customer:
            continue
        for sentence in _sentences(turn.text):
            position += 1
            score = _informativeness(sentence)
            if score >= 2:
                candidates.append((score, position, " ".join(_scrub(sentence).split())))
    best = sorted(candidates, key=lambda item: (item[0], item[1]), reverse=True)
    chosen = sorted(best[:SUMMARY_SENTENCES], key=lambda item: item[1])
    text = " ".join(sentence for _, _, sentence in chosen)
    return text if len(text) <= SUMMARY_MAX_CHARS else text[: SUMMARY_MAX_CHARS - 1] + "…"


def transcript(turns: Sequence[Turn]) -> str:
    """The turns as `author: text` lines for the LLM summariser, phone numbers masked."""
    ordered = sorted(turns, key=lambda turn: turn.at)
    return "\n".join(f"{turn.author}: {' '.join(_scrub(turn.text).split())}" for turn in ordered)


# -- lifecycle --------------------------------------------------------------------------------

CONFIRMING_INTENT = "greeting_thanks"  # "makasih kak, sudah jelas": the answer helped


def outcome(turns: Sequence[Turn], owner: str) -> ConversationOutcome:
    """How a session ends, from its turns (oldest first or not) and the conversation's owner:
    `session_outcome` (shared/conversations/outcomes.py) on what the turns show.

    Handed over means the owner is `human` or a bot reply of the session carried a hand-over.
    """
    ordered = sorted(turns, key=lambda turn: turn.at)
    agent_answered = any(t.author == "agent" and t.sent for t in ordered)
    handed_over = owner == "human" or any(t.hand_over for t in ordered if t.author == "bot")
    last_customer = max((i for i, t in enumerate(ordered) if t.from_customer), default=-1)
    replies = [t for t in ordered[last_customer + 1 :] if not t.from_customer and t.sent]
    last_reply = Author(replies[-1].author) if replies else None
    return session_outcome(handed_over, agent_answered, last_reply)


def confirmed_by_customer(turns: Sequence[Turn]) -> bool:
    """Whether the customer confirmed a bot resolution: their newest message of the session is
    a thank-you (intent greeting_thanks, not negative) that follows a bot reply they got.

    An opening "halo" is not a confirmation: a bot reply must come before it.
    """
    ordered = sorted(turns, key=lambda turn: turn.at)
    last_customer = max((i for i, t in enumerate(ordered) if t.from_customer), default=-1)
    if last_customer < 0:
        return False
    thanks = ordered[last_customer]
    if thanks.intent != CONFIRMING_INTENT or thanks.sentiment == "negative":
        return False
    return any(t.author == "bot" and t.sent for t in ordered[:last_customer])


def closes_at(last_activity_at: datetime, idle: timedelta) -> datetime:
    """The moment a conversation becomes idle: its close time, whenever the sweep runs."""
    return last_activity_at + idle


def counts_as_reopen(
    previous_outcome: str | None,
    closed_at: datetime | None,
    message_at: datetime,
    window: timedelta,
) -> bool:
    """A customer message within `window` after a bot resolution: the resolution did not hold."""
    if previous_outcome != ConversationOutcome.RESOLVED_BY_BOT or closed_at is None:
        return False
    return message_at - closed_at <= window


def survey_due(
    turns: Sequence[Turn],
    closed: bool,
    last_activity_at: datetime,
    now: datetime,
    ask_after: timedelta,
    window: timedelta,
) -> csat.DueReason | None:
    """Why the session of `turns` is due a CSAT survey at `now`, or None (`csat.survey_due`
    on the session's newest customer message and whether a sent reply answered it)."""
    newest = max((turn.at for turn in turns if turn.from_customer), default=None)
    return csat.survey_due(
        newest, answered(turns), closed, last_activity_at, now, ask_after, window
    )


class LifecyclePolicy(BaseModel):
    """The idle timeout that closes a conversation and the window in which a reopen counts."""

    model_config = ConfigDict(frozen=True)

    idle: timedelta = timedelta(hours=24)
    reopen_window: timedelta = timedelta(hours=24)
    csat_ask_after: timedelta = timedelta(minutes=60)  # idle this long: ask for a rating
