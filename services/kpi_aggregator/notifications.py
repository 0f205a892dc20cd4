"""Notification KPIs without I/O: what happened after a message Balas wrote first.

One `NotificationRecord` per notification (`kpi_notifications`, `_id` the notification's
message id) merges what the log says of it: its `NotificationSent`, the status callbacks of its
message (by the channel's id), the customer's messages within the reply window after it, and the
customer's orders placed within the attribution window after it, when it is the last
notification before them (`credit`). Every flag only ever turns on and an order's credit is a
function of the stored orders and notifications, so any arrival order ends in the same record.
Its figures are counted in the hour and day of the send (a cohort: the read, replied and
opted-out of a bucket are of the notifications sent in it) under
`notifications.<source>.<figure>`; the aggregator adds the difference to what the record
counted before (`counted`), and the rebuild replays the records from the log (`replay`), so
both reach the same numbers (docs/kpis.md#notifications).
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from services.kpi_aggregator.orders import Amount, OrderRecord
from shared.channels import Channel
from shared.consent.chat import Intent, consent_intent
from shared.conversations.service_window import SERVICE_WINDOW
from shared.events import (
    DeliveryStatus,
    DeliveryStatusChanged,
    Event,
    MessageReceived,
    NotificationSent,
    NotificationSource,
)
from shared.identity import customer_hash, customer_number
from shared.kpis.facts import stored_time
from shared.mongo import Document

# A customer message this long after a notification answers it: WhatsApp's service window,
# which the customer's message opens for free-form replies.
REPLY_WINDOW = SERVICE_WINDOW
PREFIX = "notifications"
DEFAULT_ORDER_WINDOW = timedelta(days=3)  # NOTIFICATION_ATTRIBUTION_DAYS


class OrderCredit(BaseModel):
    """An order the notification is credited with, as the order's record has it now."""

    model_config = ConfigDict(frozen=True)

    key: str  # the order's `kpi_orders` id
    currency: str | None = None
    paid: str | None = None  # its total once paid, exact, as text


class NotificationRecord(BaseModel):
    """What the aggregator knows and counted of one notification (no number: its hash)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")
    store_id: str
    source: NotificationSource
    channel: Channel
    customer_hash: str
    sent: bool
    sid: str | None = None
    sent_at: datetime  # when the notification was finished, to the millisecond
    delivered: bool = False
    read: bool = False
    replied: bool = False
    opted_out: bool = False
    orders: list[OrderCredit] = Field(default_factory=list)  # by key
    # (field, amount as text) added to the buckets; pairs, since a field name has dots
    counted: list[tuple[str, str]] = Field(default_factory=list)

    def document(self) -> Document:
        return self.model_dump(by_alias=True, mode="python")


def record_of(event: NotificationSent) -> NotificationRecord:
    return NotificationRecord(
        id=event.message_id,
        store_id=event.store_id,
        source=event.source,
        channel=event.channel,
        customer_hash=customer_hash(customer_number(event.conversation_id)),
        sent=event.sent,
        sid=event.twilio_sid if event.sent else None,
        sent_at=stored_time(event.occurred_at),
    )


def figures(record: NotificationRecord) -> dict[str, Amount]:
    """The bucket fields the notification counts in, and by how much."""
    if not record.sent:
        return {field(record.source, "not_sent"): 1}
    seen = [name for name in ("delivered", "read", "replied", "opted_out") if getattr(record, name)]
    counts: dict[str, Amount] = {field(record.source, name): 1 for name in ("sent", *seen)}
    if record.orders:
        counts[field(record.source, "orders")] = len(record.orders)
    for credit in record.orders:
        if credit.paid is not None and credit.currency:
            name = field(record.source, f"revenue.{credit.currency}")
            counts[name] = counts.get(name, Decimal(0)) + Decimal(credit.paid)
    return counts


def field(source: NotificationSource, figure: str) -> str:
    return f"{PREFIX}.{source.value}.{figure}"


def see_status(record: NotificationRecord, status: DeliveryStatus) -> None:
    """A read message was delivered, even when its `delivered` callback never came."""
    if status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
        record.delivered = True
    if status is DeliveryStatus.READ:
        record.read = True


def answers(record: NotificationRecord, channel: Channel, hashed: str, at: datetime) -> bool:
    """Whether a customer message (its channel, customer hash and time) answers the
    notification: the same customer on the same channel, within the reply window after it."""
    return (
        record.sent
        and record.channel is channel
        and record.customer_hash == hashed
        and record.sent_at < at <= record.sent_at + REPLY_WINDOW
    )


def see_message(record: NotificationRecord, stop: bool) -> None:
    """A message that answers the notification; a stop request opts the customer out."""
    record.replied = True
    record.opted_out = record.opted_out or stop


def is_stop(message: MessageReceived) -> bool:
    """The responder's rule for a withdrawal in chat (shared/consent/chat.py); the fact
    table's stamp of the message keeps the same answer (`stop`)."""
    return consent_intent(message.text) is Intent.WITHDRAW


def message_key(message: MessageReceived) -> tuple[Channel, str, datetime]:
    hashed = customer_hash(customer_number(message.conversation_id))
    return message.channel, hashed, stored_time(message.occurred_at)


def difference(record: NotificationRecord) -> Mapping[str, Amount]:
    """What to add to the send's buckets so that they count `figures(record)`; the record
    then says it counted them."""
    desired = figures(record)
    counted = {name: _amount(name, text) for name, text in record.counted}
    change: dict[str, Amount] = {}
    for name in desired.keys() | counted.keys():
        moved = desired.get(name, 0) - counted.get(name, 0)
        if moved:
            change[name] = moved
    record.counted = sorted((name, str(amount)) for name, amount in desired.items())
    return change


def _amount(name: str, text: str) -> Amount:
    return Decimal(text) if ".revenue." in name else int(text)


def credit(
    candidates: Sequence[NotificationRecord], order: OrderRecord, window: timedelta
) -> NotificationRecord | None:
    """The notification an order is credited to: the customer's last notification that went
    out before the order was placed, at most `window` before (last touch: each order once)."""
    if order.created_at is None or order.customer_hash is None or not order.counts:
        return None
    placed = stored_time(order.created_at)
    before = [
        record
        for record in candidates
        if record.sent
        and record.store_id == order.store_id
        and record.customer_hash == order.customer_hash
        and record.sent_at < placed <= record.sent_at + window
    ]
    return max(before, key=lambda record: (record.sent_at, record.id), default=None)


def credit_of(order: OrderRecord) -> OrderCredit:
    paid = order.total if order.paid_at is not None else None
    return OrderCredit(key=order.id, currency=order.currency, paid=paid)


def give(record: NotificationRecord, order: OrderRecord) -> None:
    record.orders = sorted([*record.orders, credit_of(order)], key=lambda found: found.key)


def replay(
    events: Iterable[Event],
    orders: Iterable[OrderRecord] = (),
    window: timedelta = DEFAULT_ORDER_WINDOW,
) -> dict[str, NotificationRecord]:
    """Every notification's record from the log (and the orders replayed from it) alone, as
    live counting ends up with it."""
    records: dict[str, NotificationRecord] = {}
    statuses: list[DeliveryStatusChanged] = []
    messages: list[MessageReceived] = []
    for event in events:
        if isinstance(event, NotificationSent):
            records.setdefault(event.message_id, record_of(event))
        elif isinstance(event, DeliveryStatusChanged):
            statuses.append(event)
        elif isinstance(event, MessageReceived):
            messages.append(event)
    by_sid = {record.sid: record for record in records.values() if record.sid}
    for status in statuses:
        if (found := by_sid.get(status.twilio_sid)) is not None:
            see_status(found, status.status)
    by_customer: dict[tuple[str, str], list[NotificationRecord]] = {}
    for record in records.values():
        by_customer.setdefault((record.store_id, record.customer_hash), []).append(record)
    for message in messages:
        channel, hashed, at = message_key(message)
        for record in by_customer.get((message.store_id, hashed), []):
            if answers(record, channel, hashed, at):
                see_message(record, is_stop(message))
    for order in orders:
        candidates = by_customer.get((order.store_id, order.customer_hash or ""), [])
        if (holder := credit(candidates, order, window)) is not None:
            give(holder, order)
    return records
