"""Erasing one customer: everything the personal-data map finds of them is deleted or
pseudonymised, and an erasure record (counts only) is written to the ledger.

Pseudonymising replaces the customer's number and hash, wherever they appear (in `_id` too),
with one random token per erasure that nothing keeps: KPI claims and fact rows still count the
customer once, but nobody can tell whom they were about. KPI buckets hold counts only and are
left as they are, so the store's totals do not move.
"""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from faststream.kafka import KafkaBroker

from shared import kafka
from shared.events import CustomerErased, customer_erased_event_id, utcnow
from shared.identity import masked_hash
from shared.mongo import PROCESSED_EVENTS, Database, Document
from shared.privacy.customer import Customer, find_hashed
from shared.privacy.data_map import (
    BY_COLLECTION,
    COLLECTIONS,
    TOPICS,
    Erasure,
    Finder,
    Holding,
)
from shared.privacy.ledger import record_erasure
from shared.privacy.memory import forget_customers_words
from shared.topics import dead_letter

log = structlog.get_logger(__name__)

Progress = Callable[[str, int], None]  # (collection, documents erased there)

# WooCommerce events are keyed by store, not by conversation: they are read to be matched.
STORE_KEYED_TOPICS = tuple(
    name
    for holding in TOPICS
    if holding.fields and not holding.keyed_by_conversation
    for name in (holding.topic, dead_letter(holding.topic))
)


@dataclass(frozen=True)
class ErasureRecord:
    store_id: str
    customer_hash: str
    requested_by: str
    erased_at: datetime
    removed: dict[str, int]  # collection -> documents


async def erase(
    db: Database,
    broker: KafkaBroker,
    customer: Customer,
    requested_by: str,
    progress: Progress = lambda collection, count: None,
) -> ErasureRecord:
    """Erase `customer` from every collection of the map; the ledger keeps the record and
    `customers.erased` announces it. Run again, it finds nothing left and records that."""
    removed = await erase_documents(db, customer, COLLECTIONS, progress)
    erased_at = await record_erasure(
        db, customer.store_id, customer.customer_hash, requested_by, removed
    )
    record = ErasureRecord(
        customer.store_id, customer.customer_hash, requested_by, erased_at, removed
    )
    await kafka.publish(broker, erased_event(record))
    return record


async def erase_documents(
    db: Database,
    customer: Customer,
    holdings: Iterable[Holding],
    progress: Progress = lambda collection, count: None,
) -> dict[str, int]:
    """Delete or pseudonymise `customer`'s documents in `holdings`: per collection, how many."""
    pseudonym = _Pseudonym(customer)
    removed: dict[str, int] = {}
    for holding in holdings:
        query = customer.filter(holding)
        if query is None or holding.erasure not in (Erasure.DELETE, Erasure.PSEUDONYMISE):
            continue
        if holding.erasure is Erasure.DELETE:
            count = (await db[holding.collection].delete_many(query)).deleted_count
        else:
            count = await _pseudonymise(db, holding, query, pseudonym)
        if holding.finder is Finder.EVENT_KEY:
            count += await _erase_store_events(db, holding, customer)
        removed[holding.collection] = count
        progress(holding.collection, count)
    return removed


async def erase_again(
    event: CustomerErased, db: Database, group: str, collections: Iterable[str]
) -> None:
    """A service's part of an erasure announced on `customers.erased`. The word caches of the
    text pipeline are emptied, and the erasure runs again over the collections the service
    writes, for what it wrote after the erasure's pass (the reply to a message that was in
    flight then). The customer is found by their hash among the numbers those collections hold.
    Once per group and event: the claim is written after the erasure, so a crash before it only
    runs the erasure once more."""
    forget_customers_words()  # what the process keeps in memory of customers' words
    claim = f"{group}:erasure:{event.event_id}"
    if await db[PROCESSED_EVENTS].find_one({"_id": claim}, {"_id": 1}) is not None:
        return
    holdings = [BY_COLLECTION[name] for name in collections]
    customer = await find_hashed(db, event.store_id, event.customer_hash, holdings)
    removed = {} if customer is None else await erase_documents(db, customer, holdings)
    await db[PROCESSED_EVENTS].update_one(
        {"_id": claim}, {"$setOnInsert": {"claimed_at": utcnow()}}, upsert=True
    )
    log.info(
        "customer erased again",
        group=group,
        store_id=event.store_id,
        customer=masked_hash(event.customer_hash),
        documents=sum(removed.values()),
    )


def erased_event(record: ErasureRecord) -> CustomerErased:
    return CustomerErased(
        event_id=customer_erased_event_id(record.store_id, record.customer_hash, record.erased_at),
        occurred_at=record.erased_at,
        store_id=record.store_id,
        customer_hash=record.customer_hash,
        requested_by=record.requested_by,
        removed=record.removed,
    )


async def _pseudonymise(
    db: Database, holding: Holding, query: Document, pseudonym: "_Pseudonym"
) -> int:
    count = 0
    async for document in db[holding.collection].find(query):
        replacement = pseudonym.applied(document)
        if replacement["_id"] == document["_id"]:
            await db[holding.collection].replace_one({"_id": document["_id"]}, replacement)
        else:
            await db[holding.collection].insert_one(replacement)
            await db[holding.collection].delete_one({"_id": document["_id"]})
        count += 1
    return count


async def _erase_store_events(db: Database, holding: Holding, customer: Customer) -> int:
    assert holding.payload is not None  # every EVENT_KEY holding names it
    owned = [
        document["_id"]
        async for document in db[holding.collection].find(
            customer.store_events_filter(STORE_KEYED_TOPICS)
        )
        if customer.owns_record(document["topic"], document[holding.payload])
    ]
    if not owned:
        return 0
    return (await db[holding.collection].delete_many({"_id": {"$in": owned}})).deleted_count


class _Pseudonym:
    """The customer's number and hash, and the random stand-ins that replace them."""

    def __init__(self, customer: Customer) -> None:
        token = secrets.token_hex(len(customer.customer_hash) // 2)
        self._swaps = {
            customer.phone: f"erased-{token[:12]}",
            customer.customer_hash: token,  # same length: claim ids keep their shape
        }

    def applied(self, value: Any) -> Any:
        if isinstance(value, str):
            for old, new in self._swaps.items():
                value = value.replace(old, new)
            return value
        if isinstance(value, dict):
            return {key: self.applied(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.applied(item) for item in value]
        return value
