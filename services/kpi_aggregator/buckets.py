"""KPI arithmetic without I/O: which hour bucket an event counts in, and by how much.

A bucket is one store's hour (UTC start; every Indonesian timezone is a whole-hour offset, so
local hours and days are unions of these). Field paths are dotted for MongoDB's `$inc`.
"""

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.events import DeliveryStatus, DeliveryStatusChanged, Event, MessageReceived, ReplySent

# Upper bounds (seconds) of the first-response histogram; one more slot holds the rest.
FIRST_RESPONSE_BOUNDS: tuple[float, ...] = (5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400)
OVERFLOW = "inf"

BucketKey = tuple[str, datetime]
AddFn = Callable[..., None]  # add(store_id, moment, field, amount=1)


def hour_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def bucket_id(store_id: str, hour: datetime) -> str:
    return f"{store_id}|{hour:%Y-%m-%dT%H}"


def histogram_slot(seconds: float) -> str:
    for bound in FIRST_RESPONSE_BOUNDS:
        if seconds <= bound:
            return f"{bound:g}"
    return OVERFLOW


@dataclass(frozen=True)
class CustomerHour:
    """A customer seen in a store's hour; counted once however many messages they send."""

    store_id: str
    hour: datetime
    customer_hash: str

    @property
    def id(self) -> str:
        return f"{bucket_id(self.store_id, self.hour)}|{self.customer_hash}"


def customer_hours(events: Iterable[Event]) -> dict[str, CustomerHour]:
    seen: dict[str, CustomerHour] = {}
    for event in events:
        if isinstance(event, MessageReceived):
            digest = hashlib.sha256(event.customer_number.encode()).hexdigest()[:16]
            entry = CustomerHour(event.store_id, hour_start(event.occurred_at), digest)
            seen[entry.id] = entry
    return seen


def increments(
    events: Sequence[Event], new_customer_hours: Iterable[CustomerHour]
) -> dict[BucketKey, Counter[str]]:
    """The `$inc` of every bucket the events touch."""
    buckets: dict[BucketKey, Counter[str]] = {}

    def add(store_id: str, moment: datetime, field: str, amount: float = 1) -> None:
        key = (store_id, hour_start(moment))
        buckets.setdefault(key, Counter())[field] += amount  # type: ignore[assignment]

    for customer in new_customer_hours:
        add(customer.store_id, customer.hour, "unique_customers")
    for event in events:
        if isinstance(event, MessageReceived):
            add(event.store_id, event.occurred_at, "inbound_messages")
        elif isinstance(event, ReplySent):
            _count_reply(event, add)
        elif isinstance(event, DeliveryStatusChanged):
            _count_delivery(event, add)
    return buckets


def _count_reply(event: ReplySent, add: AddFn) -> None:
    if event.hand_over:
        add(event.store_id, event.occurred_at, f"hand_overs.{event.hand_over.value}")
    if not event.sent:
        add(event.store_id, event.occurred_at, "replies_not_sent")
        return
    add(event.store_id, event.occurred_at, f"outbound_messages.{event.author.value}")
    # Response times belong to the hour the customer wrote in, so an evening's backlog
    # answered after midnight still counts against the evening.
    asked_at = event.customer_message_at
    add(event.store_id, asked_at, "response_time.count")
    add(event.store_id, asked_at, "response_time.sum_seconds", event.response_seconds)
    if event.first_response:
        add(event.store_id, asked_at, "first_response.count")
        add(event.store_id, asked_at, "first_response.sum_seconds", event.response_seconds)
        slot = histogram_slot(event.response_seconds)
        add(event.store_id, asked_at, f"first_response.histogram.{slot}")


def _count_delivery(event: DeliveryStatusChanged, add: AddFn) -> None:
    if event.status.is_failure:
        add(event.store_id, event.occurred_at, "delivery.failed")
    elif event.status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
        add(event.store_id, event.occurred_at, f"delivery.{event.status.value}")


def percentile(histogram: dict[str, int], quantile: float) -> float | None:
    """Read a percentile from a bucket histogram, interpolating inside the bucket."""
    slots = [*(f"{bound:g}" for bound in FIRST_RESPONSE_BOUNDS), OVERFLOW]
    total = sum(histogram.get(slot, 0) for slot in slots)
    if total == 0:
        return None
    rank = quantile * total
    seen, lower = 0, 0.0
    for slot, upper in zip(slots, [*FIRST_RESPONSE_BOUNDS, FIRST_RESPONSE_BOUNDS[-1]], strict=True):
        count = histogram.get(slot, 0)
        if count and seen + count >= rank:
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
        lower = upper
    return float(FIRST_RESPONSE_BOUNDS[-1])
