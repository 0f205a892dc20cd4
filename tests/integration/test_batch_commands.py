"""How many MongoDB commands the enricher and the KPI aggregator send per customer message, when
their batches hold a few conversations (as `BATCH_WAIT_MS` gathers them at 20 messages/s):
guards on issue 16's per-message budget, counted by a command listener on the test's own client
(docs/benchmarks.md lists them). Each conversation is new, as every one of the bench's is: a
customer message, the bot's reply, Twilio's `sent` and `delivered` callbacks, and the card's
two snapshots."""

from collections.abc import Sequence
from datetime import timedelta

import pytest
from faststream.kafka import KafkaBroker

from services.enricher.classification.offline import OfflineClassifier
from services.enricher.handlers import on_card_events
from services.kpi_aggregator.handlers import on_events
from shared.events import DeliveryStatus, Event, MessageReceived, ReplySent
from shared.mongo import Database
from shared.settings import Settings
from tests.support import events
from tests.support.events import Hour, MakeReceived, MakeReplySent
from tests.support.mongo_commands import recorded

pytestmark = pytest.mark.slow

CONVERSATIONS = 5  # a batch's worth at 20 messages/s and the default 250 ms batch wait
# Commands for these five conversations (33 and 22 on main before this work); one more round
# trip per batch or per message fails the test.
# Two batches (the messages, the replies), outbox published: 4.6 a message. 22 until the
# labels got a transaction of their own: one commit more per batch of labels, where the
# embedded server committed (and synced to disk) each label on its own. 23 until the labels'
# transaction read which messages are stored: the enricher inserts the others, where an upsert
# cost the embedded server about twice as much per message under a burst. 24 until new
# messages were inserted outside a transaction (no read of which are stored, no commit): in one
# the responder's insert of the same message made it run again.
ENRICHER_BUDGET = 22
AGGREGATOR_BUDGET = 16  # one batch of the 30 events: 3.2 a message


def conversations(
    make_received: MakeReceived, make_reply_sent: MakeReplySent, hour: Hour
) -> tuple[list[MessageReceived], list[ReplySent]]:
    asked = [
        make_received(f"+62811000009{n:02d}", "Halo kak, ongkir ke Bandung berapa?", at=hour(10))
        for n in range(CONVERSATIONS)
    ]
    return asked, [make_reply_sent(message, response_seconds=2) for message in asked]


def follow_ups(asked: Sequence[MessageReceived], replies: Sequence[ReplySent]) -> list[Event]:
    """What the aggregator reads about each conversation besides its message and reply."""
    found: list[Event] = []
    for message, reply in zip(asked, replies, strict=True):
        assert reply.twilio_sid is not None
        for status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED):
            found.append(
                events.status_changed(
                    status,
                    reply.occurred_at + timedelta(seconds=1),
                    sid=reply.twilio_sid,
                    store_id=message.store_id,
                    conversation_id=message.conversation_id,
                )
            )
        at = message.occurred_at
        found += [
            events.enriched(message, 1, at, "shipping", "neutral"),
            events.enriched(message, 2, reply.occurred_at, "shipping", "neutral"),
        ]
    return found


async def test_the_enricher_stays_within_its_budget_per_customer_message(
    db: Database,
    settings: Settings,
    broker: KafkaBroker,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    asked, replies = conversations(make_received, make_reply_sent, hour)
    async with recorded(db, settings) as (counted_db, recorder):
        await on_card_events(asked, counted_db, OfflineClassifier(), broker)
        await on_card_events(replies, counted_db, OfflineClassifier(), broker)
        sent = recorder.counted()  # before the client's close ends its sessions

    print(sorted(sent.items()))
    cards = await db["conversations"].count_documents(
        {"_id": {"$in": [m.conversation_id for m in asked]}, "outbound_messages": 1}
    )
    assert cards == CONVERSATIONS
    assert sum(sent.values()) <= ENRICHER_BUDGET, sorted(sent.items())


async def test_the_kpi_aggregator_stays_within_its_budget_per_customer_message(
    db: Database,
    settings: Settings,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    asked, replies = conversations(make_received, make_reply_sent, hour)
    batch = [*asked, *replies, *follow_ups(asked, replies)]
    async with recorded(db, settings) as (counted_db, recorder):
        await on_events(batch, counted_db)
        sent = recorder.counted()

    print(sorted(sent.items()))
    claims = await db["processed_events"].count_documents({"_id": {"$regex": "^kpi_aggregator:"}})
    assert claims >= len(batch)
    assert sum(sent.values()) <= AGGREGATOR_BUDGET, sorted(sent.items())
