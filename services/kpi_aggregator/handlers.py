"""The KPI aggregator folds each batch of events into hour buckets in one transaction."""

from collections.abc import Sequence

from pymongo import UpdateOne

from services.kpi_aggregator import buckets, metrics
from shared.events import Event
from shared.mongo import (
    KPI_CUSTOMER_HOURS,
    KPI_HOURLY,
    PROCESSED_EVENTS,
    Database,
    Session,
    claim_new,
    in_transaction,
)

GROUP = "kpi_aggregator"


async def on_events(events: Sequence[Event], db: Database) -> None:
    """Exactly-once counting: the batch's event ids are claimed in the same transaction as the
    increments, so a redelivered or replayed event adds nothing."""
    by_ledger_id = {f"{GROUP}:{event.event_id}": event for event in events}

    async def apply(session: Session) -> tuple[list[Event], list[buckets.CustomerHour]]:
        fresh_ids = await claim_new(db, session, PROCESSED_EVENTS, by_ledger_id)
        fresh = [event for ledger_id, event in by_ledger_id.items() if ledger_id in fresh_ids]
        seen = buckets.customer_hours(fresh)
        new_ids = await claim_new(db, session, KPI_CUSTOMER_HOURS, seen)
        new_customers = [seen[id_] for id_ in new_ids]
        writes = [
            UpdateOne(
                {"_id": buckets.bucket_id(store_id, hour)},
                {"$inc": dict(counts), "$setOnInsert": {"store_id": store_id, "hour": hour}},
                upsert=True,
            )
            for (store_id, hour), counts in buckets.increments(fresh, new_customers).items()
        ]
        if writes:
            await db[KPI_HOURLY].bulk_write(writes, session=session)
        return fresh, new_customers

    fresh, new_customers = await in_transaction(db, apply)
    metrics.export(fresh, new_customers)
