"""Recompute a store's KPI buckets for a range of local dates from the event log.

A rebuild does not trust what is stored: it reads `whatsapp.inbound`, `messages.outbound`,
`whatsapp.status`, `conversations.enriched` and `woocommerce.orders` from Kafka (from the event
journal when the broker is the embedded one, shared/journal_scan.py), keeps the
store's events (each `event_id` once), leaves out the events of a customer erased since (the
erasure ledger, shared/privacy/ledger.py), decides each close's outcome again (`outcomes.py`),
counts them with the aggregator's own pure functions (`buckets.py`, `orders.py`), and in one
transaction replaces the store's hour buckets and day buckets of the range. Other ledgers are
not read, only written: the rebuild claims what it counted, so the live aggregator never counts
those events (or those customers' hours and days) a second time, and it applies, like the live
aggregator would, the part of a newly claimed event that belongs outside the range (a reply
answered the day after).

Orders are counted by state, so the rebuild reads the orders topic from its beginning (an
order's payment or refund in the range may follow snapshots from long before), replays each
order's record (`orders.replay`), and reads the conversations far enough back to attribute
every order it counts. The rebuilt records replace the stored ones; where they differ, the
difference outside the range is added to those buckets, as live aggregation would have.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from aiokafka.structs import ConsumerRecord
from pymongo import ReplaceOne

from services.kpi_aggregator import buckets, notifications
from services.kpi_aggregator.commerce import (
    DEFAULT_ATTRIBUTION_WINDOW,
    DEFAULT_RETENTION,
    claim_document,
    count_claim,
    store_countries,
    update_claims,
)
from services.kpi_aggregator.fact_table import record_facts, restamp
from services.kpi_aggregator.handlers import (
    claim_events,
    count_claimed,
    day_identity,
    hour_identity,
    record_first_seen,
    write_increments,
)
from services.kpi_aggregator.notifications import NotificationRecord
from services.kpi_aggregator.orders import (
    Conversion,
    OrderRecord,
    conversions,
    counted_facts,
    difference,
    order_facts,
    order_key,
    replay,
)
from services.kpi_aggregator.outcomes import redecided
from shared import topics
from shared.consumer import PermanentError, decode
from shared.events import Event, NotificationSent, OrderChanged
from shared.journal import Journal
from shared.journal_scan import history
from shared.kpis import facts, keys
from shared.kpis.collections import (
    KPI_CUSTOMER_DAYS,
    KPI_CUSTOMER_HOURS,
    KPI_DAILY,
    KPI_HOURLY,
    KPI_NOTIFICATIONS,
    KPI_ORDERS,
)
from shared.kpis.zones import StoreZones
from shared.mongo import Database, Document, Session, claim_new, in_transaction
from shared.privacy.ledger import read_erased

CONVERSATION_TOPICS = (
    topics.WHATSAPP_INBOUND,
    topics.MESSAGES_OUTBOUND,
    topics.WHATSAPP_STATUS,
    topics.CONVERSATIONS_ENRICHED,
    topics.CONVERSATIONS_CSAT,
)
TOPICS = (*CONVERSATION_TOPICS, topics.WOOCOMMERCE_ORDERS)
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
        return keys.hour_start(self.start)

    @property
    def end_hour(self) -> datetime:
        """The first hour after the range; hour buckets cut by a half-hour zone's midnight
        belong to the range, so rebuilt hours always hold all of their events."""
        floor = keys.hour_start(self.end)
        return floor if floor == self.end else floor + timedelta(hours=1)

    def has_hour(self, hour: datetime) -> bool:
        return self.first_hour <= hour < self.end_hour

    def has_day(self, day: date) -> bool:
        return self.first <= day <= self.last

    def touches(self, event: Event) -> bool:
        return any(
            self.has_hour(keys.hour_start(moment))
            or self.has_day(keys.local_date(moment, self.zone))
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
    attribution_window: timedelta = DEFAULT_ATTRIBUTION_WINDOW,
    from_journal: bool = False,
    retention: timedelta = DEFAULT_RETENTION,
    notification_window: timedelta = notifications.DEFAULT_ORDER_WINDOW,
) -> Rebuilt:
    """Recompute and replace the store's hour and day buckets of local dates first..last,
    reading the events from Kafka, or `from_journal` (KAFKA_JOURNAL) from the event journal."""
    if last < first:
        raise ValueError("the range ends before it starts")
    span = DateRange(store_id, first, last, await StoreZones(db).zone(store_id))
    journal = Journal(db) if from_journal else None
    logged, orders_read = await read_store_events(
        bootstrap, store_id, None, progress, (topics.WOOCOMMERCE_ORDERS,), journal
    )
    snapshots = [event for event in logged if isinstance(event, OrderChanged)]
    country = (await store_countries(db, None, [store_id]))[store_id]
    since = _conversations_since(
        span, replay(snapshots, [], country, attribution_window, retention)
    )
    read_since = since - attribution_window - CLOCK_MARGIN
    conversation_events, read = await read_store_events(
        bootstrap,
        store_id,
        read_since,
        lambda done, total: progress(orders_read + done, orders_read + total),
        CONVERSATION_TOPICS,
        journal,
    )
    erased = await read_erased(db, store_id)  # an erased customer's events stay erased
    kept = [event for event in conversation_events if not erased.covers(event)]
    # Closes counted with the outcome today's rule gives them.
    decided = redecided(kept, read_since)
    events = decided.events
    counted = [event for event in events if span.touches(event)]
    stamps = [found for event in events if (found := facts.stamp(event)) is not None]
    records = replay(snapshots, stamps, country, attribution_window, retention)
    sent = {
        key: record
        for key, record in notifications.replay(
            events, records.values(), notification_window
        ).items()
        if _sent_in_range(record, span)
    }

    async def replace(session: Session) -> None:
        # The customers' first messages ever: stored (earlier than the log read) or read now.
        first_seen = await record_first_seen(db, session, events)
        in_range = recompute(counted, span, first_seen)
        in_range.merge(_in_range(record_increments(records.values(), span.zone), span))
        in_range.merge(_in_range(notification_increments(sent.values(), span.zone), span))
        await _replace(db, session, span, counted, in_range, records)
        await _settle_notifications(db, session, sent)
        # The fact table's rows of the sessions read, as live aggregation makes them.
        await restamp(db, session, decided.changed)
        await record_facts(db, session, events)
        written.append(in_range)

    written: list[buckets.Increments] = []
    await in_transaction(db, replace)
    in_range = written[-1]
    ordering = sum(1 for event in snapshots if _touches(records, event, span))
    notified = sum(1 for e in events if isinstance(e, NotificationSent) and e.message_id in sent)
    return Rebuilt(
        orders_read + read,
        len(counted) + ordering + notified,
        len(in_range.hourly),
        len(in_range.daily),
    )


def _conversations_since(span: DateRange, records: dict[str, OrderRecord]) -> datetime:
    """How far back conversations must be read: the range's start, or the creation of an
    order whose figures reach into the range, if earlier."""
    created = [
        record.created_at
        for record in records.values()
        if record.created_at is not None and _record_in_range(record, span)
    ]
    return min([span.start, *created])


def _record_in_range(record: OrderRecord, span: DateRange) -> bool:
    moments = [moment for moment, _, _ in order_facts(record)]
    return any(
        span.has_hour(keys.hour_start(moment)) or span.has_day(keys.local_date(moment, span.zone))
        for moment in moments
    )


def _touches(records: dict[str, OrderRecord], event: OrderChanged, span: DateRange) -> bool:
    record = records.get(order_key(event.store_id, event.order_id))
    return record is not None and _record_in_range(record, span)


def record_increments(records: Iterable[OrderRecord], zone: ZoneInfo) -> buckets.Increments:
    """Every figure of the orders `records` and of the conversions they make, from scratch."""
    counted = buckets.Increments()
    claims: dict[str, Conversion] = {}
    for record in records:
        for moment, name, amount in order_facts(record):
            counted.add_hour((record.store_id, keys.hour_start(moment)), name, amount)
            counted.add_day((record.store_id, keys.local_date(moment, zone)), name, amount)
        claims.update(conversions(record, zone))
    for claim in claims.values():
        count_claim(claim_document(claim), 1, counted)
    return counted


def _sent_in_range(record: NotificationRecord, span: DateRange) -> bool:
    return span.has_hour(keys.hour_start(record.sent_at)) or span.has_day(
        keys.local_date(record.sent_at, span.zone)
    )


def notification_increments(
    records: Iterable[NotificationRecord], zone: ZoneInfo
) -> buckets.Increments:
    """Every figure of the notifications `records`, in their send's hour and day."""
    counted = buckets.Increments()
    for record in records:
        for name, amount in notifications.figures(record).items():
            counted.add_hour((record.store_id, keys.hour_start(record.sent_at)), name, amount)
            counted.add_day((record.store_id, keys.local_date(record.sent_at, zone)), name, amount)
    return counted


async def _settle_notifications(
    db: Database, session: Session, sent: Mapping[str, NotificationRecord]
) -> None:
    """The rebuilt records of the notifications sent in the range replace the stored ones,
    as counted in the rebuilt buckets: live counting goes on from them."""
    for record in sent.values():
        notifications.difference(record)  # counted: what the rebuilt buckets hold
    if sent:
        await db[KPI_NOTIFICATIONS].bulk_write(
            [ReplaceOne({"_id": key}, r.document(), upsert=True) for key, r in sent.items()],
            session=session,
        )


def _in_range(counted: buckets.Increments, span: DateRange) -> buckets.Increments:
    return buckets.Increments(
        hourly={key: counts for key, counts in counted.hourly.items() if span.has_hour(key[1])},
        daily={key: counts for key, counts in counted.daily.items() if span.has_day(key[1])},
    )


async def read_store_events(
    bootstrap: str,
    store_id: str,
    since: datetime | None,
    progress: Progress,
    topic_names: Sequence[str] = CONVERSATION_TOPICS,
    journal: Journal | None = None,
) -> tuple[list[Event], int]:
    """The store's events of `topic_names` in the log (the `journal` if given) stamped since
    `since` (all if None), each `event_id` once, in log order per partition; and how many
    records were read."""
    found: dict[str, Event] = {}
    done = 0
    async with AsyncExitStack() as stack:
        scans = [
            await stack.enter_async_context(history(bootstrap, topic, since, journal))
            for topic in topic_names
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
                progress(done, max(total, done))  # the log may hold more than reported
    return list(found.values()), done


def _decoded(record: ConsumerRecord) -> Event | None:
    try:
        return decode(record)
    except PermanentError:  # the live aggregator dead-lettered it too: it counts nowhere
        return None


def recompute(
    events: Sequence[Event], span: DateRange, first_seen: buckets.FirstSeen | None = None
) -> buckets.Increments:
    """The range's buckets from scratch: every customer counts once per hour and per day."""
    zone_of: buckets.ZoneOf = lambda _: span.zone  # noqa: E731
    everything = buckets.increments(
        events,
        buckets.customer_hours(events).values(),
        buckets.customer_days(events, zone_of).values(),
        zone_of,
        first_seen,
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
    records: dict[str, OrderRecord],
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
        {"_id": keys.bucket_id(store, hour), **hour_identity(store, hour), **nested(counts)}
        for (store, hour), counts in in_range.hourly.items()
    ]
    daily = [
        {"_id": keys.day_id(store, day), **day_identity(store, day, zones), **nested(counts)}
        for (store, day), counts in in_range.daily.items()
    ]
    if hourly:
        await db[KPI_HOURLY].insert_many(hourly, session=session)
    if daily:
        await db[KPI_DAILY].insert_many(daily, session=session)
    await _claim_customers(db, session, span, counted)
    # Events the live aggregator has not counted yet: from now on they are the rebuild's.
    fresh = await claim_events(session, partial(claim_new, db), counted)  # most are taken
    outside, _ = await count_claimed(db, session, fresh, zones)
    outside.merge(await _settle_orders(db, session, span, records))
    outside.hourly = {k: v for k, v in outside.hourly.items() if not span.has_hour(k[1])}
    outside.daily = {k: v for k, v in outside.daily.items() if not span.has_day(k[1])}
    await write_increments(db, session, outside, zones)


async def _settle_orders(
    db: Database, session: Session, span: DateRange, records: dict[str, OrderRecord]
) -> buckets.Increments:
    """Store the rebuilt order records and conversion claims in place of the live ones; the
    difference between them, which the caller keeps outside the range (inside, the buckets
    were recomputed whole)."""
    change = buckets.Increments()
    if not records:
        return change
    stored = {
        document["_id"]: OrderRecord.model_validate(document)
        async for document in db[KPI_ORDERS].find(
            {"_id": {"$in": sorted(records)}}, session=session
        )
    }
    supports: dict[str, set[str]] = {}  # claim id -> rebuilt orders supporting it
    supported: dict[str, set[str]] = {}  # claim id -> orders whose stored record supported it
    wanted: dict[str, Conversion] = {}
    for key, record in records.items():
        before = stored.get(key)
        desired = order_facts(record)
        old = [fact.as_fact() for fact in before.counted] if before else []
        for moment, name, amount in difference(old, desired):
            change.add_hour((record.store_id, keys.hour_start(moment)), name, amount)
            change.add_day((record.store_id, keys.local_date(moment, span.zone)), name, amount)
        converts = conversions(record, span.zone)
        wanted.update(converts)
        for claim_id in converts:
            supports.setdefault(claim_id, set()).add(key)
        for claim_id in before.converts if before else []:
            supported.setdefault(claim_id, set()).add(key)
        record.counted, record.converts = counted_facts(desired), sorted(converts)
    await db[KPI_ORDERS].bulk_write(
        [ReplaceOne({"_id": key}, r.document(), upsert=True) for key, r in records.items()],
        session=session,
    )
    # Each claim keeps the orders the rebuild did not see and gets the rebuilt ones.
    claims = {
        claim_id: (
            supports.get(claim_id, set()),
            supported.get(claim_id, set()) - supports.get(claim_id, set()),
        )
        for claim_id in supported.keys() | supports.keys()
    }
    await update_claims(db, session, claims, wanted, change)
    return change


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


def nested(counts: Mapping[str, float | Decimal]) -> Document:
    """Dotted `$inc` paths as the nested document `$inc` would have made."""
    document: Document = {}
    for path, amount in buckets.stored_amounts(counts).items():
        *parents, leaf = path.split(".")
        node = document
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = amount
    return document
