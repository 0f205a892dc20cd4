"""Commerce KPIs in MongoDB: order snapshots and conversations folded into per-order records.

One call per batch, inside the batch's transaction, after its conversation stamps are stored:

1. each `OrderChanged` is merged into its order's record (`kpi_orders`, `orders.observe`);
2. the orders a customer's new message or reply may attribute (placed within the attribution
   window after it) are found by the customer's hash;
3. the records whose customer is known here are attributed from the conversation's stamps
   (`conversation_fact_events`, kept by the fact table) in the window before the order;
4. each record's figures are recomputed and only the difference to what was counted before is
   added to the hour and day buckets; conversions are claims (`kpi_conversions`: a customer-hour
   or customer-day with the orders it led to) counted when their first order arrives and
   uncounted when their last one goes (a deleted order).

Everything is a function of what is stored plus the batch, so redelivery changes nothing, and
any arrival order (the order before the message that attributes it) ends at the same numbers.
A batch costs a handful of queries, whatever its size.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pymongo import DeleteOne, UpdateOne

from services.kpi_aggregator.buckets import Increments
from services.kpi_aggregator.orders import (
    Conversion,
    OrderFact,
    OrderRecord,
    attribute,
    conversions,
    counted_facts,
    difference,
    observe,
    order_facts,
    order_key,
    settled,
)
from services.kpi_aggregator.records import save_changed
from shared.events import Event, MessageReceived, OrderChanged, ReplySent
from shared.identity import customer_hash, customer_number, phone_conversation_ids
from shared.kpis.collections import CONVERSATION_FACT_EVENTS, KPI_CONVERSIONS, KPI_ORDERS
from shared.kpis.keys import hour_start, local_date
from shared.kpis.zones import UTC_ZONE
from shared.mongo import Database, Document, Session
from shared.phones import normalise, store_country
from shared.settings import RetentionSettings
from shared.stores.collections import STORES

DEFAULT_ATTRIBUTION_WINDOW = timedelta(days=7)
DEFAULT_RETENTION = RetentionSettings().window


@dataclass
class OrderCounts:
    """What a batch changed: bucket increments, the customers (store, hash) whose attributed
    orders changed (for the fact table), and the differences counted (for Prometheus)."""

    increments: Increments = field(default_factory=Increments)
    customers: set[tuple[str, str]] = field(default_factory=set)
    changes: list[tuple[str, OrderFact]] = field(default_factory=list)


async def count_orders(
    db: Database,
    session: Session,
    events: Sequence[Event],
    zone_of: Mapping[str, ZoneInfo],
    window: timedelta = DEFAULT_ATTRIBUTION_WINDOW,
    retention: timedelta = DEFAULT_RETENTION,
) -> OrderCounts:
    snapshots = [
        event
        for event in events
        if isinstance(event, OrderChanged) and not settled(event, retention, window)
    ]
    talk = [event for event in events if isinstance(event, MessageReceived | ReplySent)]
    if not snapshots and not talk:
        return OrderCounts()
    batch = _Batch()
    await _observe(db, session, batch, snapshots)
    await _orders_after_talk(db, session, batch, talk, window)
    await _attribute(db, session, batch, window)
    counted = OrderCounts()
    claims: dict[str, tuple[set[str], set[str]]] = {}  # claim id -> (orders added, removed)
    wanted: dict[str, Conversion] = {}
    for key, record in batch.records.items():
        zone = zone_of.get(record.store_id, UTC_ZONE)
        desired = order_facts(record)
        for fact in difference([f.as_fact() for f in record.counted], desired):
            moment, name, amount = fact
            counted.increments.add_hour((record.store_id, hour_start(moment)), name, amount)
            counted.increments.add_day((record.store_id, local_date(moment, zone)), name, amount)
            counted.changes.append((record.store_id, fact))
        record.counted = counted_facts(desired)
        converts = conversions(record, zone)
        wanted.update(converts)
        for claim_id in converts.keys() - set(record.converts):
            claims.setdefault(claim_id, (set(), set()))[0].add(key)
        for claim_id in set(record.converts) - converts.keys():
            claims.setdefault(claim_id, (set(), set()))[1].add(key)
        record.converts = sorted(converts)
        previous = batch.before.get(key)
        if _credited(previous) != _credited(record):
            for credited in (previous, record):
                if credited is not None and credited.customer_hash is not None:
                    counted.customers.add((credited.store_id, credited.customer_hash))
    await update_claims(db, session, claims, wanted, counted.increments)
    await save_changed(db, session, KPI_ORDERS, batch.records, batch.before)
    return counted


@dataclass
class _Batch:
    records: dict[str, OrderRecord] = field(default_factory=dict)
    before: dict[str, OrderRecord | None] = field(default_factory=dict)
    # record -> the conversations whose messages may attribute it (its customer's, every channel)
    conversation_of: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def load(self, document: Document) -> OrderRecord:
        record = OrderRecord.model_validate(document)
        self.records[record.id] = record
        self.before[record.id] = record.model_copy(deep=True)
        return record


async def _observe(
    db: Database, session: Session, batch: _Batch, snapshots: Sequence[OrderChanged]
) -> None:
    if not snapshots:
        return
    keys = {order_key(event.store_id, event.order_id) for event in snapshots}
    async for document in db[KPI_ORDERS].find({"_id": {"$in": sorted(keys)}}, session=session):
        batch.load(document)
    countries = await store_countries(db, session, {event.store_id for event in snapshots})
    for event in snapshots:
        key = order_key(event.store_id, event.order_id)
        number = (
            None if event.deleted else normalise(event.billing_phone, countries[event.store_id])
        )
        hashed = customer_hash(number) if number else None
        batch.before.setdefault(key, None)
        record = observe(batch.records.get(key), event, hashed)
        batch.records[key] = record
        newest = event.modified_at is not None and record.newest_at == event.modified_at
        if number and newest and record.customer_hash == hashed:
            batch.conversation_of[key] = phone_conversation_ids(event.store_id, number)


async def _orders_after_talk(
    db: Database, session: Session, batch: _Batch, talk: Sequence[Event], window: timedelta
) -> None:
    """Orders a message or reply of the batch may attribute: the customer's, placed within the
    window after it."""
    if not talk:
        return
    talked: dict[tuple[str, str], str] = {}
    for event in talk:
        assert isinstance(event, MessageReceived | ReplySent)
        number = customer_number(event.conversation_id)
        talked[(event.store_id, customer_hash(number))] = event.conversation_id
    moments = [event.occurred_at for event in talk]
    query = {
        "store_id": {"$in": sorted({store for store, _ in talked})},
        "customer_hash": {"$in": sorted({hashed for _, hashed in talked})},
        "created_at": {"$gte": min(moments), "$lte": max(moments) + window},
    }
    async for document in db[KPI_ORDERS].find(query, session=session):
        found = talked.get((document["store_id"], document["customer_hash"]))
        if found is None:
            continue  # the same customer hash in another store
        record = batch.records.get(document["_id"]) or batch.load(document)
        if record.customer_hash == document["customer_hash"]:
            batch.conversation_of.setdefault(
                record.id, phone_conversation_ids(record.store_id, customer_number(found))
            )


async def _attribute(db: Database, session: Session, batch: _Batch, window: timedelta) -> None:
    targets = {
        key: conversations
        for key, conversations in batch.conversation_of.items()
        if batch.records[key].created_at is not None
    }
    if not targets:
        return
    created = [batch.records[key].created_at for key in targets]
    start = min(moment for moment in created if moment is not None) - window
    end = max(moment for moment in created if moment is not None)
    query = {
        "conversation_id": {"$in": sorted({c for ids in targets.values() for c in ids})},
        "at": {"$gte": start, "$lte": end},
        "kind": {"$in": ["in", "out"]},
    }
    stamps: dict[str, list[Document]] = {}
    async for stamp in db[CONVERSATION_FACT_EVENTS].find(query, session=session):
        stamps.setdefault(stamp["conversation_id"], []).append(stamp)
    for key, conversations in targets.items():
        attribute(batch.records[key], [s for c in conversations for s in stamps.get(c, [])], window)


async def update_claims(
    db: Database,
    session: Session,
    claims: Mapping[str, tuple[set[str], set[str]]],
    wanted: Mapping[str, Conversion],
    increments: Increments,
) -> None:
    """Add and remove orders of claims (claim id -> (orders added, orders removed)); +1 when a
    claim gets its first order, -1 when it loses its last one, in the claim's hour or day
    bucket."""
    if not claims:
        return
    stored = {
        document["_id"]: document
        async for document in db[KPI_CONVERSIONS].find(
            {"_id": {"$in": sorted(claims)}}, session=session
        )
    }
    writes: list[UpdateOne | DeleteOne] = []
    for claim_id, (added, removed) in claims.items():
        document = stored.get(claim_id)
        if document is None and claim_id in wanted:
            document = claim_document(wanted[claim_id])
        if document is None:
            continue  # a claim removed that was never stored: nothing to undo
        before = set(document.get("orders", []))
        after = (before | added) - removed
        if bool(before) != bool(after):
            count_claim(document, 1 if after else -1, increments)
        if after:
            fields = {key: value for key, value in document.items() if key != "_id"}
            writes.append(
                UpdateOne(
                    {"_id": claim_id},
                    {"$set": {**fields, "orders": sorted(after)}},
                    upsert=True,
                )
            )
        elif claim_id in stored:
            writes.append(DeleteOne({"_id": claim_id}))
    if writes:
        await db[KPI_CONVERSIONS].bulk_write(writes, session=session)


def claim_document(claim: Conversion) -> Document:
    return {
        "_id": claim.id,
        "store_id": claim.store_id,
        "hour": claim.hour,
        "day": claim.day.isoformat() if claim.day else None,
        "at": claim.at,  # expires with the retention (TTL)
        "orders": [],
    }


def count_claim(document: Document, amount: int, increments: Increments) -> None:
    store_id = document["store_id"]
    if document.get("hour") is not None:
        hour: datetime = document["hour"]
        increments.add_hour((store_id, hour), "conversion.customers", amount)
    else:
        day = date.fromisoformat(document["day"])
        increments.add_day((store_id, day), "conversion.customers", amount)


def _credited(record: OrderRecord | None) -> tuple[object, ...] | None:
    """What the fact table's attribution columns read of an order."""
    if record is None:
        return None
    return (
        record.customer_hash,
        record.handler,
        record.attributed_at,
        record.paid_at is not None,
        record.deleted,
        record.total,
        record.currency,
    )


async def store_countries(
    db: Database, session: Session | None, store_ids: Iterable[str]
) -> dict[str, str]:
    """Each store's default country (for billing phones typed without a country code)."""
    wanted = sorted(set(store_ids))
    found = {
        document["_id"]: store_country(document)
        async for document in db[STORES].find(
            {"_id": {"$in": wanted}}, {"default_country": 1}, session=session
        )
    }
    return {store_id: found.get(store_id, store_country({})) for store_id in wanted}
