"""The enricher's batches against the real MongoDB: a batch applies each conversation's events
in their order, as one by one would, and a redelivered batch changes nothing."""

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.enricher import handlers
from services.enricher.classification.offline import OfflineClassifier
from services.enricher.handlers import on_card_events, on_message_received, on_reply_sent
from services.responder.repository import ConversationLog
from shared.conversations.collections import CONVERSATION_EVENTS, CONVERSATIONS, MESSAGES
from shared.events import MessageReceived, ReplySent
from shared.mongo import PROCESSED_EVENTS, Database, Document
from tests.support.events import Hour, MakeReceived, MakeReplySent

pytestmark = pytest.mark.slow


BUDI = "+6281100000001"
SARI = "+6281100000002"
RINA = "+6281100000003"

# What a card concludes (its times aside), compared between a batch and one by one.
CONCLUSIONS = [
    "inbound_messages",
    "outbound_messages",
    "profile_name",
    "status",
    "revision",
    "latest_intent",
    "latest_sentiment",
    "sentiment_trend",
    "open_topics",
    "next_action",
]


def conclusions(card: Document) -> dict[str, Any]:
    found = {field: card.get(field) for field in CONCLUSIONS}
    last = card["last_message"]
    return {**found, "last": (last["direction"], last["text"]), "summary": card["summary"]["text"]}


def conversation(
    make_received: MakeReceived, make_reply_sent: MakeReplySent, customer: str, start: datetime
) -> list[MessageReceived | ReplySent]:
    """A short conversation: a question, its answer, a complaint with an order number, thanks."""
    ask = make_received(customer, "Halo kak, ongkir ke Bandung berapa?", at=start, profile_name="B")
    complaint = make_received(
        customer, "Pesanan 10234 belum sampai, kecewa banget", at=start + timedelta(minutes=3)
    )
    thanks = make_received(customer, "Oke makasih kak", at=start + timedelta(minutes=9))
    return [ask, make_reply_sent(ask, response_seconds=20), complaint, thanks]


async def card_of(db: Database, event: MessageReceived | ReplySent) -> Document:
    card = await db[CONVERSATIONS].find_one({"_id": event.conversation_id})
    assert card is not None
    return card


async def written(db: Database, events: Sequence[MessageReceived | ReplySent]) -> list[Any]:
    """Everything the enricher keeps about `events`: cards, labelled messages, outbox facts."""
    ids = sorted({event.conversation_id for event in events})
    found: list[Any] = []
    for collection, field in [
        (CONVERSATIONS, "_id"),
        (MESSAGES, "conversation_id"),
        (CONVERSATION_EVENTS, "conversation_id"),
    ]:
        documents = db[collection].find({field: {"$in": ids}}).sort("_id")
        found.append([document async for document in documents])
    return found


async def test_a_batch_applies_each_conversations_events_in_order_as_one_by_one_would(
    db: Database, make_received: MakeReceived, make_reply_sent: MakeReplySent, hour: Hour
) -> None:
    one_by_one = conversation(make_received, make_reply_sent, BUDI, hour(10))
    sari = conversation(make_received, make_reply_sent, SARI, hour(10))
    rina = conversation(make_received, make_reply_sent, RINA, hour(11))
    interleaved = [event for pair in zip(sari, rina, strict=True) for event in pair]
    for event in one_by_one:
        if isinstance(event, MessageReceived):
            await on_message_received(event, db, OfflineClassifier())
        else:
            await on_reply_sent(event, db)

    await on_card_events(interleaved, db, OfflineClassifier())

    expected = await card_of(db, one_by_one[0])
    for events in (sari, rina):
        card = await card_of(db, events[0])
        assert card["revision"] == len(events)
        assert [turn["text"] for turn in card["recent_turns"]] == [e.text for e in events]
        assert conclusions(card) == conclusions(expected)
    # The conversation's snapshots are recorded (and so published) in the order of its events.
    facts = db[CONVERSATION_EVENTS].find(
        {"conversation_id": sari[0].conversation_id, "event_type": "ConversationEnriched"}
    )
    ordered = sorted([fact async for fact in facts], key=lambda f: (f["recorded_at"], f["order"]))
    assert [f'revision":{n},' in fact["payload"] for n, fact in enumerate(ordered, 1)] == [
        True
    ] * len(sari)


async def test_a_redelivered_batch_changes_nothing_and_a_partly_new_one_only_adds_the_new(
    db: Database, make_received: MakeReceived, make_reply_sent: MakeReplySent, hour: Hour
) -> None:
    events = conversation(make_received, make_reply_sent, BUDI, hour(10))
    others = conversation(make_received, make_reply_sent, SARI, hour(10))
    batch = [*events[:2], *others]
    await on_card_events([*batch, events[0]], db, OfflineClassifier())  # with a replayed copy
    before = await written(db, batch)
    assert (before[0][0]["inbound_messages"], before[0][0]["outbound_messages"]) == (1, 1)

    await on_card_events(batch, db, OfflineClassifier())
    assert await written(db, batch) == before

    await on_card_events([*batch, *events[2:]], db, OfflineClassifier())
    card = await card_of(db, events[0])
    assert (card["inbound_messages"], card["outbound_messages"]) == (3, 1)
    assert card["revision"] == len(events)
    assert await card_of(db, others[0]) == before[0][1]  # Sari's card: untouched


async def test_events_claimed_between_the_redelivery_check_and_the_transaction_count_once(
    db: Database,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events = conversation(make_received, make_reply_sent, BUDI, hour(10))
    await on_card_events(events[:2], db, OfflineClassifier())

    async def found_free(_: Database, checked: Sequence[Any]) -> list[Any]:
        return list(checked)  # as if another replica claimed them just after the check

    monkeypatch.setattr(handlers, "_not_processed", found_free)
    await on_card_events(events[:3], db, OfflineClassifier())

    card = await card_of(db, events[0])
    assert (card["inbound_messages"], card["outbound_messages"]) == (2, 1)
    assert card["revision"] == 3
    assert [turn["text"] for turn in card["recent_turns"]] == [e.text for e in events[:3]]


async def test_a_fact_recorded_before_its_event_was_claimed_is_kept_and_the_card_still_written(
    db: Database, make_received: MakeReceived, make_reply_sent: MakeReplySent, hour: Hour
) -> None:
    # A replay after the event's ledger entry expired, its outbox fact still kept: the batch's
    # insert of the fact meets a duplicate key, and the batch is applied again with upserts.
    events = conversation(make_received, make_reply_sent, BUDI, hour(10))
    await on_card_events(events[:1], db, OfflineClassifier())
    fact = await db[CONVERSATION_EVENTS].find_one({"conversation_id": events[0].conversation_id})
    assert fact is not None
    await db[PROCESSED_EVENTS].delete_many({})
    await db[CONVERSATIONS].delete_many({})

    await on_card_events(events[:2], db, OfflineClassifier())

    card = await card_of(db, events[0])
    assert (card["inbound_messages"], card["outbound_messages"]) == (1, 1)
    assert await db[CONVERSATION_EVENTS].find_one({"_id": fact["_id"]}) == fact
    assert await db[CONVERSATION_EVENTS].count_documents({}) == 2


async def test_two_batches_starting_one_new_card_at_once_both_count(
    db: Database, make_received: MakeReceived, hour: Hour
) -> None:
    # As two replicas during a rebalance: both find no card and insert it; one wins, the other
    # runs again on the card it finds.
    first = make_received(BUDI, "Halo kak", at=hour(10))
    second = make_received(BUDI, "Ongkir ke Bandung berapa?", at=hour(10) + timedelta(seconds=5))

    await asyncio.gather(
        on_card_events([first], db, OfflineClassifier()),
        on_card_events([second], db, OfflineClassifier()),
    )

    card = await card_of(db, first)
    assert (card["inbound_messages"], card["revision"]) == (2, 2)
    assert [turn["text"] for turn in card["recent_turns"]] == [first.text, second.text]
    assert await db[CONVERSATION_EVENTS].count_documents({}) == 2


async def test_labels_written_while_the_responder_stores_the_same_messages_are_all_kept(
    db: Database, make_received: MakeReceived, hour: Hour
) -> None:
    messages = [
        make_received(f"+62811000002{n:02d}", f"Pesanan {n} kapan dikirim?", at=hour(10))
        for n in range(12)
    ]
    responder = ConversationLog(db)

    await asyncio.gather(
        on_card_events(messages, db, OfflineClassifier()),
        *(responder.record_inbound(message) for message in messages),
    )

    stored = db[MESSAGES].find({"_id": {"$in": [m.message_sid for m in messages]}})
    complete = [m async for m in stored if m.get("classification") and m.get("text")]
    assert len(complete) == len(messages)
