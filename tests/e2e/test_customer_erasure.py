"""Erasing one customer from the running system: messages, card, facts, a CSAT answer, a
knowledge gap and the cached WooCommerce customer go, the KPI totals stay, and neither a KPI
rebuild nor a replay brings anything back."""

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import TopicPartition

from services.enricher.handlers import GROUP as ENRICHER_GROUP
from services.responder.repository import ConversationLog
from shared import kafka, mongo, topics
from shared.conversations.collections import CONVERSATIONS, CSAT_SURVEYS, MESSAGES
from shared.events import (
    CsatSurveyDue,
    CustomerChanged,
    MessageReceived,
    event_id_for,
)
from shared.identity import conversation_id
from shared.kpis.collections import CONVERSATION_FACTS, KPI_DAILY, KPI_HOURLY
from shared.privacy.collections import CUSTOMER_ERASURES
from shared.privacy.customer import find_customer
from shared.privacy.data_map import BY_COLLECTION, COLLECTIONS, Finder
from shared.stores.directory import Store
from shared.woocommerce.collections import WOOCOMMERCE_CUSTOMERS
from tests.standins.twilio_api import TwilioStandIn
from tests.support import events
from tests.support.system import RunningSystem, Webhooks
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

NAME, SURNAME, EMAIL = "Kirana", "Wicaksana", "kirana.wicaksana@example.id"
WORDS = "jilbab zamrud pesanan kemarin belum sampai"


async def balas(system: RunningSystem, *arguments: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "balas", *arguments,
        env=system.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


async def traces(db: mongo.Database, *marks: str) -> list[tuple[str, str]]:
    """Every (collection, mark) where a document of any collection holds one of `marks`."""
    found = []
    for name in await db.list_collection_names():
        async for document in db[name].find():
            text = repr(document)
            found += [(name, mark) for mark in marks if mark in text]
    return sorted(set(found))


async def totals(db: mongo.Database, store: Store) -> list[dict[str, Any]]:
    buckets = []
    for collection in (KPI_HOURLY, KPI_DAILY):
        async for bucket in db[collection].find({"store_id": store.id}).sort("_id"):
            buckets.append(bucket)
    return buckets


async def a_customer_with_history(
    system: RunningSystem,
    db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> str:
    customer = events.new_customer()
    broker = kafka.make_broker(system.settings, "test-erasure")
    await broker.start()
    now = datetime.now(UTC)
    try:
        await kafka.publish(
            broker,
            CustomerChanged(
                event_id=event_id_for("test", store.id, customer),
                occurred_at=now,
                store_id=store.id,
                change="created",
                modified_at=now,
                customer_id=7301,
                email=EMAIL,
                first_name=NAME,
                last_name=SURNAME,
                billing_phone=customer,
            ),
        )
        await eventually(lambda: db[WOOCOMMERCE_CUSTOMERS].find_one({"_id": f"{store.id}:7301"}))
        await webhooks.message(store, customer, f"Halo kak, {WORDS}")
        await eventually(lambda: twilio_api.sent_to(customer))
        first = await db[MESSAGES].find_one(
            {"conversation_id": conversation_id(store.id, customer)}
        )
        assert first is not None
        await ConversationLog(db).record_gap(
            MessageReceived(
                event_id=event_id_for("test-gap", first["_id"]),
                occurred_at=first["created_at"],
                store_id=store.id,
                conversation_id=first["conversation_id"],
                message_sid=first["_id"],
                customer_number=customer,
                store_number=store.whatsapp_number,
                text=first["text"],
            ),
            [first["text"]],
        )
        opened = first["created_at"]
        await kafka.publish(
            broker, events.closed(_as_event(first, customer, store), now, "resolved_by_bot")
        )
        # the enricher marks the card before it asks for a survey; the responder reads ratings
        # only of conversations so marked
        marked = {"$set": {"csat_session": opened}}
        await eventually(
            lambda: db[CONVERSATIONS].find_one_and_update({"_id": first["conversation_id"]}, marked)
        )
        await kafka.publish(
            broker,
            CsatSurveyDue(
                event_id=event_id_for("test-csat", first["conversation_id"]),
                occurred_at=now,
                store_id=store.id,
                conversation_id=first["conversation_id"],
                session_opened_at=opened,
                last_customer_message_at=opened,
                customer_number=customer,
                reason="closed",
            ),
        )
        survey = await eventually(
            lambda: db[CSAT_SURVEYS].find_one(
                {"conversation_id": first["conversation_id"], "state": "sent"}
            )
        )
        await webhooks.message(store, customer, "5")
        await eventually(lambda: db[CSAT_SURVEYS].find_one({"_id": survey["_id"], "rating": 5}))
        await eventually(
            lambda: db[CONVERSATION_FACTS].find_one({"conversation_id": first["conversation_id"]})
        )
        card = await eventually(
            lambda: db[CONVERSATIONS].find_one(
                {"_id": first["conversation_id"], "customer.id": 7301}
            )
        )
        assert card is not None
    finally:
        await broker.stop()
    return customer


async def in_flight(db: mongo.Database, store: Store, customer: str) -> MessageReceived:
    """A message the customer sent just before the erasure, handled just after it."""
    (record,) = await db[CUSTOMER_ERASURES].find({"store_id": store.id}).to_list()
    return MessageReceived(
        event_id=event_id_for("test-in-flight", store.id, customer),
        occurred_at=record["erased_at"] - timedelta(seconds=1),
        store_id=store.id,
        conversation_id=conversation_id(store.id, customer),
        message_sid=f"SM{uuid.uuid4().hex}",
        customer_number=customer,
        store_number=store.whatsapp_number,
        text=f"Kak, {WORDS}?",
    )


async def handled(system: RunningSystem, group: str, topic: str) -> bool:
    """Whether `group` has committed every record of `topic`: whatever handling them writes is
    written by then."""
    bootstrap = kafka.bootstrap_servers(system.settings)
    partitions = [TopicPartition(topic, p) for p in range(system.settings.kafka.partitions)]
    bounds = await kafka.log_bounds(bootstrap, partitions)
    committed = (await kafka.committed_by_group(bootstrap, partitions)).get(group, {})
    return all(committed.get(tp, 0) >= bound.end for tp, bound in bounds.items())


async def _nothing(found: Awaitable[list[Any]]) -> bool:
    return not await found


def _as_event(message: dict[str, Any], customer: str, store: Store) -> MessageReceived:
    return MessageReceived(
        event_id=event_id_for("test-opened", message["_id"]),
        occurred_at=message["created_at"],
        store_id=store.id,
        conversation_id=message["conversation_id"],
        message_sid=message["_id"],
        customer_number=customer,
        store_number=store.whatsapp_number,
        text=message["text"],
    )


async def test_an_erased_customer_leaves_no_trace_and_the_kpi_totals_stay(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
) -> None:
    customer = await a_customer_with_history(system, system_db, store, webhooks, twilio_api)
    marks = (customer.lstrip("+"), NAME, SURNAME, EMAIL, "zamrud")
    assert {collection for collection, _ in await traces(system_db, *marks)} >= {
        MESSAGES, CONVERSATIONS, CSAT_SURVEYS, CONVERSATION_FACTS, WOOCOMMERCE_CUSTOMERS,
        "knowledge_gaps",
    }  # fmt: skip
    # Whatever the running system created is on the personal-data map.
    assert set(await system_db.list_collection_names()) - set(BY_COLLECTION) == set()
    await asyncio.sleep(2)  # the aggregator's last counts land
    before = await totals(system_db, store)

    system.services.stop("responder")  # it is handling a message of theirs: see below
    output = await balas(
        system, "customer", "erase", "--store", store.id, "--phone", customer, "--yes"
    )

    assert "erased" in output
    assert await traces(system_db, *marks) == []
    # The enricher erases again what it writes (messages among them) when the erasure is
    # announced; a message written before it has would go then, not when the responder is back.
    await eventually(lambda: handled(system, ENRICHER_GROUP, topics.CUSTOMERS_ERASED))
    # The message in flight during the erasure is written after it; back, the responder reads
    # `customers.erased` and erases it too.
    await ConversationLog(system_db).record_inbound(await in_flight(system_db, store, customer))
    assert await traces(system_db, "zamrud") == [(MESSAGES, "zamrud")]
    system.services.start("responder")
    await system.services.wait_ready()
    await eventually(lambda: _nothing(traces(system_db, *marks)))
    assert await totals(system_db, store) == before
    record = await system_db[CUSTOMER_ERASURES].find_one({"store_id": store.id})
    assert record is not None
    assert record["removed"][MESSAGES] >= 2
    assert all(isinstance(count, int) for count in record["removed"].values())

    today = datetime.now(UTC).date()
    await balas(
        system, "kpi", "rebuild", "--store", store.id,
        "--from", f"{today - timedelta(days=1)}", "--to", f"{today + timedelta(days=1)}",
    )  # fmt: skip
    an_hour_ago = f"{datetime.now(UTC) - timedelta(hours=1):%Y-%m-%dT%H:%M}"
    await balas(
        system, "replay", "--topic", topics.WHATSAPP_INBOUND, "--group", "responder",
        "--from", an_hour_ago,
    )  # fmt: skip
    await eventually(lambda: handled(system, "responder", topics.replay("responder")))

    assert await traces(system_db, *marks) == []


async def test_an_export_holds_the_customers_documents_of_every_mapped_collection(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    twilio_api: TwilioStandIn,
    tmp_path: Any,
) -> None:
    customer = await a_customer_with_history(system, system_db, store, webhooks, twilio_api)

    await balas(
        system,
        "customer",
        "export",
        "--store",
        store.id,
        "--phone",
        customer,
        "--out",
        str(tmp_path),
    )

    (exported_json,) = tmp_path.glob("*.json")
    exported = json.loads(exported_json.read_text())
    holding = {name for name, documents in exported["collections"].items() if documents}
    assert holding >= {
        MESSAGES, CONVERSATIONS, CSAT_SURVEYS, CONVERSATION_FACTS, WOOCOMMERCE_CUSTOMERS,
        "knowledge_gaps", "kpi_customers", "kpi_customer_hours",
    }  # fmt: skip
    assert WORDS in exported_json.read_text()
    person = await find_customer(system_db, store.id, customer)
    for holding in COLLECTIONS:  # every mapped collection: all of the person's documents
        query = person.filter(holding)
        if query is not None and holding.payload is None and holding.finder is not Finder.STAFF:
            held = await system_db[holding.collection].count_documents(query)
            assert len(exported["collections"][holding.collection]) == held, holding.collection
    (page,) = tmp_path.glob("*.html")
    assert EMAIL in page.read_text()
