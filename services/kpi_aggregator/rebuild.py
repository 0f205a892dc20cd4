"""Recompute a store's KPI buckets for a range of local dates from the event log.

A rebuild does not trust what is stored: it reads `whatsapp.inbound`, `messages.outbound` and
`whatsapp.status` from Kafka, keeps the store's events (each `event_id` once), counts them with
the aggregator's own pure functions (`buckets.py`), and in one transaction replaces the store's
hour buckets and day buckets of the range. Ledgers are not read, only written: the rebuild
claims what it counted, so the live aggregator never counts those events (or those customers'
hours and days) a second time, and it applies, like the live aggregator would, the part of a
newly claimed event that belongs outside the range (a reply answered the day after).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiokafka.structs import ConsumerRecord

from services.kpi_aggregator import buckets
from services.kpi_aggregator.handlers import (
    claim_events,
    count_claimed,
    day_identity,
    hour_identity,
    write_increments,
)
from services.kpi_aggregator.zones import StoreZones
from shared import kafka, topics
from shared.consumer import PermanentError, decode
from shared.events import Event
from shared.mongo import (
    KPI_CUSTOMER_DAYS,
    KPI_CUSTOMER_HOURS,
    KPI_DAILY,
    KPI_HOURLY,
    Database,
    Document,
    Session,
    claim_new,
    in_transaction,
)

TOPICS = (
    topics.WHATSAPP_INBOUND,
    topics.MESSAGES_OUTBOUND,
    topics.WHATSAPP_STATUS,
    topics.CONVERSATIONS_ENRICHED,
)
# An event's buckets are never later than the moment it was published (record timestamp), so
# the scan may start at the range's start; the margin covers clocks of different hosts.
CLOCK_MARGIN = timedelta(hours=24)

Progress = Callable[[int, int], None]  # (records read so far, records to read)


@dataclass(frozen=True)
class DateRange:
    """Local dates `first` to `last` (inclusive) of one store, in its timezone."""

    store_id: str
    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone).astimezone(UTC)

    @property
    def first_hour(self) -> datetime:
        return buckets.hour_start(self.start)

    @property
    def end_hour(self) -> datetime:
        """The first hour after the range; hour buckets cut by a half-hour zone's midnight
        belong to the range, so rebuilt hours always hold all of their events."""
        floor = buckets.hour_start(self.end)
        return floor if floor == self.end else floor + timedelta(hours=1)

    def has_hour(self, hour: datetime) -> bool:
        return self.first_hour <= hour < self.end_hour

    def has_day(self, day: date) -> bool:
        return self.first <= day <= self.last

    def touches(self, event: Event) -> bool:
        return any(
            self.has_hour(buckets.hour_start(moment))
            or self.has_day(buckets.local_date(moment, self.zone))
            for moment, _, _ in buckets.facts(event)
        )


@dataclass(frozen=True)
class Rebuilt:
    events_read: int
    events_counted: int  # events of the store with a figure in the range
    hours: int  # hour buckets written
    days: int  # day buckets written


async def rebuild(
    db: Database,
    bootstrap: str,
    store_id: str,
    first: date,
    last: date,
    progress: Progress = lambda done, total: None,
) -> Rebuilt:
    """Recompute and replace the store's hour and day buckets of local dates first..last."""
    if last < first:
        raise ValueError("the range ends before it starts")
    span = DateRange(store_id, first, last, await StoreZones(db).zone(store_id))
    events, read = await read_store_events(bootstrap, store_id, span.start - CLOCK_MARGIN, progress)
    counted = [event for event in events if span.touches(event)]
    in_range = recompute(counted, span)
    await in_transaction(db, lambda session: _replace(db, session, span, counted, in_range))
    return Rebuilt(read, len(counted), len(in_range.hourly), len(in_range.daily))


async def read_store_events(
    bootstrap: str, store_id: str, since: datetime, progress: Progress
) -> tuple[list[Event], int]:
    """The store's events in the log stamped since `since`, each `event_id` once, in log order
    per partition; and how many records were read."""
    found: dict[str, Event] = {}
    done = 0
    async with AsyncExitStack() as stack:
        scans = [
            await stack.enter_async_context(kafka.scan_topic(bootstrap, topic, since))
            for topic in TOPICS
        ]
        total = sum(scan.total for scan in scans)
        progress(done, total)
        for scan in scans:
            async for batch in scan.batches():
                for record in batch:
                    event = _decoded(record)
                    if event is not None and event.store_id == store_id:
                        found.setdefault(event.event_id, event)
                done += len(batch)
                progress(done, total)
    return list(found.values()), done


def _decoded(record: ConsumerRecord) -> Event | None:
    try:
        return decode(record)
    except PermanentError:  # the live aggregator dead-lettered it too: it counts nowhere
        return None


def recompute(events: Sequence[Event], span: DateRange) -> buckets.Increments:
    """The range's buckets from scratch: every customer counts once per hour and per day."""
    zone_of: buckets.ZoneOf = lambda _: span.zone  # noqa: E731
    everything = buckets.increments(
        events,
        buckets.customer_hours(events).values(),
        buckets.customer_days(events, zone_of).values(),
        zone_of,
    )
    return buckets.Increments(
        hourly={key: counts for key, counts in everything.hourly.items() if span.has_hour(key[1])},
        daily={key: counts for key, counts in everything.daily.items() if span.has_day(key[1])},
    )


async def _replace(
    db: Database,
    session: Session,
    span: DateRange,
    counted: Sequence[Event],
    in_range: buckets.Increments,
) -> None:
    zones = {span.store_id: span.zone}
    await db[KPI_HOURLY].delete_many(
        {"store_id": span.store_id, "hour": {"$gte": span.first_hour, "$lt": span.end_hour}},
        session=session,
    )
    await db[KPI_DAILY].delete_many(
        {"store_id": span.store_id, "date": {"$gte": f"{span.first}", "$lte": f"{span.last}"}},
        session=session,
    )
    hourly = [
        {"_id": buckets.bucket_id(store, hour), **hour_identity(store, hour), **nested(counts)}
        for (store, hour), counts in in_range.hourly.items()
    ]
    daily = [
        {"_id": buckets.day_id(store, day), **day_identity(store, day, zones), **nested(counts)}
        for (store, day), counts in in_range.daily.items()
    ]
    if hourly:
        await db[KPI_HOURLY].insert_many(hourly, session=session)
    if daily:
        await db[KPI_DAILY].insert_many(daily, session=session)
    await _claim_customers(db, session, span, counted)
    # Events the live aggregator has not counted yet: from now on they are the rebuild's.
    fresh = await claim_events(db, session, counted)
    outside, _ = await count_claimed(db, session, fresh, zones)
    outside.hourly = {k: v for k, v in outside.hourly.items() if not span.has_hour(k[1])}
    outside.daily = {k: v for k, v in outside.daily.items() if not span.has_day(k[1])}
    await write_increments(db, session, outside, zones)


async def _claim_customers(
    db: Database, session: Session, span: DateRange, events: Iterable[Event]
) -> None:
    """The range's customer hours and days are counted in the rebuilt buckets: claim them, so
    a later live event of the same customer and hour (or day) does not count them again."""
    listed = list(events)
    hours = [
        entry.id for entry in buckets.customer_hours(listed).values() if span.has_hour(entry.hour)
    ]
    days = [
        entry.id
        for entry in buckets.customer_days(listed, lambda _: span.zone).values()
        if span.has_day(entry.day)
    ]
    await claim_new(db, session, KPI_CUSTOMER_HOURS, hours)
    await claim_new(db, session, KPI_CUSTOMER_DAYS, days)


def nested(counts: Mapping[str, float]) -> Document:
    """Dotted `$inc` paths as the nested document `$inc` would have made."""
    document: Document = {}
    for path, amount in counts.items():
        *parents, leaf = path.split(".")
        node = document
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = amount
    return document
