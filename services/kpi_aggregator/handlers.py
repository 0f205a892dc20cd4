"""The KPI aggregator folds each batch of events into hour and day buckets in one transaction."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pymongo import UpdateOne

from services.kpi_aggregator import buckets, metrics
from services.kpi_aggregator.commerce import (
    DEFAULT_ATTRIBUTION_WINDOW,
    DEFAULT_RETENTION,
    count_orders,
)
from services.kpi_aggregator.fact_table import record_stamps, refresh_rows
from services.kpi_aggregator.notification_counts import count_notifications
from services.kpi_aggregator.notifications import DEFAULT_ORDER_WINDOW
from services.kpi_aggregator.orders import Amount, OrderFact
from shared import identity
from shared.events import CustomerErased, Event, MessageReceived
from shared.kpis import keys
from shared.kpis.collections import (
    CONVERSATION_FACT_EVENTS,
    CONVERSATION_FACTS,
    KPI_CONVERSIONS,
    KPI_CUSTOMER_DAYS,
    KPI_CUSTOMER_HOURS,
    KPI_CUSTOMERS,
    KPI_DAILY,
    KPI_HOURLY,
    KPI_NOTIFICATIONS,
    KPI_ORDERS,
)
from shared.kpis.zones import UTC_ZONE, StoreZones
from shared.mongo import (
    PROCESSED_EVENTS,
    Claim,
    Database,
    Session,
    claim_new,
    in_claiming_transaction,
)
from shared.privacy.erasure import erase_again

GROUP = "kpi_aggregator"
# What the aggregator writes about a customer, pseudonymised again when an erasure is announced
# (buckets hold counts only; it keeps nothing about a customer in memory between batches).
WRITES = (
    CONVERSATION_FACTS,
    CONVERSATION_FACT_EVENTS,
    KPI_CUSTOMER_HOURS,
    KPI_CUSTOMER_DAYS,
    KPI_CUSTOMERS,
    KPI_CONVERSIONS,
    KPI_ORDERS,
    KPI_NOTIFICATIONS,
)

Zones = Mapping[str, ZoneInfo]


def ledger_id(event: Event) -> str:
    return f"{GROUP}:{event.event_id}"


async def on_events(
    events: Sequence[Event],
    db: Database,
    zones: StoreZones | None = None,
    attribution_window: timedelta = DEFAULT_ATTRIBUTION_WINDOW,
    retention: timedelta = DEFAULT_RETENTION,
    notification_window: timedelta = DEFAULT_ORDER_WINDOW,
) -> None:
    """Exactly-once counting: the batch's event ids are claimed in the same transaction as the
    increments, so a redelivered or replayed event adds nothing. Orders are counted by state
    (`commerce.py`: what a record should count minus what it counted), and the conversation
    fact rows are recomputed, in the same transaction. Erasures come last: what the batch
    counted of an erased customer is pseudonymised with the rest."""
    erasures = [event for event in events if isinstance(event, CustomerErased)]
    events = [event for event in events if not isinstance(event, CustomerErased)]
    if events:
        await _count(events, db, zones, attribution_window, retention, notification_window)
    for erasure in erasures:
        await erase_again(erasure, db, GROUP, WRITES)


async def _count(
    events: Sequence[Event],
    db: Database,
    zones: StoreZones | None,
    attribution_window: timedelta,
    retention: timedelta,
    notification_window: timedelta,
) -> None:
    zone_of = await (zones or StoreZones(db)).lookup(event.store_id for event in events)

    async def apply(
        session: Session, claim: Claim
    ) -> tuple[
        list[Event],
        list[buckets.CustomerHour],
        list[tuple[str, OrderFact]],
        list[tuple[str, str, Amount]],
    ]:
        fresh = await claim_events(session, claim, events)
        counted, new_hours = await count_claimed(db, session, fresh, zone_of)
        # All of the batch, not only the fresh: stamps are kept once per event id, and an
        # event a rebuild claimed first still reaches the fact table. Orders read the stamps.
        stamps = await record_stamps(db, session, events)
        orders = await count_orders(db, session, events, zone_of, attribution_window, retention)
        counted.merge(orders.increments)
        notifications = await count_notifications(db, session, events, zone_of, notification_window)
        counted.merge(notifications.increments)
        await write_increments(db, session, counted, zone_of)
        await refresh_rows(db, session, stamps, orders.customers)
        return fresh, new_hours, orders.changes, notifications.changes

    fresh, new_hours, order_changes, notification_changes = await in_claiming_transaction(db, apply)
    metrics.export(fresh, new_hours)
    metrics.export_orders(order_changes)
    metrics.export_notifications(notification_changes)


async def claim_events(session: Session, claim: Claim, events: Sequence[Event]) -> list[Event]:
    """The events not counted before, now claimed in the ledger (duplicates in `events` once)."""
    by_ledger_id = {ledger_id(event): event for event in events}
    fresh_ids = await claim(session, PROCESSED_EVENTS, by_ledger_id)
    return [event for id_, event in by_ledger_id.items() if id_ in fresh_ids]


async def count_claimed(
    db: Database, session: Session, fresh: Sequence[Event], zone_of: Zones
) -> tuple[buckets.Increments, list[buckets.CustomerHour]]:
    """Increments of claimed events; a customer counts once per hour and day (claimed too)."""
    zone = _zone_function(zone_of)
    seen_hours = buckets.customer_hours(fresh)
    seen_days = buckets.customer_days(fresh, zone)
    new_hours = [
        seen_hours[id_] for id_ in await claim_new(db, session, KPI_CUSTOMER_HOURS, seen_hours)
    ]
    new_days = [
        seen_days[id_] for id_ in await claim_new(db, session, KPI_CUSTOMER_DAYS, seen_days)
    ]
    first_seen = await record_first_seen(db, session, fresh)
    return buckets.increments(fresh, new_hours, new_days, zone, first_seen), new_hours


async def record_first_seen(
    db: Database, session: Session, events: Sequence[Event]
) -> dict[tuple[str, str], datetime]:
    """Each customer's first message in the store (`kpi_customers`, the earliest wins), for the
    customers of `events`: it tells new customers from returning ones. The row expires with the
    retention after the customer's last message (`last_at`): a customer silent for longer than
    that is new again."""
    earliest: dict[tuple[str, str], datetime] = {}
    latest: dict[tuple[str, str], datetime] = {}
    for event in events:
        if isinstance(event, MessageReceived):
            key = (event.store_id, identity.customer_hash(event.customer_number))
            earliest[key] = min(earliest.get(key, event.occurred_at), event.occurred_at)
            latest[key] = max(latest.get(key, event.occurred_at), event.occurred_at)
    if not earliest:
        return {}
    written = await db[KPI_CUSTOMERS].bulk_write(
        [
            UpdateOne(
                {"_id": first_seen_id(store_id, hashed)},
                {
                    "$min": {"first_at": at},
                    "$max": {"last_at": latest[(store_id, hashed)]},
                    "$setOnInsert": {"store_id": store_id, "customer_hash": hashed},
                },
                upsert=True,
            )
            for (store_id, hashed), at in earliest.items()
        ],
        session=session,
    )
    # A row this write made holds the batch's earliest; only the rows that were there are read.
    made = set((written.upserted_ids or {}).values())
    first_seen = {key: at for key, at in earliest.items() if first_seen_id(*key) in made}
    ids = [first_seen_id(*key) for key in earliest if key not in first_seen]
    if ids:
        stored = db[KPI_CUSTOMERS].find({"_id": {"$in": ids}}, session=session)
        async for doc in stored:
            first_seen[(doc["store_id"], doc["customer_hash"])] = doc["first_at"]
    return first_seen


def first_seen_id(store_id: str, hashed: str) -> str:
    return f"{store_id}|{hashed}"


async def write_increments(
    db: Database, session: Session, counted: buckets.Increments, zone_of: Zones
) -> None:
    """One bulk write per collection: `$inc` on upserted hour and day buckets."""
    hourly = [
        UpdateOne(
            {"_id": keys.bucket_id(store_id, hour)},
            {"$inc": buckets.stored_amounts(counts), "$setOnInsert": hour_identity(store_id, hour)},
            upsert=True,
        )
        for (store_id, hour), counts in counted.hourly.items()
    ]
    daily = [
        UpdateOne(
            {"_id": keys.day_id(store_id, day)},
            {
                "$inc": buckets.stored_amounts(counts),
                "$setOnInsert": day_identity(store_id, day, zone_of),
            },
            upsert=True,
        )
        for (store_id, day), counts in counted.daily.items()
    ]
    if hourly:
        await db[KPI_HOURLY].bulk_write(hourly, session=session)
    if daily:
        await db[KPI_DAILY].bulk_write(daily, session=session)


def hour_identity(store_id: str, hour: object) -> dict[str, object]:
    return {"store_id": store_id, "hour": hour}


def day_identity(store_id: str, day: object, zone_of: Zones) -> dict[str, object]:
    zone = zone_of.get(store_id, UTC_ZONE)
    return {"store_id": store_id, "date": f"{day:%Y-%m-%d}", "timezone": zone.key}


def _zone_function(zone_of: Zones) -> buckets.ZoneOf:
    return lambda store_id: zone_of.get(store_id, UTC_ZONE)
