"""The migration of unkeyed customer hashes to keyed ones (`keys.customer_hash`).

Customer hashes used to be a bare SHA-256 of the number cut to 16 hex digits: phone numbers are
few enough to try them all, so such a hash gives the number back. Each one stored is replaced:

* by the keyed hash of its number, where the system still holds the number: conversation ids
  (conversations, messages, conversation facts and their events) and the billing numbers of the
  WooCommerce caches;
* otherwise by a keyed hash of the old hash itself. It stays one customer in every figure and
  claim stored, but leads back to no number, and no longer matches the customer's next
  message: a customer whose number is held nowhere any more looks new again if they return.

Keyed hashes have 32 hex digits, so documents migrated already are left alone: the migration
runs any number of times. The aggregator runs it once at start (a marker in `kpi_migrations`);
`balas kpi rehash` runs it on demand.
"""

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pymongo import DeleteOne, UpdateOne

from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import utcnow
from shared.identity import customer_number
from shared.kpis import keys
from shared.kpis.collections import (
    CONVERSATION_FACT_EVENTS,
    CONVERSATION_FACTS,
    KPI_CONVERSIONS,
    KPI_CUSTOMER_DAYS,
    KPI_CUSTOMER_HOURS,
    KPI_CUSTOMERS,
    KPI_ORDERS,
)
from shared.mongo import Database, Document
from shared.woocommerce.collections import WOOCOMMERCE_CUSTOMERS, WOOCOMMERCE_ORDERS

KPI_MIGRATIONS = "kpi_migrations"  # one marker document per migration done
MIGRATION_ID = "keyed-customer-hashes"
UNKEYED = re.compile(r"[0-9a-f]{16}")
# Collections whose ids end in `|<customer hash>`: the claims of customers' hours and days, each
# customer's first message, and converted customer-hours and -days.
HASH_SUFFIXED = (KPI_CUSTOMER_HOURS, KPI_CUSTOMER_DAYS, KPI_CUSTOMERS, KPI_CONVERSIONS)
BATCH = 500

Progress = Callable[[int, int], None]  # (documents looked at, documents to look at)


def unkeyed_hash(number: str) -> str:
    """The former `customer_hash`: what the migration looks for."""
    return hashlib.sha256(number.encode()).hexdigest()[:16]


@dataclass
class Rekeying:
    """Old hash -> keyed hash, from the numbers the system holds."""

    by_number: dict[str, str]
    mapped: set[str] = field(default_factory=set)  # old hashes met, with a number
    unmapped: set[str] = field(default_factory=set)  # old hashes met, without one

    def hash(self, old: str) -> str:
        if not UNKEYED.fullmatch(old):
            return old  # keyed already
        if old in self.by_number:
            self.mapped.add(old)
            return self.by_number[old]
        self.unmapped.add(old)
        return keys.customer_hash(f"unkeyed:{old}")

    def id(self, id_: str) -> str:
        head, bar, old = id_.rpartition("|")
        return f"{head}{bar}{self.hash(old)}" if bar else id_


@dataclass(frozen=True)
class Rehashed:
    documents: int  # documents rewritten
    by_number: int  # old hashes replaced by their number's keyed hash
    unmapped: int  # old hashes whose number is held nowhere: rekeyed as they were


async def rehash_once(db: Database) -> Rehashed | None:
    """The migration, unless the marker says it ran; None when it had."""
    if await db[KPI_MIGRATIONS].find_one({"_id": MIGRATION_ID}) is not None:
        return None
    return await rehash(db)


async def rehash(db: Database, progress: Progress = lambda done, total: None) -> Rehashed:
    """Replace every unkeyed customer hash stored with a keyed one; then set the marker."""
    numbers = await held_numbers(db)
    rekeying = Rekeying({unkeyed_hash(number): keys.customer_hash(number) for number in numbers})
    names = [*HASH_SUFFIXED, KPI_ORDERS, CONVERSATION_FACTS]
    total = sum([await db[name].count_documents({}) for name in names])
    done = rewritten = 0
    for name in names:
        writes: list[UpdateOne | DeleteOne] = []
        async for document in db[name].find({}):
            writes += _rewrites(name, document, rekeying)
            done += 1
            if len(writes) >= BATCH:
                rewritten += await _write(db, name, writes)
                writes = []
                progress(done, max(total, done))
        rewritten += await _write(db, name, writes)
        progress(done, max(total, done))
    await db[KPI_MIGRATIONS].update_one(
        {"_id": MIGRATION_ID}, {"$setOnInsert": {"done_at": utcnow()}}, upsert=True
    )
    return Rehashed(rewritten, len(rekeying.mapped), len(rekeying.unmapped))


async def held_numbers(db: Database) -> set[str]:
    """Every customer number the system still holds."""
    numbers: set[str] = set()
    sources = [
        (CONVERSATIONS, "_id"),
        (MESSAGES, "conversation_id"),
        (CONVERSATION_FACTS, "conversation_id"),
        (CONVERSATION_FACT_EVENTS, "conversation_id"),
    ]
    for name, key in sources:
        async for document in db[name].find({}, {key: 1}):
            if isinstance(document.get(key), str):
                numbers.add(customer_number(document[key]))
    for name in (WOOCOMMERCE_ORDERS, WOOCOMMERCE_CUSTOMERS):
        async for document in db[name].find({}, {"billing_e164": 1}):
            if document.get("billing_e164"):
                numbers.add(document["billing_e164"])
    return numbers


def _rewrites(name: str, document: Document, rekeying: Rekeying) -> list[UpdateOne | DeleteOne]:
    if name in HASH_SUFFIXED:
        new_id = rekeying.id(document["_id"])
        if new_id == document["_id"]:
            return []
        return [*_moved(name, document, new_id, rekeying), DeleteOne({"_id": document["_id"]})]
    changed: Document = {}
    if isinstance(document.get("customer_hash"), str):
        hashed = rekeying.hash(document["customer_hash"])
        if hashed != document["customer_hash"]:
            changed["customer_hash"] = hashed
    converts: Iterable[str] = document.get("converts") or []
    if any(rekeying.id(claim) != claim for claim in converts):
        changed["converts"] = [rekeying.id(claim) for claim in converts]
    return [UpdateOne({"_id": document["_id"]}, {"$set": changed})] if changed else []


def _moved(name: str, document: Document, new_id: str, rekeying: Rekeying) -> list[UpdateOne]:
    """The document under its new id; merged with one there already (a customer's first
    message: the earliest of both)."""
    rest = {k: v for k, v in document.items() if k != "_id"}
    if "customer_hash" in rest:
        rest["customer_hash"] = rekeying.hash(rest["customer_hash"])
    if name == KPI_CUSTOMERS:
        first_at = rest.pop("first_at")
        update = {"$min": {"first_at": first_at}, "$setOnInsert": rest}
    else:
        update = {"$setOnInsert": rest}
    return [UpdateOne({"_id": new_id}, update, upsert=True)]


async def _write(db: Database, name: str, writes: list[UpdateOne | DeleteOne]) -> int:
    if not writes:
        return 0
    await db[name].bulk_write(writes, ordered=True)
    return sum(1 for write in writes if isinstance(write, UpdateOne))
