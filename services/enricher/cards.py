"""The conversation card's updates, computed from events without I/O."""

from datetime import datetime
from typing import Any

from services.enricher.classification.labels import Classification
from shared.events import MessageReceived, ReplySent

PREVIEW_CHARS = 160


def preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def card_update(event: MessageReceived | ReplySent) -> dict[str, Any]:
    """Counts and times; `$min`/`$max` keep replays and late events from moving them back.

    The card may exist before its first message is applied (a reply read first from the other
    topic, or the responder's hand-over), so identity is `$set`, not `$setOnInsert`.
    """
    if isinstance(event, MessageReceived):
        counter = "inbound_messages"
        identity: dict[str, Any] = {"customer_number": event.customer_number}
    else:
        counter = "outbound_messages"
        identity = {}
    update: dict[str, Any] = {
        "$setOnInsert": {"store_id": event.store_id, "owner": "bot"},
        "$inc": {counter: 1},
        "$min": {"first_message_at": event.occurred_at},
        "$max": {"last_activity_at": event.occurred_at, "updated_at": event.occurred_at},
    }
    if identity:
        update["$set"] = identity
    return update


def newest_state(event: MessageReceived | ReplySent) -> dict[str, Any]:
    """What only the conversation's newest event may set: the last message, the profile name."""
    direction = "inbound" if isinstance(event, MessageReceived) else "outbound"
    state: dict[str, Any] = {
        "last_message": {
            "direction": direction,
            "text": preview(event.text),
            "at": event.occurred_at,
        }
    }
    if isinstance(event, MessageReceived) and event.profile_name:
        state["profile_name"] = event.profile_name
    return state


def labels_state(labels: Classification, at: datetime) -> dict[str, Any]:
    """The card's view of the customer's newest labelled message."""
    return {
        "latest_intent": labels.intent.value,
        "latest_sentiment": labels.sentiment.model_dump(mode="json"),
        "latest_language": labels.language.value,
        "latest_labels_at": at,
    }
