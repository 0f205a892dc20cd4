"""Each service's part of an erasure, on the real broker and MongoDB: when `customers.erased`
arrives, what the service wrote of the erased customer after the erasure's pass (a message
that was in flight during it) goes too, other customers' documents stay, the KPI totals do not
move, and the same event handled again erases nothing more."""

from collections.abc import Sequence
from functools import partial

from faststream.kafka import KafkaBroker

from services.enricher import app as enricher
from services.enricher.classification.offline import OfflineClassifier
from services.enricher.handlers import on_message_received
from services.kpi_aggregator import handlers as aggregator
from services.responder import app as responder
from services.responder.repository import GROUP as RESPONDER
from services.responder.repository import ConversationLog
from shared import topics
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import CustomerErased, MessageReceived
from shared.identity import conversation_id, customer_hash
from shared.knowledge.collections import KNOWLEDGE_GAPS
from shared.kpis.collections import (
    CONVERSATION_FACT_EVENTS,
    CONVERSATION_FACTS,
    KPI_CUSTOMER_HOURS,
    KPI_DAILY,
    KPI_HOURLY,
)
from shared.mongo import PROCESSED_EVENTS, Database, Document
from shared.privacy.customer import find_customer
from shared.privacy.erasure import erase, erase_again, erased_event
from shared.stores.directory import Store
from tests.support import events
from tests.support.kafka import Consumers
from tests.support.waiting import eventually


async def erased_before_their_last_message(
    db: Database, broker: KafkaBroker, store: Store, customer: str
) -> tuple[CustomerErased, MessageReceived]:
    """The customer wrote, was erased, and the message they wrote meanwhile is handled only
    now: the erasure's event, and that late message."""
    await ConversationLog(db).record_inbound(events.received(customer, "awal", store_id=store.id))
    record = await erase(db, broker, await find_customer(db, store.id, customer), "test")
    late = events.received(
        customer, "jilbab zamrud", record.erased_at, store_id=store.id
    )  # sent before the erasure ended, handled after it
    return erased_event(record), late


async def held(db: Database, collections: Sequence[str], conversation: str) -> dict[str, int]:
    counts = {
        name: await db[name].count_documents({"conversation_id": conversation})
        for name in collections
    }
    counts[CONVERSATIONS] = await db[CONVERSATIONS].count_documents({"_id": conversation})
    return {name: count for name, count in counts.items() if count}


async def test_the_responder_erases_what_it_wrote_after_the_erasure_once_per_event(
    db: Database, broker: KafkaBroker, store: Store, consumers: Consumers
) -> None:
    customer, other = events.new_customer(), events.new_customer()
    erased, late = await erased_before_their_last_message(db, broker, store, customer)
    log = ConversationLog(db)
    await log.record_inbound(late)
    await log.record_gap(late, [late.text])
    await log.record_inbound(events.received(other, "punya orang lain", store_id=store.id))
    theirs = conversation_id(store.id, customer)
    assert await held(db, (MESSAGES, KNOWLEDGE_GAPS), theirs) == {MESSAGES: 1, KNOWLEDGE_GAPS: 1}

    handler = partial(erase_again, db=db, group=RESPONDER, collections=responder.WRITES)
    await consumers.keyed(f"test-responder-{store.id}", {topics.CUSTOMERS_ERASED: handler})

    await done(db, RESPONDER, erased)
    assert await held(db, (MESSAGES, KNOWLEDGE_GAPS), theirs) == {}
    assert await db[MESSAGES].count_documents({"conversation_id": f"{store.id}:{other}"}) == 1
    # Handled again (a redelivery, a replay), the event erases nothing more: once per event.
    await log.record_inbound(events.received(customer, "saya kembali", store_id=store.id))
    await erase_again(erased, db, RESPONDER, responder.WRITES)
    assert await held(db, (MESSAGES,), theirs) == {MESSAGES: 1}


async def test_the_enricher_erases_the_card_and_message_it_wrote_after_the_erasure(
    db: Database, broker: KafkaBroker, store: Store, consumers: Consumers
) -> None:
    customer, other = events.new_customer(), events.new_customer()
    erased, late = await erased_before_their_last_message(db, broker, store, customer)
    await on_message_received(late, db, OfflineClassifier())
    await on_message_received(
        events.received(other, "ada warna biru?", store_id=store.id), db, OfflineClassifier()
    )
    theirs = conversation_id(store.id, customer)
    assert await held(db, (MESSAGES,), theirs) == {MESSAGES: 1, CONVERSATIONS: 1}

    handler = partial(erase_again, db=db, group=enricher.GROUP, collections=enricher.WRITES)
    await consumers.keyed(f"test-enricher-{store.id}", {topics.CUSTOMERS_ERASED: handler})

    await done(db, enricher.GROUP, erased)
    assert await held(db, (MESSAGES,), theirs) == {}
    assert await held(db, (MESSAGES,), f"{store.id}:{other}") == {MESSAGES: 1, CONVERSATIONS: 1}


async def test_the_aggregator_pseudonymises_what_it_counted_after_the_erasure_and_keeps_totals(
    db: Database, broker: KafkaBroker, store: Store, consumers: Consumers
) -> None:
    customer, other = events.new_customer(), events.new_customer()
    erased, late = await erased_before_their_last_message(db, broker, store, customer)
    someone = events.received(other, "ada warna biru?", store_id=store.id)
    await aggregator.on_events(
        [late, events.closed(late, late.occurred_at, "abandoned"), someone], db
    )
    theirs = conversation_id(store.id, customer)
    hashed = customer_hash(customer)
    assert await held(db, (CONVERSATION_FACTS, CONVERSATION_FACT_EVENTS), theirs)
    assert await db[KPI_CUSTOMER_HOURS].count_documents({"_id": {"$regex": f"{hashed}$"}}) == 1
    before = await totals(db, store)

    await consumers.batch(
        f"test-aggregator-{store.id}",
        [topics.CUSTOMERS_ERASED],
        partial(aggregator.on_events, db=db),
    )

    await done(db, aggregator.GROUP, erased)
    assert await held(db, (CONVERSATION_FACTS, CONVERSATION_FACT_EVENTS), theirs) == {}
    assert await db[KPI_CUSTOMER_HOURS].count_documents({"_id": {"$regex": f"{hashed}$"}}) == 0
    claims = {"_id": {"$regex": f"^{store.id}\\|"}}
    assert await db[KPI_CUSTOMER_HOURS].count_documents(claims) == 2  # under a pseudonym
    assert await totals(db, store) == before
    assert await held(db, (CONVERSATION_FACT_EVENTS,), f"{store.id}:{other}")


async def totals(db: Database, store: Store) -> list[Document]:
    found = []
    for collection in (KPI_HOURLY, KPI_DAILY):
        found += await db[collection].find({"store_id": store.id}).sort("_id").to_list()
    return found


async def done(db: Database, group: str, erased: CustomerErased) -> None:
    """Until the service has claimed the erasure's event: its part of the erasure is over."""
    claim = f"{group}:erasure:{erased.event_id}"
    await eventually(lambda: db[PROCESSED_EVENTS].find_one({"_id": claim}))
