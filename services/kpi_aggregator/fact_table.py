"""The `conversation_facts` table in MongoDB: stamps recorded, rows recomputed (the readers
are in shared/kpis/repository.py)."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from pymongo import ReplaceOne, UpdateOne

from shared.events import Event
from shared.identity import customer_hash, customer_number
from shared.kpis import facts
from shared.kpis.collections import CONVERSATION_FACT_EVENTS, CONVERSATION_FACTS, KPI_ORDERS
from shared.mongo import Database, Document, Session


async def record_facts(db: Database, session: Session, events: Sequence[Event]) -> int:
    """Keep the stamps of `events` and recompute the rows they touch (`record_stamps`, then
    `refresh_rows`); the number of rows written."""
    return await refresh_rows(db, session, await record_stamps(db, session, events))


async def record_stamps(db: Database, session: Session, events: Sequence[Event]) -> list[Document]:
    """Keep the stamps of `events`, each `event_id` once; the stamps (new or not) of the batch."""
    new = [found for event in events if (found := facts.stamp(event)) is not None]
    if not new:
        return []
    recorded_at = datetime.now(UTC)
    await db[CONVERSATION_FACT_EVENTS].bulk_write(
        [
            UpdateOne(
                {"_id": s["_id"]},
                {"$setOnInsert": {**_without_id(s), "recorded_at": recorded_at}},
                upsert=True,
            )
            for s in new
        ],
        session=session,
    )
    return new


async def restamp(db: Database, session: Session, changed: Sequence[Event]) -> None:
    """Replace the stamps of the closes a rebuild decided again (`record_stamps` keeps the first
    of each) and drop those of the reopens it left out (services/kpi_aggregator/outcomes.py)."""
    stamps = [found for event in changed if (found := facts.stamp(event)) is not None]
    reopens = [s["_id"] for s in stamps if s["kind"] == "reopened"]
    closes = [s for s in stamps if s["kind"] != "reopened"]
    stamped = db[CONVERSATION_FACT_EVENTS]
    if reopens:
        await stamped.delete_many({"_id": {"$in": reopens}}, session=session)
    if closes:
        await stamped.bulk_write(
            [UpdateOne({"_id": s["_id"]}, {"$set": _without_id(s)}, upsert=True) for s in closes],
            session=session,
        )


async def refresh_rows(
    db: Database,
    session: Session,
    new: Sequence[Document],
    customers: Iterable[tuple[str, str]] = (),
) -> int:
    """Recompute the rows the stamps `new` touch, and every row of the customers (store, customer
    hash) whose attributed orders changed; idempotent, a row is a function of what is stored.
    The number of rows written."""
    by_conversation: dict[str, list[Document] | None] = {}
    for s in new:
        touched = by_conversation.setdefault(s["conversation_id"], [])
        if touched is not None:
            touched.append(s)
    for store_id, hashed in set(customers):
        conversations = await db[CONVERSATION_FACTS].distinct(
            "conversation_id", {"store_id": store_id, "customer_hash": hashed}, session=session
        )
        for conversation_id in conversations:
            by_conversation[conversation_id] = None  # all of its rows
    stamps_of = await _stamps_of(db, session, by_conversation)
    writes: list[ReplaceOne[Document]] = []
    for conversation_id, fresh in by_conversation.items():
        stamps = stamps_of.get(conversation_id, [])
        orders = await _orders_of(db, session, stamps, conversation_id)
        writes += [
            ReplaceOne({"_id": row["_id"]}, row, upsert=True)
            for row in facts.rows_of(stamps, fresh, orders)
        ]
    if writes:
        await db[CONVERSATION_FACTS].bulk_write(writes, session=session)
    return len(writes)


async def _stamps_of(
    db: Database, session: Session, conversation_ids: Iterable[str]
) -> dict[str, list[Document]]:
    """Every stamp of the conversations, by conversation: one read for the whole batch."""
    wanted = sorted(conversation_ids)
    if not wanted:
        return {}
    found = db[CONVERSATION_FACT_EVENTS].find({"conversation_id": {"$in": wanted}}, session=session)
    stamps: dict[str, list[Document]] = {}
    async for stamp in found:
        stamps.setdefault(stamp["conversation_id"], []).append(stamp)
    return stamps


async def _orders_of(
    db: Database, session: Session, stamps: Sequence[Document], conversation_id: str
) -> list[Document]:
    """The customer's orders that some closed session may be credited with."""
    if not any(s["kind"] == "closed" for s in stamps):
        return []
    store_id = stamps[0]["store_id"]
    hashed = customer_hash(customer_number(conversation_id))
    query = {"store_id": store_id, "customer_hash": hashed, "handler": {"$ne": None}}
    return await db[KPI_ORDERS].find(query, session=session).to_list()


def _without_id(document: Document) -> Document:
    return {key: value for key, value in document.items() if key != "_id"}
