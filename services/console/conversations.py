"""What the inbox reads: the store's conversation list with its views, filters and search, one
conversation's messages, and each user's read markers.

Views: every conversation, newest first; "needs a person", the open conversations the humans
hold that no agent has answered since they got them, unassigned ones first and then the longest
waiting; "assigned to me". A conversation is unread while the customer's newest message, or the
bot's hand-over of it, is newer than what the user has seen: a hand-over shows unread even
though the bot's message is the last one.

Channel: each card names the channel its messages came on (`channel`, written by the enricher);
a card written before that field existed is on the channel its id names. The channel filter
asks for either, so old and new cards are found alike.

Search: MongoDB offers no `$text` index here (and the embedded server has none), so search is a
case-insensitive, escaped regex over the newest conversations' name, number, customer and last
message, plus the text of the store's messages of the last SEARCH_DAYS days (at most
SEARCH_MESSAGES matches, through the `created_at` index). Bounded, so it stays fast whatever the
store's history.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, field_validator
from pymongo import DESCENDING

from services.console.collections import CONSOLE_READS, CONSOLE_USERS
from shared.channels import PHONE_CHANNELS, Channel
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.identity import channel_of, customer_number, phone_conversation_ids
from shared.mongo import Database, Document
from shared.phones import display_number

# The enricher's taxonomy (services/enricher/classification/labels.py), for the filters.
INTENTS = (
    "order_status",
    "shipping",
    "payment",
    "product_question",
    "stock_availability",
    "pricing_promo",
    "return_refund",
    "complaint",
    "account",
    "greeting_thanks",
    "human_request",
    "other",
)
SENTIMENTS = ("positive", "neutral", "negative")
LIST_LIMIT = 100
UNREAD_SCAN = 500  # conversations looked at when only unread ones are wanted
SEARCH_DAYS = 30
SEARCH_MESSAGES = 200
LINKED = 10  # other conversations of the customer shown beside one
WHATSAPP_WINDOW = timedelta(hours=24)  # free text only this long after the customer wrote

State = Literal["bot", "human", "closed"]
View = Literal["all", "queue", "mine"]


class InboxFilter(BaseModel):
    """The list's filters, from the query string; empty values mean "any"."""

    state: State | None = None
    intent: str | None = None
    sentiment: str | None = None
    unread: bool = False
    view: View = "all"
    channel: Channel | None = None
    q: str = ""

    @field_validator("state", "intent", "sentiment", "channel", mode="before")
    @classmethod
    def _blank_is_any(cls, value: object) -> object:
        return value or None

    @field_validator("view", mode="before")
    @classmethod
    def _blank_is_all(cls, value: object) -> object:
        return value or "all"

    @field_validator("q")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return " ".join(value.split())[:100]


@dataclass(frozen=True)
class ConversationRow:
    id: str
    name: str
    number: str
    preview: str
    preview_outbound: bool
    at: datetime | None
    state: State
    intent: str | None
    sentiment: str | None
    unread: bool
    assignee_id: str | None
    channel: Channel
    waiting_since: datetime | None = None  # in "needs a person": since the humans got it
    taken: bool = False  # assigned, or taken over by an agent


def state_of(card: Document) -> State:
    if card.get("status") == "closed":
        return "closed"
    return "human" if card.get("owner") == "human" else "bot"


def customer_name(card: Document) -> str:
    customer = card.get("customer") or {}
    number = card.get("customer_number") or customer_number(card["_id"])
    return card.get("profile_name") or customer.get("name") or display_number(number)


def card_channel(card: Document) -> Channel:
    """The channel of a conversation: as the card says, or (an older card) as its id says."""
    return Channel(card["channel"]) if card.get("channel") else channel_of(card["_id"])


async def elsewhere(db: Database, store_id: str, card: Document) -> list[Document]:
    """The customer's other conversations in the store, newest first: the same number on the
    other WhatsApp channel, or the same WooCommerce customer (linked by phone or e-mail).
    Two indexed reads merged here: the embedded server scans the collection for an `$or`."""
    shown = {"channel": 1, "status": 1, "last_activity_at": 1}
    found: list[Document] = []
    if card_channel(card) in PHONE_CHANNELS:
        number = card.get("customer_number") or customer_number(card["_id"])
        others = [id_ for id_ in phone_conversation_ids(store_id, number) if id_ != card["_id"]]
        found += await db[CONVERSATIONS].find({"_id": {"$in": others}}, shown).to_list()
    if (customer_id := (card.get("customer") or {}).get("id")) is not None:
        linked = db[CONVERSATIONS].find({"store_id": store_id, "customer.id": customer_id}, shown)
        found += await linked.sort("last_activity_at", -1).limit(LINKED + 1).to_list()
    unique = {other["_id"]: other for other in found if other["_id"] != card["_id"]}
    newest = sorted(unique.values(), key=_last_activity, reverse=True)[:LINKED]
    return [{**other, "channel": card_channel(other).value} for other in newest]


def _last_activity(card: Document) -> tuple[bool, Any]:
    """The sort key of `last_activity_at` descending as MongoDB orders it: a card without
    one last."""
    at = card.get("last_activity_at")
    return (at is not None, at or 0)


def _channel_query(store_id: str, channel: Channel) -> dict[str, Any]:
    """The cards on `channel`, the older ones without the field by their id's form."""
    other_forms = "|".join(re.escape(c.value) for c in Channel if c is not Channel.WHATSAPP)
    named = f"^{re.escape(store_id)}:(?:{other_forms}):"
    by_id: dict[str, Any] = (
        {"_id": {"$not": re.compile(named)}}
        if channel is Channel.WHATSAPP
        else {"_id": {"$regex": f"^{re.escape(store_id)}:{re.escape(channel.value)}:"}}
    )
    return {"$or": [{"channel": channel.value}, {"channel": None, **by_id}]}


def _state_query(state: State | None) -> dict[str, Any]:
    if state == "closed":
        return {"status": "closed"}
    if state == "human":
        return {"status": {"$ne": "closed"}, "owner": "human"}
    if state == "bot":
        return {"status": {"$ne": "closed"}, "owner": {"$ne": "human"}}
    return {}


async def _matching_message_conversations(db: Database, store_id: str, pattern: str) -> list[str]:
    since = datetime.now(UTC) - timedelta(days=SEARCH_DAYS)
    cursor = (
        db[MESSAGES]
        .find(
            {
                "created_at": {"$gte": since},
                "store_id": store_id,
                "text": {"$regex": pattern, "$options": "i"},
            },
            {"conversation_id": 1},
        )
        .sort("created_at", DESCENDING)
        .limit(SEARCH_MESSAGES)
    )
    return list(dict.fromkeys([message["conversation_id"] async for message in cursor]))


async def list_conversations(
    db: Database, store_id: str, user_id: str, wanted: InboxFilter
) -> list[ConversationRow]:
    query: dict[str, Any] = {"store_id": store_id, **_state_query(wanted.state)}
    if wanted.intent:
        query["latest_intent"] = wanted.intent
    if wanted.sentiment:
        query["latest_sentiment.label"] = wanted.sentiment
    if wanted.view == "mine":
        query["assignee_id"] = user_id
    if wanted.view == "queue":
        query |= _HANDED_OVER
    alternatives = [_channel_query(store_id, wanted.channel)] if wanted.channel else []
    if wanted.q:
        alternatives.append({"$or": await _search(db, store_id, wanted.q)})
    if alternatives:
        query["$and"] = alternatives
    limit = UNREAD_SCAN if wanted.unread or wanted.view == "queue" else LIST_LIMIT
    cursor = db[CONVERSATIONS].find(query).sort("last_activity_at", DESCENDING).limit(limit)
    cards = [card async for card in cursor]
    # A wait shows, and the queue lists, only while no agent answered since the hand-over.
    handed = [card for card in cards if state_of(card) == "human" and card.get("handed_over_at")]
    waiting = {card["_id"] for card in await _unanswered(db, handed)}
    if wanted.view == "queue":
        cards = [card for card in cards if card["_id"] in waiting]
    read = await read_markers(db, user_id, [card["_id"] for card in cards])
    rows = [_row(card, read.get(card["_id"]), card["_id"] in waiting) for card in cards]
    if wanted.view == "queue":
        rows.sort(key=lambda row: (row.taken, row.waiting_since or row.at or datetime.now(UTC)))
    if wanted.unread:
        rows = [row for row in rows if row.unread]
    return rows[:LIST_LIMIT]


async def _search(db: Database, store_id: str, q: str) -> list[dict[str, Any]]:
    pattern = re.escape(q)
    digits = re.sub(r"\D", "", q)
    fields = ["profile_name", "customer.name", "last_message.text"]
    matches: list[dict[str, Any]] = [
        {field: {"$regex": pattern, "$options": "i"}} for field in fields
    ]
    if len(digits) >= 3:
        matches.append({"customer_number": {"$regex": re.escape(digits)}})
    in_messages = await _matching_message_conversations(db, store_id, pattern)
    if in_messages:
        matches.append({"_id": {"$in": in_messages}})
    return matches


# Open conversations the humans hold: handed over by the bot or taken over by an agent.
_HANDED_OVER: dict[str, Any] = {
    "status": {"$ne": "closed"},
    "owner": "human",
    "handed_over_at": {"$ne": None},
}


async def _unanswered(db: Database, cards: list[Document]) -> list[Document]:
    """The cards no agent reply went out to since the humans got them (one query)."""
    answered = db[MESSAGES].aggregate(
        [
            {
                "$match": {
                    "conversation_id": {"$in": [card["_id"] for card in cards]},
                    "direction": "outbound",
                    "author": "agent",
                    "state": {"$ne": "not_sent"},
                }
            },
            {"$group": {"_id": "$conversation_id", "last": {"$max": "$created_at"}}},
        ]
    )
    last_reply = {reply["_id"]: reply["last"] async for reply in await answered}
    return [
        card
        for card in cards
        if card["_id"] not in last_reply or last_reply[card["_id"]] < card["handed_over_at"]
    ]


@dataclass(frozen=True)
class InboxCounts:
    """The user's figures beside the views and in the tab's title."""

    unread: int
    queue: int
    mine: int


async def inbox_counts(db: Database, store_id: str, user_id: str) -> InboxCounts:
    unread = await list_conversations(db, store_id, user_id, InboxFilter(unread=True))
    queue = await list_conversations(db, store_id, user_id, InboxFilter(view="queue"))
    mine = await db[CONVERSATIONS].count_documents(
        {"store_id": store_id, "assignee_id": user_id, "status": {"$ne": "closed"}}
    )
    return InboxCounts(unread=len(unread), queue=len(queue), mine=mine)


def _row(card: Document, read_at: datetime | None, waiting: bool) -> ConversationRow:
    last = card.get("last_message") or {}
    at: datetime | None = last.get("at") or card.get("last_activity_at")
    inbound = last.get("direction") == "inbound"
    number = card.get("customer_number") or customer_number(card["_id"])
    state = state_of(card)
    humans_since = card.get("handed_over_at") if state == "human" else None
    # the bot's hand-over is news to every agent; an agent's own take-over is not
    handed_over = humans_since if card.get("hand_over_reason") else None
    return ConversationRow(
        id=card["_id"],
        name=customer_name(card),
        number=display_number(number),
        preview=last.get("text", ""),
        preview_outbound=not inbound and bool(last),
        at=at,
        state=state,
        intent=card.get("latest_intent"),
        sentiment=(card.get("latest_sentiment") or {}).get("label"),
        unread=_newer(at if inbound else None, read_at) or _newer(handed_over, read_at),
        assignee_id=card.get("assignee_id"),
        channel=card_channel(card),
        waiting_since=humans_since if waiting else None,
        taken=bool(card.get("assignee_id") or card.get("taken_over_by")),
    )


def _newer(moment: datetime | None, read_at: datetime | None) -> bool:
    return moment is not None and (read_at is None or moment > read_at)


def _read_id(user_id: str, conversation_id: str) -> str:
    return f"{user_id}|{conversation_id}"


async def read_markers(
    db: Database, user_id: str, conversation_ids: list[str]
) -> dict[str, datetime]:
    ids = [_read_id(user_id, cid) for cid in conversation_ids]
    return {
        marker["conversation_id"]: marker["read_at"]
        async for marker in db[CONSOLE_READS].find({"_id": {"$in": ids}})
    }


async def mark_read(db: Database, user_id: str, conversation_id: str, at: datetime) -> None:
    """The user has seen the conversation up to `at` (its newest message); never moves back."""
    await db[CONSOLE_READS].update_one(
        {"_id": _read_id(user_id, conversation_id)},
        {
            "$max": {"read_at": at},
            "$set": {"conversation_id": conversation_id, "user_id": user_id},
        },
        upsert=True,
    )


async def find_conversation(db: Database, store_id: str, conversation_id: str) -> Document | None:
    """The card, only if it belongs to the store (ids must not open other stores' cards)."""
    return await db[CONVERSATIONS].find_one({"_id": conversation_id, "store_id": store_id})


async def conversation_messages(
    db: Database, conversation_id: str, limit: int = 200
) -> list[Document]:
    """The newest `limit` messages and notes, oldest first."""
    cursor = (
        db[MESSAGES]
        .find({"conversation_id": conversation_id})
        .sort("created_at", DESCENDING)
        .limit(limit)
    )
    newest = [message async for message in cursor]
    return newest[::-1]


async def last_customer_message_at(db: Database, conversation_id: str) -> datetime | None:
    message = await db[MESSAGES].find_one(
        {"conversation_id": conversation_id, "direction": "inbound"},
        {"created_at": 1},
        sort=[("created_at", DESCENDING)],
    )
    return message["created_at"] if message else None


def window_open(last_customer_at: datetime | None, now: datetime) -> bool:
    """WhatsApp allows free text until 24 hours after the customer's last message."""
    return last_customer_at is not None and now - last_customer_at < WHATSAPP_WINDOW


async def store_users(db: Database, store_id: str) -> list[dict[str, str]]:
    """Who a conversation may be assigned to: the store's enabled users, by name."""
    cursor = (
        db[CONSOLE_USERS]
        .find({"store_ids": store_id, "disabled": {"$ne": True}}, {"name": 1})
        .sort("name")
    )
    return [{"id": user["_id"], "name": user["name"]} async for user in cursor]
