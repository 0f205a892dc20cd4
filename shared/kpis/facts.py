"""The per-conversation fact table, without I/O (docs/kpis.md, "Conversation facts").

Each event of a conversation is kept as a small *stamp* (`conversation_fact_events`, one per
`event_id`); a row of `conversation_facts` is a pure function of the stamps of one closed session:
the `ConversationClosed` stamp gives the session's interval `[opened_at, closed_at]`, and the
messages, replies, snapshots and reopens inside it give the rest. A row is recomputed whole
whenever a stamp of its session arrives, so redelivery, replay and any arrival order give the
same row, and the snapshot with the highest `revision` of the session always wins.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.consent.chat import Intent, consent_intent
from shared.events import (
    ConversationClosed,
    ConversationEnriched,
    ConversationReopened,
    CsatRecorded,
    Event,
    MessageReceived,
    ReplySent,
)
from shared.identity import channel_of, customer_hash, customer_number
from shared.mongo import Document

# Columns of the CSV export, in order.
COLUMNS: tuple[str, ...] = (
    "conversation_id",
    "store_id",
    "opened_at",
    "closed_at",
    "outcome",
    "confirmed_by_customer",
    "reopened",
    "messages_in",
    "messages_out",
    "bot_replies",
    "agent_replies",
    "replies_not_sent",
    "first_response_seconds",
    "first_responder",
    "hand_over_reason",
    "latest_intent",
    "latest_sentiment",
    "sentiment_trend",
    "snapshot_revision",
    "csat_score",
    "attributed_orders",
    "attributed_revenue",
    "attributed_currency",
    "channel",
)


def stored_time(moment: datetime) -> datetime:
    """A time as MongoDB keeps it (milliseconds), so stamps compare equal before and after."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def row_id(conversation_id: str, closed_at: datetime) -> str:
    return f"{conversation_id}|{closed_at.isoformat()}"


def stamp(event: Event) -> Document | None:
    """What the fact table keeps of an event (no text, no phone number beyond the id)."""
    base: Document = {
        "_id": event.event_id,
        "store_id": event.store_id,
        "at": stored_time(event.occurred_at),
    }
    if isinstance(event, MessageReceived):
        # `stop`: a withdrawal in chat, for the notifications' opted-out figure
        stop = consent_intent(event.text) is Intent.WITHDRAW
        return {**base, "conversation_id": event.conversation_id, "kind": "in", "stop": stop}
    if isinstance(event, ReplySent):
        return {
            **base,
            "conversation_id": event.conversation_id,
            "kind": "out",
            "sent": event.sent,
            "author": event.author.value,
            "response_seconds": event.response_seconds,
            "hand_over": event.hand_over.value if event.hand_over else None,
        }
    if isinstance(event, ConversationClosed):
        return {
            **base,
            "conversation_id": event.conversation_id,
            "kind": "closed",
            "opened_at": stored_time(event.opened_at) if event.opened_at else None,
            "outcome": event.outcome.value,
            "confirmed": event.confirmed,
        }
    if isinstance(event, ConversationReopened):
        return {
            **base,
            "conversation_id": event.conversation_id,
            "kind": "reopened",
            "closed_at": stored_time(event.closed_at),
        }
    if isinstance(event, CsatRecorded):
        return {
            **base,
            "conversation_id": event.conversation_id,
            "kind": "csat",
            "session_opened_at": stored_time(event.session_opened_at),
            "rating": event.rating,
        }
    if isinstance(event, ConversationEnriched):
        return {
            **base,
            "conversation_id": event.conversation_id,
            "kind": "snapshot",
            "revision": event.revision,
            "latest_intent": event.latest_intent,
            "latest_sentiment": event.latest_sentiment,
            "sentiment_trend": event.sentiment_trend.value,
        }
    return None


def session_start(closed: Document, earlier_closes: Iterable[Document]) -> datetime | None:
    """The session's `opened_at`; without one, just after the previous close (None: no bound)."""
    if closed.get("opened_at") is not None:
        opened: datetime = closed["opened_at"]
        return opened
    before = [c["at"] for c in earlier_closes if c["at"] < closed["at"]]
    return max(before) if before else None


def in_session(moment: datetime, start: datetime | None, closed_at: datetime) -> bool:
    after_start = start is None or moment >= start
    return after_start and moment <= closed_at


def fact_row(
    closed: Document,
    start: datetime | None,
    stamps: Sequence[Document],
    orders: Sequence[Document] = (),
) -> Document:
    """The row of the session `closed` ends (a `closed` stamp), from the conversation's stamps
    and its customer's orders (`kpi_orders` documents)."""
    closed_at: datetime = closed["at"]
    inside = sorted(
        (s for s in stamps if in_session(s["at"], start, closed_at)),
        key=lambda s: (s["at"], s["_id"]),
    )
    replies = [s for s in inside if s["kind"] == "out"]
    sent = [s for s in replies if s["sent"]]
    snapshots = [s for s in inside if s["kind"] == "snapshot"]
    latest = max(snapshots, key=lambda s: s["revision"], default=None)
    first = sent[0] if sent else None
    hand_over = next((s["hand_over"] for s in replies if s.get("hand_over")), None)
    reopens = {s["_id"] for s in stamps if s["kind"] == "reopened" and s["closed_at"] == closed_at}
    attributed = [
        order
        for order in orders
        if _attributes(order) and in_session(order["attributed_at"], start, closed_at)
    ]
    return {
        "_id": row_id(closed["conversation_id"], closed_at),
        "conversation_id": closed["conversation_id"],
        "store_id": closed["store_id"],
        "customer_hash": customer_hash(customer_number(closed["conversation_id"])),
        "opened_at": start if closed.get("opened_at") is not None else None,
        "closed_at": closed_at,
        "outcome": closed["outcome"],
        "confirmed_by_customer": bool(closed.get("confirmed", False)),
        "reopened": len(reopens),
        "messages_in": sum(1 for s in inside if s["kind"] == "in"),
        "messages_out": len(sent),
        "bot_replies": sum(1 for s in sent if s["author"] == "bot"),
        "agent_replies": sum(1 for s in sent if s["author"] == "agent"),
        "replies_not_sent": len(replies) - len(sent),
        "first_response_seconds": _first_response(
            first, start if closed.get("opened_at") else None
        ),
        "first_responder": first["author"] if first else None,
        "hand_over_reason": hand_over,
        "latest_intent": latest["latest_intent"] if latest else None,
        "latest_sentiment": latest["latest_sentiment"] if latest else None,
        "sentiment_trend": latest["sentiment_trend"] if latest else None,
        "snapshot_revision": latest["revision"] if latest else None,
        "csat_score": _csat(closed, stamps),
        "attributed_orders": len(attributed),
        **_revenue(attributed),
        "channel": channel_of(closed["conversation_id"]).value,
    }


def _csat(closed: Document, stamps: Sequence[Document]) -> int | None:
    """The rating of the session's survey (named by its `opened_at`; one per session)."""
    ratings = [s["rating"] for s in stamps if _rates(s, closed)]
    return ratings[0] if ratings else None


def _rates(stamp: Document, closed: Document) -> bool:
    opened_at = closed.get("opened_at")
    if stamp["kind"] != "csat" or opened_at is None:
        return False
    matches: bool = stamp["session_opened_at"] == opened_at
    return matches


def _attributes(order: Document) -> bool:
    """A paid order, not deleted, that the customer's messages attribute to a conversation."""
    return (
        order.get("handler") is not None
        and order.get("paid_at") is not None
        and not order.get("deleted")
        and order.get("attributed_at") is not None
    )


def _revenue(orders: Sequence[Document]) -> Document:
    """The attributed orders' totals: one amount in one currency (several, `;`-separated,
    in currency order, for a store that sells in more than one)."""
    sums: dict[str, Decimal] = {}
    for order in orders:
        currency = order.get("currency") or "unknown"
        sums[currency] = sums.get(currency, Decimal(0)) + Decimal(order.get("total") or "0")
    if not sums:
        return {"attributed_revenue": None, "attributed_currency": None}
    currencies = sorted(sums)
    return {
        "attributed_revenue": ";".join(str(sums[currency]) for currency in currencies),
        "attributed_currency": ";".join(currencies),
    }


def _first_response(first: Document | None, opened_at: datetime | None) -> float | None:
    """From the session's first customer message to its first reply that went out; without
    a known `opened_at`, the reply's own response time."""
    if first is None:
        return None
    if opened_at is None:
        return float(first["response_seconds"])
    replied_at: datetime = first["at"]
    return max(0.0, (replied_at - opened_at).total_seconds())


def rows_of(
    stamps: Sequence[Document],
    new: Iterable[Document] | None = None,
    orders: Sequence[Document] = (),
) -> list[Document]:
    """The rows of one conversation's closed sessions (only those `new` stamps touch, if given),
    with the attributed orders among `orders` (the customer's `kpi_orders` documents)."""
    closes = [s for s in stamps if s["kind"] == "closed"]
    fresh = None if new is None else list(new)
    rows = []
    for closed in closes:
        start = session_start(closed, closes)
        if fresh is None or _touches(closed, start, fresh):
            rows.append(fact_row(closed, start, stamps, orders))
    return rows


def _touches(closed: Document, start: datetime | None, new: Iterable[Document]) -> bool:
    """A new stamp changes a row if it is its close, a reopen of it, or inside its session."""
    for s in new:
        if s["kind"] == "reopened":
            if s["closed_at"] == closed["at"]:
                return True
        elif s["kind"] == "csat":
            if _rates(s, closed):
                return True
        elif in_session(s["at"], start, closed["at"]):
            return True
    return False


def csv_text(rows: Iterable[Document]) -> str:
    """The rows as CSV with a header row; times in ISO 8601, empty cells for missing values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) else f"{value:.3f}"
    return str(value)
