"""The `conversation_facts` table in MongoDB: stamps recorded, rows recomputed, rows read."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from pymongo import ReplaceOne, UpdateOne

from services.kpi_aggregator import facts
from services.kpi_aggregator.zones import StoreZones
from shared.events import Event
from shared.mongo import CONVERSATION_FACT_EVENTS, CONVERSATION_FACTS, Database, Document, Session


async def record_facts(db: Database, session: Session, events: Sequence[Event]) -> int:
    """Keep the stamps of `events` (each `event_id` once) and recompute the rows they touch;
    the number of rows written. Idempotent: a row is a function of the stored stamps."""
    new = [found for event in events if (found := facts.stamp(event)) is not None]
    if not new:
        return 0
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
    by_conversation: dict[str, list[Document]] = {}
    for s in new:
        by_conversation.setdefault(s["conversation_id"], []).append(s)
    writes: list[ReplaceOne[Document]] = []
    for conversation_id, fresh in by_conversation.items():
        stamps = await (
            db[CONVERSATION_FACT_EVENTS]
            .find({"conversation_id": conversation_id}, session=session)
            .to_list()
        )
        writes += [
            ReplaceOne({"_id": row["_id"]}, row, upsert=True)
            for row in facts.rows_of(stamps, fresh)
        ]
    if writes:
        await db[CONVERSATION_FACTS].bulk_write(writes, session=session)
    return len(writes)


async def facts_between(db: Database, store_id: str, first: date, last: date) -> list[Document]:
    """The store's rows of sessions closed on local dates first..last (its timezone), oldest
    close first."""
    zone = await StoreZones(db).zone(store_id)
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    cursor = (
        db[CONVERSATION_FACTS]
        .find({"store_id": store_id, "closed_at": {"$gte": start, "$lt": end}})
        .sort([("closed_at", 1), ("_id", 1)])
    )
    return await cursor.to_list()


def _without_id(document: Document) -> Document:
    return {key: value for key, value in document.items() if key != "_id"}
