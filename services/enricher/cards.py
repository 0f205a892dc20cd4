"""The conversation card's updates, computed from events without I/O."""

from typing import Any

from shared.events import MessageReceived, ReplySent

PREVIEW_CHARS = 160


def preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def card_update(event: MessageReceived | ReplySent) -> dict[str, Any]:
    """Counts and last activity; `$max` keeps replays and late events from moving time back."""
    if isinstance(event, MessageReceived):
        counter = "inbound_messages"
        identity: dict[str, Any] = {"customer_number": event.customer_number}
        profile = {"profile_name": event.profile_name} if event.profile_name else {}
    else:
        counter = "outbound_messages"
        identity, profile = {}, {}
    # The card may exist before its first message is applied (a reply read first from the other
    # topic, or the responder's hand-over), so identity is `$set` and the first time is a `$min`.
    return {
        "$setOnInsert": {"store_id": event.store_id, "owner": "bot"},
        "$set": {"updated_at": event.occurred_at, **identity, **profile},
        "$inc": {counter: 1},
        "$min": {"first_message_at": event.occurred_at},
        "$max": {"last_activity_at": event.occurred_at},
    }


def last_message(event: MessageReceived | ReplySent) -> dict[str, Any]:
    direction = "inbound" if isinstance(event, MessageReceived) else "outbound"
    return {
        "direction": direction,
        "text": preview(event.text),
        "at": event.occurred_at,
    }
