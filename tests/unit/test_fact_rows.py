"""Closed outcomes and reopens in the buckets, and the per-conversation fact rows."""

import csv
import io
from datetime import UTC, datetime, timedelta

from services.kpi_aggregator.buckets import facts, increments
from shared.events import (
    Author,
    ConversationClosed,
    ConversationEnriched,
    ConversationOutcome,
    ConversationReopened,
    ConversationStatus,
    HandOverReason,
    MessageReceived,
    ReplySent,
    event_id_for,
)
from shared.kpis.facts import COLUMNS, csv_text, rows_of, stamp, stored_time

STORE = "toko-batik"
CONVERSATION = f"{STORE}:+6281100000001"
TEN = datetime(2024, 5, 6, 10, tzinfo=UTC)


def received(at: datetime) -> MessageReceived:
    sid = f"SM{at:%H%M%S}"
    return MessageReceived(
        event_id=event_id_for("whatsapp.inbound", sid),
        occurred_at=at,
        store_id=STORE,
        conversation_id=CONVERSATION,
        message_sid=sid,
        customer_number="+6281100000001",
        store_number="+14155238886",
        text="Halo",
    )


def reply(to: MessageReceived, seconds: float, **fields: object) -> ReplySent:
    values: dict[str, object] = {
        "event_id": event_id_for("messages.outbound", to.message_sid),
        "occurred_at": to.occurred_at + timedelta(seconds=seconds),
        "store_id": STORE,
        "conversation_id": CONVERSATION,
        "message_id": f"reply:{to.message_sid}",
        "in_reply_to": to.message_sid,
        "author": Author.BOT,
        "text": "Ada kak",
        "sent": True,
        "customer_message_at": to.occurred_at,
        "response_seconds": seconds,
        "first_response": True,
    }
    return ReplySent.model_validate({**values, **fields})


def closed(opened: datetime, at: datetime, outcome: ConversationOutcome) -> ConversationClosed:
    return ConversationClosed(
        event_id=event_id_for("conversations.closed", CONVERSATION, at.isoformat()),
        occurred_at=at,
        store_id=STORE,
        conversation_id=CONVERSATION,
        outcome=outcome,
        opened_at=opened,
        last_activity_at=at - timedelta(hours=24),
    )


def reopened(closed_at: datetime, at: datetime) -> ConversationReopened:
    return ConversationReopened(
        event_id=event_id_for("conversations.reopened", at.isoformat()),
        occurred_at=at,
        store_id=STORE,
        conversation_id=CONVERSATION,
        previous_outcome=ConversationOutcome.RESOLVED_BY_BOT,
        closed_at=closed_at,
        message_sid="SMx",
    )


def snapshot(revision: int, at: datetime, intent: str, sentiment: str) -> ConversationEnriched:
    return ConversationEnriched(
        event_id=event_id_for("conversations.enriched", str(revision)),
        occurred_at=at,
        store_id=STORE,
        conversation_id=CONVERSATION,
        revision=revision,
        status=ConversationStatus.OPEN,
        latest_intent=intent,
        latest_sentiment=sentiment,
    )


def test_a_close_counts_its_outcome_at_the_close_time() -> None:
    close_at = TEN + timedelta(hours=24, minutes=30)
    fact = closed(TEN, close_at, ConversationOutcome.RESOLVED_BY_BOT)

    counted = increments([fact], ())

    assert facts(fact) == [
        (close_at, "conversations.closed.resolved_by_bot", 1),
        (close_at, "by_channel.whatsapp.conversations.closed.resolved_by_bot", 1),
    ]
    assert counted.hourly == {
        (STORE, close_at.replace(minute=0)): {
            "conversations.closed.resolved_by_bot": 1,
            "by_channel.whatsapp.conversations.closed.resolved_by_bot": 1,
        }
    }


def test_a_reopen_counts_at_the_close_it_undoes() -> None:
    close_at = TEN + timedelta(hours=24)
    fact = reopened(close_at, close_at + timedelta(hours=3))

    assert facts(fact) == [(close_at, "conversations.reopened", 1)]


def test_snapshots_add_nothing_to_the_buckets() -> None:
    assert facts(snapshot(3, TEN, "order_status", "neutral")) == []


def test_a_session_row_has_its_counts_timings_hand_over_and_newest_snapshot() -> None:
    first, second = received(TEN), received(TEN + timedelta(minutes=5))
    not_sent = reply(first, 2, sent=False, not_sent_reason="twilio_not_configured")
    answer = reply(second, 12.5, hand_over=HandOverReason.CUSTOMER_REQUEST)
    close_at = answer.occurred_at + timedelta(hours=24)
    events = [
        snapshot(4, TEN + timedelta(minutes=5), "human_request", "negative"),
        first,
        second,
        not_sent,
        answer,
        snapshot(2, TEN, "product_question", "neutral"),  # older, arrives later: loses
        closed(TEN, close_at, ConversationOutcome.HANDED_OVER_UNANSWERED),
    ]
    stamps = [s for e in events if (s := stamp(e)) is not None]

    [row] = rows_of(stamps)

    assert row["_id"] == f"{CONVERSATION}|{stored_time(close_at).isoformat()}"
    assert (row["opened_at"], row["closed_at"]) == (TEN, stored_time(close_at))
    assert row["outcome"] == "handed_over_unanswered"
    assert (row["messages_in"], row["messages_out"], row["replies_not_sent"]) == (2, 1, 1)
    assert row["first_response_seconds"] == 312.5  # from the session's first message
    assert (row["first_responder"], row["hand_over_reason"]) == ("bot", "customer_request")
    assert (row["latest_intent"], row["latest_sentiment"], row["snapshot_revision"]) == (
        "human_request",
        "negative",
        4,
    )
    assert (row["csat_score"], row["attributed_orders"], row["attributed_revenue"]) == (
        None,
        0,
        None,
    )


def test_closed_reopened_and_closed_again_makes_two_rows_the_first_reopened() -> None:
    first = received(TEN)
    close_1 = TEN + timedelta(hours=25)
    again = received(close_1 + timedelta(hours=2))
    close_2 = again.occurred_at + timedelta(hours=24)
    events = [
        first,
        reply(first, 3),
        closed(TEN, close_1, ConversationOutcome.RESOLVED_BY_BOT),
        reopened(close_1, again.occurred_at),
        again,
        closed(again.occurred_at, close_2, ConversationOutcome.ABANDONED),
    ]
    stamps = [s for e in events if (s := stamp(e)) is not None]

    rows = {row["outcome"]: row for row in rows_of(stamps)}

    assert rows["resolved_by_bot"]["reopened"] == 1
    assert rows["resolved_by_bot"]["messages_in"] == 1
    assert rows["abandoned"]["reopened"] == 0
    assert (rows["abandoned"]["messages_in"], rows["abandoned"]["messages_out"]) == (1, 0)
    assert rows["abandoned"]["first_response_seconds"] is None


def test_only_the_rows_a_new_stamp_touches_are_recomputed() -> None:
    first = received(TEN)
    close_1 = TEN + timedelta(hours=25)
    late = received(close_1 + timedelta(hours=30))
    events = [first, closed(TEN, close_1, ConversationOutcome.ABANDONED), late]
    stamps = [s for e in events if (s := stamp(e)) is not None]

    assert rows_of(stamps, [stamps[-1]]) == []
    assert len(rows_of(stamps, [stamps[0]])) == 1


def test_the_csv_has_a_header_and_one_line_per_row_with_planned_columns_empty() -> None:
    first = received(TEN)
    close_at = TEN + timedelta(hours=24)
    events = [first, reply(first, 4.25), closed(TEN, close_at, ConversationOutcome.RESOLVED_BY_BOT)]
    stamps = [s for e in events if (s := stamp(e)) is not None]

    parsed = list(csv.DictReader(io.StringIO(csv_text(rows_of(stamps)))))

    assert tuple(parsed[0].keys()) == COLUMNS
    assert parsed[0]["outcome"] == "resolved_by_bot"
    assert parsed[0]["first_response_seconds"] == "4.250"
    assert parsed[0]["closed_at"] == close_at.isoformat()
    assert parsed[0]["csat_score"] == ""
