"""Reads of the KPI documents: day buckets, a daily series, a day's message labels, fact rows."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bson import Decimal128

from shared.conversations.collections import MESSAGES
from shared.kpis.collections import CONVERSATION_FACTS, KPI_DAILY
from shared.kpis.insights import LabelCounts
from shared.kpis.keys import day_id
from shared.kpis.zones import StoreZones
from shared.mongo import Database, Document


async def day_buckets(db: Database, store_id: str, days: list[date]) -> dict[date, Document]:
    """The store's `kpi_daily` documents of `days`; a day without one is left out."""
    ids = [day_id(store_id, day) for day in days]
    found = db[KPI_DAILY].find({"_id": {"$in": ids}})
    return {date.fromisoformat(document["date"]): document async for document in found}


async def daily_series(
    db: Database, store_id: str, field: str, until: date, max_days: int = 366
) -> list[tuple[date, float]]:
    """One value of `field` (dotted path) per local date, from the store's first day bucket in
    the last `max_days` days to `until` (included); days without a bucket count 0."""
    since = until - timedelta(days=max_days - 1)
    cursor = (
        db[KPI_DAILY]
        .find(
            {"store_id": store_id, "date": {"$gte": f"{since}", "$lte": f"{until}"}},
            {"date": 1, field: 1},
        )
        .sort("date", 1)
    )
    values = {date.fromisoformat(doc["date"]): _dotted(doc, field) async for doc in cursor}
    if not values:
        return []
    first, series = min(values), []
    for offset in range((until - first).days + 1):
        day = first + timedelta(days=offset)
        series.append((day, values.get(day, 0.0)))
    return series


async def label_counts(db: Database, store_id: str, day: date, zone: ZoneInfo) -> LabelCounts:
    """Intent and sentiment counts of the store's labelled customer messages of a local date."""
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return await label_counts_between(db, store_id, start, end)


async def label_counts_between(
    db: Database, store_id: str, start: datetime, end: datetime
) -> LabelCounts:
    """Intent and sentiment counts of the store's labelled customer messages in [start, end).

    The labels are on the stored messages (the enricher sets `classification`), not on the
    events the aggregator counts, so they are read here with one aggregation.
    """
    pipeline: list[Document] = [
        {
            "$match": {
                "store_id": store_id,
                "direction": "inbound",
                "created_at": {"$gte": start, "$lt": end},
                "classification": {"$exists": True},
            }
        },
        {
            "$group": {
                "_id": {
                    "intent": "$classification.intent",
                    "sentiment": "$classification.sentiment.label",  # {label, score}
                },
                "count": {"$sum": 1},
            }
        },
    ]
    intents: dict[str, int] = {}
    sentiments: dict[str, int] = {}
    async for row in await db[MESSAGES].aggregate(pipeline):
        intent, sentiment = row["_id"].get("intent"), row["_id"].get("sentiment")
        if intent:
            intents[intent] = intents.get(intent, 0) + int(row["count"])
        if sentiment:
            sentiments[sentiment] = sentiments.get(sentiment, 0) + int(row["count"])
    return LabelCounts(intents=intents, sentiments=sentiments)


def _dotted(document: Document, path: str) -> float:
    value: object = document
    for part in path.split("."):
        if not isinstance(value, dict):
            return 0.0
        value = value.get(part, 0)
    if isinstance(value, Decimal128):  # money is kept exact
        return float(value.to_decimal())
    return float(value) if isinstance(value, int | float) else 0.0


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
