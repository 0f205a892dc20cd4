"""The conversation card's updates, computed from events without I/O."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.enricher.classification.labels import Classification
from services.enricher.conversation import (
    Turn,
    next_action,
    open_topics,
    sentiment_trend,
    since,
)
from shared.events import ConversationEnriched, ConversationStatus, MessageReceived, ReplySent
from shared.mongo import Document

PREVIEW_CHARS = 160


def preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def counted(card: Document, event: MessageReceived | ReplySent) -> Document:
    """`card` with `event` counted: the counter, the first and last times (never moved back by a
    late event), the channel, the customer's number. The card may exist before its first
    message (a reply read first from the other topic, or the responder's hand-over)."""
    counter = "inbound_messages" if isinstance(event, MessageReceived) else "outbound_messages"
    at = stored_time(event.occurred_at)
    updated = {
        "store_id": event.store_id,
        "owner": "bot",
        **card,
        counter: card.get(counter, 0) + 1,
        "first_message_at": min(filter(None, [card.get("first_message_at"), at])),
        "last_activity_at": max(filter(None, [card.get("last_activity_at"), at])),
        "updated_at": max(filter(None, [card.get("updated_at"), at])),
        "channel": event.channel.value,
    }
    if isinstance(event, MessageReceived):
        updated["customer_number"] = event.customer_number
    return updated


def stored_time(at: datetime) -> datetime:
    """`at` as MongoDB keeps it (milliseconds), so that times compare as they will be read."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def newest_state(event: MessageReceived | ReplySent) -> dict[str, Any]:
    """What only the conversation's newest event may set: the last message."""
    direction = "inbound" if isinstance(event, MessageReceived) else "outbound"
    state: dict[str, Any] = {
        "last_message": {
            "direction": direction,
            "text": preview(event.text),
            "at": event.occurred_at,
        }
    }
    if isinstance(event, ReplySent) and event.order_action is not None:
        # the card keeps the latest order action until another one (docs/actions.md)
        state["last_order_action"] = event.order_action.model_dump()
    return state


def profile_state(card: Document, event: MessageReceived | ReplySent) -> dict[str, Any]:
    """The customer's name from their newest message that gives one. Not tied to the newest
    event: a reply read first from its own topic must not make the message it answers late."""
    if not isinstance(event, MessageReceived) or not event.profile_name:
        return {}
    at = stored_time(event.occurred_at)
    named_at = card.get("profile_name_at")
    if named_at is not None and named_at > at:
        return {}
    return {"profile_name": event.profile_name, "profile_name_at": at}


def labels_state(labels: Classification, at: datetime) -> dict[str, Any]:
    """The card's view of the customer's newest labelled message."""
    return {
        "latest_intent": labels.intent.value,
        "latest_sentiment": labels.sentiment.model_dump(mode="json"),
        "latest_language": labels.language.value,
        "latest_labels_at": at,
    }


def card_turns(card: Document) -> list[Turn]:
    return [Turn.model_validate(turn) for turn in card.get("recent_turns", [])]


def derived_state(card: Document, turns: Sequence[Turn], now: datetime) -> dict[str, Any]:
    """What the card concludes from its turns (`card_turns(card)`, passed in by the caller that
    holds them already): trend, open topics, next action (open cards)."""
    turns = since(turns, card.get("opened_at"))
    trend = sentiment_trend(turns)
    closed = card.get("status") == ConversationStatus.CLOSED
    action = None if closed else next_action(turns, card.get("owner", "bot"), trend.direction, now)
    return {
        "sentiment_trend": trend.model_dump(mode="json"),
        "open_topics": open_topics(turns).model_dump(mode="json"),
        "next_action": action.value if action else None,
    }


def enriched_event(card: Document, event_id: str, at: datetime) -> ConversationEnriched:
    """The `conversations.enriched` snapshot of a card (after derived_state was applied)."""
    sentiment = card.get("latest_sentiment") or {}
    return ConversationEnriched(
        event_id=event_id,
        occurred_at=at,
        store_id=card["store_id"],
        conversation_id=card["_id"],
        revision=card.get("revision", 0),
        status=card.get("status", ConversationStatus.OPEN),
        outcome=card.get("outcome"),
        latest_intent=card.get("latest_intent"),
        latest_sentiment=sentiment.get("label"),
        sentiment_trend=(card.get("sentiment_trend") or {}).get("direction", "steady"),
        summary=(card.get("summary") or {}).get("text", ""),
        next_action=card.get("next_action"),
        open_order_numbers=(card.get("open_topics") or {}).get("order_numbers", []),
        reopens=card.get("reopens", 0),
        customer_id=(card.get("customer") or {}).get("id"),
    )


# What an agent's reopen changes, kept under `agent_reopen.before` so that closing the session
# with nothing in it puts the card back as it was.
_REOPEN_KEEPS = (
    "status",
    "outcome",
    "closed_at",
    "closed_by",
    "opened_at",
    "last_activity_at",
    "previous_outcome",
    "previous_closed_at",
)


def reopened_by_agent(card: Document, agent_id: str, at: datetime) -> dict[str, Any]:
    """A closed card's new session opened by an agent (reopen, or a take-over of a closed
    conversation). Not a customer's reopen: no `reopens`, no `ConversationReopened`. Its last
    activity is the reopen, so the idle sweep gives the agent the full timeout."""
    at = max(filter(None, [stored_time(at), card.get("closed_at"), card.get("last_activity_at")]))
    return {
        "status": ConversationStatus.OPEN.value,
        "opened_at": at,
        "last_activity_at": at,
        "outcome": None,
        "closed_at": None,
        "previous_outcome": card.get("outcome"),
        "previous_closed_at": card.get("closed_at"),
        "agent_reopen": {
            "agent_id": agent_id,
            "at": at,
            "before": {field: card.get(field) for field in _REOPEN_KEEPS},
        },
    }


def quiet_close(card: Document, session_turns: list[Turn]) -> dict[str, Any] | None:
    """The changes that close a session an agent opened in which nothing was written: the card
    as before the reopen, with no outcome of its own to count. None for any other session."""
    reopen = card.get("agent_reopen")
    if reopen is None or card.get("opened_at") != reopen["at"] or session_turns:
        return None
    return {**reopen["before"], "agent_reopen": None}
