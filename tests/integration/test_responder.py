"""The responder's handler on real MongoDB and Kafka, with no LLM and no Twilio configured."""

import uuid

import pytest
from faststream.kafka import KafkaBroker

from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.knowledge.collections import KNOWLEDGE_GAPS
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store, save_store
from tests.support.inbound import customer_says
from tests.support.responder import responder_deps

pytestmark = pytest.mark.slow


@pytest.fixture
async def offline_deps(db: Database, broker: KafkaBroker, settings: Settings) -> ResponderDeps:
    return responder_deps(db, broker, settings)  # the test settings have no LLM key


@pytest.fixture
async def store(db: Database) -> Store:
    created = Store(
        id=f"s-{uuid.uuid4().hex[:6]}", name="Toko Offline", whatsapp_number="+15550001111"
    )
    await save_store(db, created)
    return created


async def test_without_llm_nor_knowledge_the_bot_says_it_does_not_know_and_hands_over(
    db: Database, store: Store, offline_deps: ResponderDeps
) -> None:
    event = customer_says(store, "+6281100000001", "Halo, bisa bayar pakai kripto?")

    await on_message_received(event, offline_deps)

    reply = await db[MESSAGES].find_one({"_id": f"reply:{event.message_sid}"})
    assert reply is not None
    assert reply["text"].startswith("Maaf, saya belum punya informasi")
    assert reply["citations"] == []
    assert reply["state"] == "not_sent"
    assert reply["not_sent_reason"] == "twilio_not_configured"
    conversation = await db[CONVERSATIONS].find_one({"_id": event.conversation_id})
    assert conversation is not None
    assert conversation["owner"] == "human"
    assert conversation["hand_over_reason"] == "missing_knowledge"
    gap = await db[KNOWLEDGE_GAPS].find_one({"conversation_id": event.conversation_id})
    assert gap is not None
    assert gap["question"] == "bisa bayar pakai kripto?"  # the question, not the greeting
    assert gap["store_id"] == store.id


async def test_while_a_human_owns_the_conversation_the_bot_stays_silent(
    db: Database, store: Store, offline_deps: ResponderDeps
) -> None:
    first = customer_says(store, "+6281100000002", "Saya mau bicara dengan orang")
    second = customer_says(store, "+6281100000002", "Halo?")
    await on_message_received(first, offline_deps)  # hands over: no LLM

    await on_message_received(second, offline_deps)

    assert await db[MESSAGES].find_one({"_id": f"reply:{second.message_sid}"}) is None
    assert await db[MESSAGES].find_one({"_id": second.message_sid}) is not None  # still recorded


async def test_handling_the_same_message_again_changes_nothing(
    db: Database, store: Store, offline_deps: ResponderDeps
) -> None:
    event = customer_says(store, "+6281100000003", "Ongkir ke Bandung berapa?")
    await on_message_received(event, offline_deps)
    before = await db[MESSAGES].find_one({"_id": f"reply:{event.message_sid}"})

    await on_message_received(event, offline_deps)

    after = await db[MESSAGES].find_one({"_id": f"reply:{event.message_sid}"})
    assert before == after
    assert await db[MESSAGES].count_documents({"conversation_id": event.conversation_id}) == 2
