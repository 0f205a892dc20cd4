"""Conversation lifecycle and the `conversations.enriched` facts, on the real Kafka and MongoDB:
the idle sweep closes once with the right outcome, a reopen counts once, redelivery changes
nothing. The sweep is given its clock, so nothing here waits for a conversation to go idle."""

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from faststream.kafka import KafkaBroker

from services.enricher.classification.offline import OfflineClassifier
from services.enricher.conversation import LifecyclePolicy
from services.enricher.handlers import on_message_received, on_reply_sent
from services.enricher.lifecycle import close_idle
from services.responder.repository import ConversationLog
from shared import topics
from shared.conversations.collections import CONVERSATION_EVENTS, CONVERSATIONS
from shared.events import ConversationEnriched, HandOverReason, MessageReceived, ReplySent
from shared.mongo import Database, Document
from shared.settings import Settings
from tests.support.events import Hour, MakeReceived, MakeReplySent
from tests.support.facts import recorded_facts
from tests.support.kafka import records_mentioning

pytestmark = pytest.mark.slow


RINA = "+6281100000003"
POLICY = LifecyclePolicy(idle=timedelta(hours=24), reopen_window=timedelta(hours=24))


@pytest.fixture
def card(db: Database, store_id: str) -> Callable[[], Any]:
    async def read() -> Document | None:
        return await db[CONVERSATIONS].find_one({"_id": f"{store_id}:{RINA}"})

    return read


@pytest.fixture
def facts(settings: Settings, store_id: str) -> Callable[..., Any]:
    """The `conversations.enriched` records of this test's store, of one event type, by id."""

    async def read(event_type: str) -> dict[str, dict[str, Any]]:
        values = await records_mentioning(settings, topics.CONVERSATIONS_ENRICHED, store_id)
        found = [json.loads(value) for value in values]
        return {
            fact["event_id"]: fact
            for fact in found
            if fact["store_id"] == store_id and fact["event_type"] == event_type
        }

    return read


async def apply(db: Database, broker: KafkaBroker, *events: MessageReceived | ReplySent) -> None:
    for event in events:
        if isinstance(event, MessageReceived):
            await on_message_received(event, db, OfflineClassifier(), broker, policy=POLICY)
        else:
            await on_reply_sent(event, db, broker, policy=POLICY)


async def test_the_sweep_closes_an_idle_conversation_once_as_resolved_by_the_bot(
    db: Database,
    broker: KafkaBroker,
    card: Callable[[], Any],
    facts: Callable[..., Any],
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    message = make_received(RINA, "Kak, sepatu running ukuran 42 ready?", at=hour(10))
    answer = make_reply_sent(message, response_seconds=5)
    await apply(db, broker, message, answer)
    idle_at = answer.occurred_at + POLICY.idle

    early = await close_idle(db, broker, POLICY, idle_at - timedelta(seconds=1), store_id)
    both = await asyncio.gather(  # two replicas sweeping at the same moment
        close_idle(db, broker, POLICY, idle_at, store_id),
        close_idle(db, broker, POLICY, idle_at + timedelta(hours=1), store_id),
    )
    again = await close_idle(db, broker, POLICY, idle_at + timedelta(hours=2), store_id)

    assert (early, sum(both), again) == (0, 1, 0)
    closed = await card()
    assert closed["status"] == "closed"
    assert closed["outcome"] == "resolved_by_bot"
    assert closed["closed_at"] == idle_at
    assert closed["next_action"] is None
    [fact] = (await facts("conversation.closed")).values()
    assert fact["outcome"] == "resolved_by_bot"
    assert fact["conversation_id"] == message.conversation_id
    snapshots = await facts("conversation.enriched")
    assert [s["status"] for s in sorted(snapshots.values(), key=lambda s: s["revision"])] == [
        "open",
        "open",
        "closed",
    ]


async def test_a_hand_over_nobody_answered_closes_as_handed_over_unanswered(
    db: Database,
    broker: KafkaBroker,
    card: Callable[[], Any],
    store_id: str,
    make_received: MakeReceived,
    hour: Hour,
) -> None:
    message = make_received(RINA, "Saya mau bicara dengan admin", at=hour(10))
    await ConversationLog(db).hand_over(
        message.conversation_id, store_id, HandOverReason.CUSTOMER_REQUEST, message.occurred_at
    )
    await apply(db, broker, message)

    closed = await close_idle(db, broker, POLICY, hour(10) + timedelta(days=2), store_id)

    assert closed == 1
    assert (await card())["outcome"] == "handed_over_unanswered"


async def test_a_customer_writing_again_soon_after_a_bot_resolution_reopens_it_once(
    db: Database,
    broker: KafkaBroker,
    card: Callable[[], Any],
    facts: Callable[..., Any],
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    message = make_received(RINA, "Ongkir ke Bandung berapa?", at=hour(10))
    answer = make_reply_sent(message, response_seconds=5)
    await apply(db, broker, message, answer)
    closed_at = answer.occurred_at + POLICY.idle
    await close_idle(db, broker, POLICY, closed_at, store_id)
    back = make_received(RINA, "Kak, pesanan #2051 belum sampai", at=closed_at + timedelta(hours=3))

    await apply(db, broker, back)
    reopened = await card()
    await apply(db, broker, back, answer, back)  # redelivered

    assert await card() == reopened
    assert reopened["status"] == "open"
    assert reopened["outcome"] is None
    assert reopened["reopens"] == 1
    assert reopened["opened_at"] == back.occurred_at
    assert reopened["open_topics"]["order_numbers"] == ["2051"]
    [fact] = (await facts("conversation.reopened")).values()
    assert fact["previous_outcome"] == "resolved_by_bot"
    assert fact["message_sid"] == back.message_sid


async def test_a_customer_writing_after_the_reopen_window_opens_it_without_a_reopen(
    db: Database,
    broker: KafkaBroker,
    card: Callable[[], Any],
    store_id: str,
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    message = make_received(RINA, "Halo, toko buka jam berapa?", at=hour(10))
    answer = make_reply_sent(message, response_seconds=5)
    await apply(db, broker, message, answer)
    closed_at = answer.occurred_at + POLICY.idle
    await close_idle(db, broker, POLICY, closed_at, store_id)

    await apply(db, broker, make_received(RINA, "Halo lagi", at=closed_at + timedelta(days=3)))

    conversation = await card()
    assert conversation["status"] == "open"
    assert conversation.get("reopens", 0) == 0
    assert conversation["previous_outcome"] == "resolved_by_bot"


async def test_each_change_publishes_a_snapshot_and_redelivery_publishes_nothing_new(
    settings: Settings,
    db: Database,
    broker: KafkaBroker,
    card: Callable[[], Any],
    facts: Callable[..., Any],
    make_received: MakeReceived,
    make_reply_sent: MakeReplySent,
    hour: Hour,
) -> None:
    first = make_received(RINA, "Pesanan #1042 kok belum dikirim? kecewa banget", at=hour(10))
    second = make_received(RINA, "Tolong sambungkan ke admin!!", at=hour(10) + timedelta(minutes=3))
    await apply(db, broker, first, second)
    applied_once = await card()
    published = partial(recorded_facts, settings, db, first.conversation_id, ConversationEnriched)
    published_once = await published()

    await apply(db, broker, second, first)

    assert await card() == applied_once
    assert await published() == published_once
    snapshots = sorted((await facts("conversation.enriched")).values(), key=lambda s: s["revision"])
    assert [s["revision"] for s in snapshots] == [1, 2]
    newest = snapshots[-1]
    assert newest["status"] == "open"
    assert newest["latest_intent"] == applied_once["latest_intent"]
    assert newest["open_order_numbers"] == ["1042"]
    assert newest["next_action"] == applied_once["next_action"]
    assert "1042" in newest["summary"]
    assert applied_once["summary"]["engine"] == "extractive"
    assert await db[CONVERSATION_EVENTS].count_documents({"published": False}) == 0


async def test_facts_recorded_without_a_broker_are_published_by_the_sweep(
    db: Database,
    broker: KafkaBroker,
    facts: Callable[..., Any],
    store_id: str,
    make_received: MakeReceived,
    hour: Hour,
) -> None:
    message = make_received(RINA, "Halo kak", at=hour(10))
    await on_message_received(message, db, OfflineClassifier())  # as if Kafka was down
    await db[CONVERSATION_EVENTS].update_many({}, {"$set": {"recorded_at": hour(10)}})

    await close_idle(db, broker, POLICY, hour(11), store_id)  # nothing idle yet

    assert len(await facts("conversation.enriched")) == 1
    assert await db[CONVERSATION_EVENTS].count_documents({"published": False}) == 0
