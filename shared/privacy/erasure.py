"""Erasing one customer: everything the personal-data map finds of them is deleted or
pseudonymised, and an erasure record (counts only) is written to the ledger.

Pseudonymising replaces the customer's number and hash, wherever they appear (in `_id` too),
with one random token per erasure that nothing keeps: KPI claims and fact rows still count the
customer once, but nobody can tell whom they were about. KPI buckets hold counts only and are
left as they are, so the store's totals do not move.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from faststream.kafka import KafkaBroker

from shared import kafka
from shared.events import CustomerErased, customer_erased_event_id
from shared.mongo import Database, Document
from shared.privacy.customer import Customer
from shared.privacy.data_map import COLLECTIONS, TOPICS, Erasure, Finder, Holding
from shared.privacy.ledger import record_erasure
from shared.topics import dead_letter

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
    pseudonym = _Pseudonym(customer)
    removed: dict[str, int] = {}
    for holding in COLLECTIONS:
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
    erased_at = await record_erasure(
        db, customer.store_id, customer.customer_hash, requested_by, removed
    )
    record = ErasureRecord(
        customer.store_id, customer.customer_hash, requested_by, erased_at, removed
    )
    await kafka.publish(broker, erased_event(record))
    return record


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
