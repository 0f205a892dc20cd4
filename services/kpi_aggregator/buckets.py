"""KPI arithmetic without I/O: which buckets an event counts in, and by how much.

Every event yields *facts*: (moment, field, amount). One pass folds each fact into two buckets:
the store's UTC hour (`kpi_hourly`) and the store's local date in its IANA timezone
(`kpi_daily`). Every Indonesian timezone is a whole-hour offset, so there a local hour is one
UTC hour bucket. Field paths are dotted for MongoDB's `$inc`. The live aggregator and the
rebuild (`rebuild.py`) both count with these functions, so they give the same numbers.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal

from bson import Decimal128

from shared.conversations.service_window import SERVICE_WINDOW
from shared.events import (
    Author,
    ConversationClosed,
    ConversationReopened,
    CsatRecorded,
    CsatSurveySent,
    DeliveryStatus,
    DeliveryStatusChanged,
    Event,
    MessageReceived,
    ReplySent,
)
from shared.identity import channel_of, customer_hash
from shared.kpis.keys import (
    bucket_id,
    day_id,
    histogram_slot,
    hour_start,
    local_date,
    quantized_seconds,
)

SERVICE_WINDOW_SECONDS = SERVICE_WINDOW.total_seconds()

BucketKey = tuple[str, datetime]  # (store, UTC hour start)
DayKey = tuple[str, date]  # (store, local date)
Fact = tuple[datetime, str, float]  # (moment the fact belongs to, field, amount)
ZoneOf = Callable[[str], tzinfo]  # store id -> its timezone
FirstSeen = Mapping[tuple[str, str], datetime]  # (store, customer hash) -> first message ever


@dataclass(frozen=True)
class CustomerHour:
    """A customer seen in a store's hour; counted once however many messages they send."""

    store_id: str
    hour: datetime
    customer_hash: str

    @property
    def id(self) -> str:
        return f"{bucket_id(self.store_id, self.hour)}|{self.customer_hash}"


@dataclass(frozen=True)
class CustomerDay:
    """A customer seen on a store's local date; counted once that day."""

    store_id: str
    day: date
    customer_hash: str

    @property
    def id(self) -> str:
        return f"{day_id(self.store_id, self.day)}|{self.customer_hash}"


def customer_hours(events: Iterable[Event]) -> dict[str, CustomerHour]:
    seen: dict[str, CustomerHour] = {}
    for event in events:
        if isinstance(event, MessageReceived):
            hashed = customer_hash(event.customer_number)
            entry = CustomerHour(event.store_id, hour_start(event.occurred_at), hashed)
            seen[entry.id] = entry
    return seen


def customer_days(events: Iterable[Event], zone_of: ZoneOf) -> dict[str, CustomerDay]:
    seen: dict[str, CustomerDay] = {}
    for event in events:
        if isinstance(event, MessageReceived):
            day = local_date(event.occurred_at, zone_of(event.store_id))
            entry = CustomerDay(event.store_id, day, customer_hash(event.customer_number))
            seen[entry.id] = entry
    return seen


@dataclass
class Increments:
    """The `$inc` of every hour and day bucket some events touch."""

    hourly: dict[BucketKey, Counter[str]] = field(default_factory=dict)
    daily: dict[DayKey, Counter[str]] = field(default_factory=dict)

    def add_hour(self, key: BucketKey, name: str, amount: float | Decimal = 1) -> None:
        self.hourly.setdefault(key, Counter())[name] += amount  # type: ignore[assignment]

    def add_day(self, key: DayKey, name: str, amount: float | Decimal = 1) -> None:
        self.daily.setdefault(key, Counter())[name] += amount  # type: ignore[assignment]

    def merge(self, other: "Increments") -> None:
        for key, counts in other.hourly.items():
            for name, amount in counts.items():
                self.add_hour(key, name, amount)
        for day, counts in other.daily.items():
            for name, amount in counts.items():
                self.add_day(day, name, amount)


def stored_amounts(counts: Mapping[str, float | Decimal]) -> dict[str, object]:
    """Counts as MongoDB keeps them: money (decimal.Decimal) as Decimal128, exact, so sums do
    not depend on the order of additions."""
    return {
        name: Decimal128(amount) if isinstance(amount, Decimal) else amount
        for name, amount in counts.items()
    }


def increments(
    events: Sequence[Event],
    new_customer_hours: Iterable[CustomerHour],
    new_customer_days: Iterable[CustomerDay] = (),
    zone_of: ZoneOf = lambda _: UTC,
    first_seen: FirstSeen | None = None,
) -> Increments:
    """Hour and day increments of `events`, plus one unique customer per new claim, new or
    returning by the customer's first message ever in the store (`first_seen`)."""
    counted = Increments()
    seen = first_seen or {}
    for customer in new_customer_hours:
        key = (customer.store_id, customer.hour)
        counted.add_hour(key, "unique_customers")
        first = seen.get((customer.store_id, customer.customer_hash))
        new = first is None or hour_start(first) == customer.hour
        counted.add_hour(key, "customers.new" if new else "customers.returning")
    for day in new_customer_days:
        key_day = (day.store_id, day.day)
        counted.add_day(key_day, "unique_customers")
        first = seen.get((day.store_id, day.customer_hash))
        new = first is None or local_date(first, zone_of(day.store_id)) == day.day
        counted.add_day(key_day, "customers.new" if new else "customers.returning")
    for event in events:
        zone = zone_of(event.store_id)
        for moment, name, amount in facts(event):
            counted.add_hour((event.store_id, hour_start(moment)), name, amount)
            counted.add_day((event.store_id, local_date(moment, zone)), name, amount)
    return counted


def facts(event: Event) -> list[Fact]:
    """What one event adds, and the moment each addition belongs to: the store's totals, and
    the main counts again under `by_channel.<channel>` (docs/kpis.md)."""
    found = _totals(event)
    channel = _channel_split(event)
    if channel is None:
        return found
    split = [(at, f"by_channel.{channel}.{name}", n) for at, name, n in found if _split(name)]
    return found + split


# The counts split by channel: messages in, replies sent by author, hand-overs by reason and
# closed sessions by outcome. Times, deliveries and CSAT stay per store.
_SPLIT_PREFIXES = ("inbound_messages", "outbound_messages.", "hand_overs.", "conversations.closed.")


def _split(name: str) -> bool:
    return name.startswith(_SPLIT_PREFIXES)


def _channel_split(event: Event) -> str | None:
    """The channel an event's counts are split under: its own, or its conversation's."""
    if isinstance(event, MessageReceived | ReplySent):
        return event.channel.value
    if isinstance(event, ConversationClosed):
        return channel_of(event.conversation_id).value
    return None


def _totals(event: Event) -> list[Fact]:
    if isinstance(event, MessageReceived):
        return [(event.occurred_at, "inbound_messages", 1)]
    if isinstance(event, ReplySent):
        return _reply_facts(event)
    if isinstance(event, DeliveryStatusChanged):
        return _delivery_facts(event)
    if isinstance(event, ConversationClosed):
        # `occurred_at` is the close time (the moment the conversation became idle).
        closed: list[Fact] = [(event.occurred_at, f"conversations.closed.{event.outcome.value}", 1)]
        if event.confirmed:  # a subset of resolved_by_bot: assumed = resolved_by_bot - confirmed
            closed.append((event.occurred_at, "conversations.confirmed_by_customer", 1))
        if event.first_session is not None:  # unknown for closes published before it existed
            kind = "new" if event.first_session else "returning"
            closed.append((event.opened_at or event.occurred_at, f"conversations.{kind}", 1))
        return closed
    if isinstance(event, CsatSurveySent):
        return [(event.occurred_at, "csat.asked", 1)] if event.sent else []
    if isinstance(event, CsatRecorded):
        at = event.occurred_at
        return [
            (at, "csat.ratings", 1),
            (at, "csat.sum", event.rating),
            (at, f"csat.histogram.{event.rating}", 1),
        ]
    if isinstance(event, ConversationReopened):
        # Attributed to the close it undoes, so reopens / resolved_by_bot of one bucket compare
        # the same resolutions.
        return [(event.closed_at, "conversations.reopened", 1)]
    return []


def _reply_facts(event: ReplySent) -> list[Fact]:
    at = event.occurred_at
    found: list[Fact] = []
    if event.hand_over:
        found.append((at, f"hand_overs.{event.hand_over.value}", 1))
    if event.order_action:  # docs/actions.md: one per reply about an action, sent or not
        action = event.order_action
        found.append((at, f"actions.{action.kind}.{action.outcome}", 1))
    if not event.sent:
        return [*found, (at, "replies_not_sent", 1)]
    found.append((at, f"outbound_messages.{event.author.value}", 1))
    # Response times belong to the hour the customer wrote in, so an evening's backlog
    # answered after midnight still counts against the evening.
    asked_at, seconds = event.customer_message_at, quantized_seconds(event.response_seconds)
    found += [
        (asked_at, "response_time.count", 1),
        (asked_at, "response_time.sum_seconds", seconds),
    ]
    if event.first_response:
        found += [
            (asked_at, "first_response.count", 1),
            (asked_at, "first_response.sum_seconds", seconds),
            (asked_at, f"first_response.histogram.{histogram_slot(seconds)}", 1),
        ]
    if event.author is Author.AGENT and seconds <= SERVICE_WINDOW_SECONDS:
        # Every agent reply answers a customer who was handed over or taken over; one sent
        # past WhatsApp's 24-hour window is a template that restarts contact, not a response.
        found += [
            (asked_at, "human_response_time.count", 1),
            (asked_at, "human_response_time.sum_seconds", seconds),
            (asked_at, f"human_response_time.histogram.{histogram_slot(seconds)}", 1),
        ]
    if event.handed_over_at is not None:
        found += _human_first_response(event, event.handed_over_at)
    return found


def human_first_response_seconds(event: ReplySent, handed_over_at: datetime) -> float:
    """From the hand-over (or take-over) to the first agent reply that went out: the time the
    bot held the conversation does not count."""
    waited = (event.occurred_at - handed_over_at).total_seconds()
    return quantized_seconds(max(0.0, waited))


def _human_first_response(event: ReplySent, handed_over_at: datetime) -> list[Fact]:
    """In the hour of the hand-over, like the bot's figure in the hour the customer wrote."""
    seconds = human_first_response_seconds(event, handed_over_at)
    return [
        (handed_over_at, "human_first_response.count", 1),
        (handed_over_at, "human_first_response.sum_seconds", seconds),
        (handed_over_at, f"human_first_response.histogram.{histogram_slot(seconds)}", 1),
    ]


def _delivery_facts(event: DeliveryStatusChanged) -> list[Fact]:
    if event.status.is_failure:
        return [(event.occurred_at, "delivery.failed", 1)]
    if event.status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
        return [(event.occurred_at, f"delivery.{event.status.value}", 1)]
    return []
