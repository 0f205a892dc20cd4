"""Notification KPIs without I/O: what happened after a message Balas wrote first.

One `NotificationRecord` per notification (`kpi_notifications`, `_id` the notification's
message id) merges what the log says of it: its `NotificationSent`, the status callbacks of its
message (by the channel's id), and the customer's messages within the reply window after it.
Every flag only ever turns on, so any arrival order ends in the same record. Its figures are
counted in the hour and day of the send (a cohort: the read, replied and opted-out of a bucket
are of the notifications sent in it) under `notifications.<source>.<figure>`; the aggregator
adds the difference to what the record counted before (`counted`), and the rebuild replays the
records from the log (`replay`), so both reach the same numbers (docs/kpis.md).
"""

from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

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
FIGURES = ("sent", "not_sent", "delivered", "read", "replied", "opted_out")


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
    counted: list[str] = Field(default_factory=list)  # the figures added to the buckets

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


def figures(record: NotificationRecord) -> list[str]:
    """The bucket fields the notification counts in (each once)."""
    if not record.sent:
        return [field(record.source, "not_sent")]
    seen = [name for name in ("delivered", "read", "replied", "opted_out") if getattr(record, name)]
    return [field(record.source, name) for name in ("sent", *seen)]


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


def difference(record: NotificationRecord) -> Mapping[str, int]:
    """What to add to the send's buckets so that they count `figures(record)`; the record
    then says it counted them."""
    desired = figures(record)
    change = {name: 1 for name in desired if name not in record.counted}
    change.update({name: -1 for name in record.counted if name not in desired})
    record.counted = desired
    return change


def replay(events: Iterable[Event]) -> dict[str, NotificationRecord]:
    """Every notification's record from the log alone, as live counting ends up with it."""
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
    return records
