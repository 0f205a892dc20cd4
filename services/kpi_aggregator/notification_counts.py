"""Notification KPIs in MongoDB: each batch's notifications, status callbacks and customer
messages folded into the notifications' records (`kpi_notifications`, notifications.py).

One call per batch, inside its transaction, after the batch's conversation stamps are stored:

1. each `NotificationSent` makes its record (once: a repeat changes nothing);
2. a `delivered` or `read` callback finds its notification by the channel's message id: in the
   records, or, when the callback was read before the notification's event, in `messages`
   (the responder's record of the send), which makes the record as the event would;
3. a customer message finds the notifications of that customer it answers;
4. a record made here looks back at the conversation's stamps (`conversation_fact_events`) for
   the customer messages read before it;
5. the orders of the batch's snapshots (their records, as `commerce.py` just stored them) and
   the customer's orders placed after a record made here are credited again, each to the
   customer's last notification before it within the attribution window;
6. the difference between what each record counts now and what it counted is added to its
   send's hour and day.

So every arrival order ends at the same records and figures, and a batch costs a few queries.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from services.kpi_aggregator.buckets import Increments
from services.kpi_aggregator.notifications import (
    DEFAULT_ORDER_WINDOW,
    REPLY_WINDOW,
    NotificationRecord,
    answers,
    credit,
    difference,
    give,
    is_stop,
    message_key,
    record_of,
    see_message,
    see_status,
)
from services.kpi_aggregator.orders import Amount, OrderRecord, order_key
from services.kpi_aggregator.records import save_changed
from shared.channels import Channel
from shared.conversations.collections import MESSAGES
from shared.events import (
    Author,
    DeliveryStatus,
    DeliveryStatusChanged,
    Event,
    MessageReceived,
    NotificationSent,
    NotificationSource,
    OrderChanged,
)
from shared.identity import customer_hash, customer_number
from shared.kpis.collections import CONVERSATION_FACT_EVENTS, KPI_NOTIFICATIONS, KPI_ORDERS
from shared.kpis.facts import stored_time
from shared.kpis.keys import hour_start, local_date
from shared.kpis.zones import UTC_ZONE
from shared.mongo import Database, Document, Session

_COUNTED_STATUSES = (DeliveryStatus.DELIVERED, DeliveryStatus.READ)


@dataclass
class NotificationCounts:
    """What a batch changed: bucket increments, and the (store, field, amount) differences for
    Prometheus."""

    increments: Increments = field(default_factory=Increments)
    changes: list[tuple[str, str, Amount]] = field(default_factory=list)


@dataclass
class _Batch:
    records: dict[str, NotificationRecord] = field(default_factory=dict)
    before: dict[str, NotificationRecord | None] = field(default_factory=dict)
    made: dict[str, str] = field(default_factory=dict)  # new record -> its conversation id

    def load(self, document: Document) -> NotificationRecord:
        record = self.records.get(document["_id"])
        if record is None:
            record = NotificationRecord.model_validate(document)
            self.records[record.id] = record
            self.before[record.id] = record.model_copy(deep=True)
        return record

    def make(self, record: NotificationRecord, conversation_id: str) -> NotificationRecord:
        if record.id in self.records:
            return self.records[record.id]
        self.records[record.id] = record
        self.before[record.id] = None
        self.made[record.id] = conversation_id
        return record


async def count_notifications(
    db: Database,
    session: Session,
    events: Sequence[Event],
    zone_of: Mapping[str, ZoneInfo],
    window: timedelta = DEFAULT_ORDER_WINDOW,
) -> NotificationCounts:
    notified = [event for event in events if isinstance(event, NotificationSent)]
    statuses = [
        event
        for event in events
        if isinstance(event, DeliveryStatusChanged) and event.status in _COUNTED_STATUSES
    ]
    messages = [event for event in events if isinstance(event, MessageReceived)]
    snapshots = [event for event in events if isinstance(event, OrderChanged)]
    if not notified and not statuses and not messages and not snapshots:
        return NotificationCounts()
    batch = _Batch()
    await _notified(db, session, batch, notified)
    await _statuses(db, session, batch, statuses)
    await _messages(db, session, batch, messages)
    await _look_back(db, session, batch)
    await _credit_orders(db, session, batch, snapshots, window)
    counted = NotificationCounts()
    for record in batch.records.values():
        zone = zone_of.get(record.store_id, UTC_ZONE)
        for name, amount in difference(record).items():
            counted.increments.add_hour((record.store_id, hour_start(record.sent_at)), name, amount)
            counted.increments.add_day(
                (record.store_id, local_date(record.sent_at, zone)), name, amount
            )
            counted.changes.append((record.store_id, name, amount))
    await save_changed(db, session, KPI_NOTIFICATIONS, batch.records, batch.before)
    return counted


async def _notified(
    db: Database, session: Session, batch: _Batch, notified: Sequence[NotificationSent]
) -> None:
    if not notified:
        return
    ids = sorted({event.message_id for event in notified})
    async for document in db[KPI_NOTIFICATIONS].find({"_id": {"$in": ids}}, session=session):
        batch.load(document)
    for event in notified:
        batch.make(record_of(event), event.conversation_id)


async def _statuses(
    db: Database, session: Session, batch: _Batch, statuses: Sequence[DeliveryStatusChanged]
) -> None:
    if not statuses:
        return
    sids = sorted({event.twilio_sid for event in statuses})
    by_sid = {record.sid: record for record in batch.records.values() if record.sid}
    query = {"sid": {"$in": sids}}
    async for document in db[KPI_NOTIFICATIONS].find(query, session=session):
        by_sid[document["sid"]] = batch.load(document)
    unknown = [sid for sid in sids if sid not in by_sid]
    if unknown:  # a callback read before its notification's event
        # Only messages that say their source (order notifications, broadcasts): those sent
        # before their source's figures existed were never published and count nowhere.
        sent = {
            "twilio_sid": {"$in": unknown},
            "author": Author.NOTIFICATION.value,
            "notification_source": {"$exists": True},
        }
        async for message in db[MESSAGES].find(sent, session=session):
            made = batch.make(_record_of_message(message), message["conversation_id"])
            by_sid[message["twilio_sid"]] = made
    for event in statuses:
        if (found := by_sid.get(event.twilio_sid)) is not None:
            see_status(found, event.status)


def _record_of_message(message: Document) -> NotificationRecord:
    """The record a notification's `NotificationSent` would make, from its stored message."""
    return NotificationRecord(
        id=message["_id"],
        store_id=message["store_id"],
        source=NotificationSource(message["notification_source"]),
        channel=Channel(message.get("channel", Channel.WHATSAPP)),
        customer_hash=customer_hash(customer_number(message["conversation_id"])),
        sent=True,
        sid=message["twilio_sid"],
        sent_at=stored_time(message["finished_at"]),
    )


async def _messages(
    db: Database, session: Session, batch: _Batch, messages: Sequence[MessageReceived]
) -> None:
    if not messages:
        return
    keyed = [(message, *message_key(message)) for message in messages]
    moments = [at for *_, at in keyed]
    query = {
        "store_id": {"$in": sorted({message.store_id for message in messages})},
        "customer_hash": {"$in": sorted({hashed for _, _, hashed, _ in keyed})},
        "sent_at": {"$gte": min(moments) - REPLY_WINDOW, "$lt": max(moments)},
    }
    async for document in db[KPI_NOTIFICATIONS].find(query, session=session):
        batch.load(document)
    for record in batch.records.values():
        for message, channel, hashed, at in keyed:
            if record.store_id == message.store_id and answers(record, channel, hashed, at):
                see_message(record, is_stop(message))


async def _look_back(db: Database, session: Session, batch: _Batch) -> None:
    """Records made in this batch: the customer messages already stamped that answer them."""
    made = {key: batch.records[key] for key in batch.made if batch.records[key].sent}
    if not made:
        return
    sends = [record.sent_at for record in made.values()]
    query = {
        "conversation_id": {"$in": sorted({batch.made[key] for key in made})},
        "kind": "in",
        "at": {"$gt": min(sends), "$lte": max(sends) + REPLY_WINDOW},
    }
    async for stamp in db[CONVERSATION_FACT_EVENTS].find(query, session=session):
        for key, record in made.items():
            conversation = batch.made[key]
            if conversation != stamp["conversation_id"]:
                continue
            hashed = customer_hash(customer_number(conversation))
            if answers(record, record.channel, hashed, stamp["at"]):
                see_message(record, bool(stamp.get("stop")))


async def _credit_orders(
    db: Database,
    session: Session,
    batch: _Batch,
    snapshots: Sequence[OrderChanged],
    window: timedelta,
) -> None:
    """Credit again the orders the batch may have moved: its snapshots' orders, and those a
    record made here may now be the last notification before."""
    keys = {order_key(event.store_id, event.order_id) for event in snapshots}
    made = [batch.records[key] for key in batch.made if batch.records[key].sent]
    if made:
        sends = [record.sent_at for record in made]
        after = {
            "store_id": {"$in": sorted({record.store_id for record in made})},
            "customer_hash": {"$in": sorted({record.customer_hash for record in made})},
            "created_at": {"$gt": min(sends), "$lte": max(sends) + window},
        }
        keys |= {
            doc["_id"] async for doc in db[KPI_ORDERS].find(after, {"_id": 1}, session=session)
        }
    if not keys:
        return
    orders = [
        OrderRecord.model_validate(document)
        async for document in db[KPI_ORDERS].find({"_id": {"$in": sorted(keys)}}, session=session)
    ]
    if not orders:
        return
    found = {order.id for order in orders}
    holding = {"orders.key": {"$in": sorted(found)}}
    async for document in db[KPI_NOTIFICATIONS].find(holding, session=session):
        batch.load(document)
    placed = [order for order in orders if order.created_at and order.customer_hash]
    if placed:
        created = [stored_time(order.created_at) for order in placed if order.created_at]
        candidates = {
            "store_id": {"$in": sorted({order.store_id for order in placed})},
            "customer_hash": {"$in": sorted({order.customer_hash or "" for order in placed})},
            "sent_at": {"$gte": min(created) - window, "$lt": max(created)},
        }
        async for document in db[KPI_NOTIFICATIONS].find(candidates, session=session):
            batch.load(document)
    for record in batch.records.values():
        if any(credited.key in found for credited in record.orders):
            record.orders = [credited for credited in record.orders if credited.key not in found]
    records = list(batch.records.values())
    for order in orders:
        if (holder := credit(records, order, window)) is not None:
            give(holder, order)
