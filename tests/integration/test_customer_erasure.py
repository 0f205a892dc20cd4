"""Erasure against the real MongoDB: the event journal's copies of one customer's events go
(by conversation key, and WooCommerce events matched one by one), other customers' stay; the
ledger keeps the erased customer's earlier events out of replays, not their later ones; the
erasure is announced on `customers.erased` without the number."""

from datetime import UTC, datetime, timedelta

from faststream.kafka import KafkaBroker

from shared import topics
from shared.channels import Channel
from shared.conversations.collections import MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.events import CustomerErased, Event, OrderChanged, event_id_for
from shared.identity import conversation_id
from shared.journal import JOURNAL
from shared.mongo import Database
from shared.privacy.collections import CUSTOMER_ERASURES
from shared.privacy.customer import find_customer
from shared.privacy.erasure import erase
from shared.privacy.ledger import read_erased
from shared.settings import Settings
from shared.stores.directory import Store
from tests.support import events
from tests.support.kafka import records_mentioning


def journaled(event: Event) -> dict[str, object]:
    """A journal entry as shared/journal.py records one published record."""
    return {
        "topic": event.topic,
        "key": event.key(),
        "value": event.model_dump_json().encode(),
        "headers": [],
        "at": event.occurred_at,
    }


def an_order(store: Store, number: str, order_id: int) -> OrderChanged:
    now = datetime.now(UTC)
    return OrderChanged(
        event_id=event_id_for("test-order", str(order_id)),
        occurred_at=now,
        store_id=store.id,
        change="created",
        modified_at=now,
        order_id=order_id,
        billing_phone=number,
    )


async def test_the_journal_loses_the_customers_events_and_keeps_the_others(
    db: Database, broker: KafkaBroker, store: Store
) -> None:
    customer, other = events.new_customer(), events.new_customer()
    theirs = [
        events.received(customer, "alamat saya di Jalan Melati", store_id=store.id),
        an_order(store, customer, 501),
    ]
    others = [
        events.received(other, "ada warna biru?", store_id=store.id),
        an_order(store, other, 502),
    ]
    await db[JOURNAL].insert_many([journaled(event) for event in theirs + others])

    record = await erase(db, broker, await find_customer(db, store.id, customer), "test")

    left = [document["value"] async for document in db[JOURNAL].find({})]
    assert len(left) == 2
    assert all(customer.lstrip("+") not in value.decode() for value in left)
    assert record.removed[JOURNAL] == 2
    assert await db[CUSTOMER_ERASURES].count_documents({"store_id": store.id}) == 1


async def test_an_erasure_is_announced_by_hash_and_counts_only(
    db: Database, broker: KafkaBroker, store: Store, settings: Settings
) -> None:
    customer = events.new_customer()
    await db[MESSAGES].insert_one(
        inbound_message_document(events.received(customer, "halo", store_id=store.id))
    )

    record = await erase(db, broker, await find_customer(db, store.id, customer), "test")

    published = [
        CustomerErased.model_validate_json(value)
        for value in await records_mentioning(settings, topics.CUSTOMERS_ERASED, store.id)
    ]
    assert [(e.customer_hash, e.removed[MESSAGES]) for e in published] == [
        (record.customer_hash, 1)
    ]
    assert customer.lstrip("+") not in published[0].model_dump_json()


async def test_the_ledger_covers_the_erased_customers_earlier_events_only(
    db: Database, broker: KafkaBroker, store: Store
) -> None:
    customer = events.new_customer()
    before = events.received(customer, "sebelum", store_id=store.id)
    someone_else = events.received(events.new_customer(), "orang lain", store_id=store.id)

    await erase(db, broker, await find_customer(db, store.id, customer), "test")
    later = events.received(
        customer, "saya kembali", datetime.now(UTC) + timedelta(minutes=1), store_id=store.id
    )
    erased = await read_erased(db)

    assert erased.covers(before)
    assert not erased.covers(later)
    assert not erased.covers(someone_else)


async def test_an_erasure_covers_the_customers_conversations_on_every_channel(
    db: Database, broker: KafkaBroker, store: Store
) -> None:
    customer, other = events.new_customer(), events.new_customer()
    on_twilio = events.received(customer, "pesanan #77 sudah dikirim?", store_id=store.id)
    on_cloud = events.received(
        customer,
        "alamat saya Jalan Kenanga 5",
        store_id=store.id,
        conversation_id=conversation_id(store.id, customer, Channel.WHATSAPP_CLOUD),
        channel=Channel.WHATSAPP_CLOUD,
    )
    someone_else = events.received(
        other,
        "ada ukuran XL?",
        store_id=store.id,
        conversation_id=conversation_id(store.id, other, Channel.WHATSAPP_CLOUD),
        channel=Channel.WHATSAPP_CLOUD,
    )
    for message in (on_twilio, on_cloud, someone_else):
        await db[MESSAGES].insert_one(inbound_message_document(message))
    await db[JOURNAL].insert_many([journaled(e) for e in (on_twilio, on_cloud, someone_else)])

    await erase(db, broker, await find_customer(db, store.id, customer), "test")

    held = [m async for m in db[MESSAGES].find({"store_id": store.id})]
    assert all(customer not in str(message) for message in held)
    assert any(other in str(message) for message in held)  # nobody else's data goes
    journal = [document["value"].decode() async for document in db[JOURNAL].find({})]
    assert len(journal) == 1
    assert other in journal[0]


async def test_an_erasure_covers_the_customers_email_conversation_too(
    db: Database, broker: KafkaBroker, store: Store
) -> None:
    customer, address = events.new_customer(), "budi.santoso@example.com"
    by_email = events.received(
        address, "Pesanan #77 saya?", store_id=store.id, channel=Channel.EMAIL, subject="#77"
    )
    someone_else = events.received(
        "siti@example.com", "Ada ukuran XL?", store_id=store.id, channel=Channel.EMAIL, subject="XL"
    )
    for message in (by_email, someone_else):
        await db[MESSAGES].insert_one(inbound_message_document(message))

    # erased by their number, with the e-mail they asked from (or their WooCommerce account's)
    await erase(
        db,
        broker,
        await find_customer(db, store.id, customer, emails=["Budi.Santoso@example.com"]),
        "test",
    )

    held = [m["text"] async for m in db[MESSAGES].find({"store_id": store.id})]
    assert held == ["Ada ukuran XL?"]
