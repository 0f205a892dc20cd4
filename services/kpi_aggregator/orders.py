"""Commerce KPIs without I/O: what an order's snapshots say happened, and what that counts.

WooCommerce sends an order's *state* (coalesced, possibly late or out of order), not its
transitions. The aggregator keeps one `OrderRecord` per order (`kpi_orders`) that merges every
snapshot seen in a way that does not depend on their order (earliest payment, refund and cancel
times; the newest snapshot's status, total, currency and customer), and what it has counted of
the order (`counted`). The figures an order should contribute are a pure function of the record
(`order_facts`); the aggregator adds the difference to what it counted before, so a redelivered,
replayed, late or reordered snapshot moves each figure once, to its final value, and a rebuild
from the log reaches the same numbers.

Attribution (docs/kpis.md, "Commerce"): an order is the conversation's when the customer wrote
within the attribution window before placing it. The customer is the order's billing phone in
E.164 (guests too); the record keeps only its hash, the same one the unique-customer claims use.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events import OrderChanged
from shared.identity import customer_hash, phone_conversation_ids
from shared.kpis.keys import bucket_id, day_id, hour_start, local_date
from shared.mongo import Document
from shared.phones import normalise

# A payment is recorded: WooCommerce's paid statuses (a refunded order was paid), or a paid date.
PAID_STATUSES = frozenset({"processing", "completed", "refunded"})
REFUNDED = "refunded"
CANCELLED = "cancelled"
# The mark of a deletion whose order ingest held no snapshot of: it deletes only an order of
# which no snapshot is known either (as in the enricher's caches).
NEVER = datetime(1970, 1, 1, tzinfo=UTC)

Handler = Literal["bot", "human"]
Amount = int | Decimal
OrderFact = tuple[datetime, str, Amount]  # (moment, bucket field, amount)
_HANDLER_RANK: dict[Handler | None, int] = {None: 0, "bot": 1, "human": 2}


class CountedFact(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    field: str
    amount: str  # an int or a decimal, as text (exact)

    def as_fact(self) -> OrderFact:
        return (self.at, self.field, amount_of(self.field, self.amount))


def is_money(field: str) -> bool:
    """Revenue fields hold amounts (decimals); every other field counts (integers)."""
    return field.startswith("revenue.") and not field.endswith(".orders")


def amount_of(field: str, text: str) -> Amount:
    return Decimal(text) if is_money(field) else int(text)


class OrderRecord(BaseModel):
    """What the aggregator knows and counted of one order (`kpi_orders`, `_id` store:order)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")
    store_id: str
    order_id: int
    customer_hash: str | None = None  # of the newest snapshot's billing phone in E.164
    created_at: datetime | None = None
    newest_at: datetime | None = None  # modified time of the newest snapshot seen
    status: str | None = None
    total: str | None = None
    currency: str | None = None
    paid_at: datetime | None = None  # earliest known payment
    refunded_at: datetime | None = None  # earliest snapshot seen refunded
    cancelled_at: datetime | None = None  # earliest snapshot seen cancelled
    deleted_through: datetime | None = None  # newest snapshot a deletion removed
    handler: Handler | None = None  # who handled the attributing conversation
    attributing_messages: list[datetime] = Field(default_factory=list)
    counted: list[CountedFact] = Field(default_factory=list)
    converts: list[str] = Field(default_factory=list)  # conversion claims this order supports

    @property
    def deleted(self) -> bool:
        if self.deleted_through is None:
            return False
        return self.newest_at is None or self.deleted_through >= self.newest_at

    @property
    def attributed_at(self) -> datetime | None:
        """The customer's last message before the order within the window."""
        return max(self.attributing_messages, default=None)

    @property
    def counts(self) -> bool:
        return self.newest_at is not None and not self.deleted

    def document(self) -> Document:
        return {
            **self.model_dump(mode="python", by_alias=True),
            "deleted": self.deleted,
            "attributed_at": self.attributed_at,
        }


def order_key(store_id: str, order_id: int) -> str:
    return f"{store_id}:{order_id}"


def _earliest(current: datetime | None, moment: datetime | None) -> datetime | None:
    return min(filter(None, [current, moment]), default=None)


def observe(record: OrderRecord | None, event: OrderChanged, customer: str | None) -> OrderRecord:
    """`record` with the snapshot `event` merged in; `customer` is the hash of its billing phone.

    Earliest times and the newest snapshot's fields do not depend on the order snapshots come
    in. A new customer on the newest snapshot (the billing phone was changed) drops the
    attribution, which is then made again from the new customer's conversation.
    """
    merged = (
        record.model_copy(deep=True)
        if record is not None
        else OrderRecord(
            id=order_key(event.store_id, event.order_id),
            store_id=event.store_id,
            order_id=event.order_id,
        )
    )
    if event.deleted:
        mark = event.modified_at or NEVER
        merged.deleted_through = max(filter(None, [merged.deleted_through, mark]))
        return merged
    at = event.modified_at or event.occurred_at
    if merged.newest_at is None or at > merged.newest_at:
        if customer != merged.customer_hash:
            merged.customer_hash = customer
            merged.handler = None
            merged.attributing_messages = []
        merged.newest_at = at
        merged.status, merged.total, merged.currency = event.status, event.total, event.currency
    merged.created_at = merged.created_at or event.created_at
    paid = event.status in PAID_STATUSES or event.paid_at is not None
    if paid:
        merged.paid_at = _earliest(merged.paid_at, event.paid_at or at)
    if event.status == REFUNDED:
        merged.refunded_at = _earliest(merged.refunded_at, at)
    if event.status == CANCELLED:
        merged.cancelled_at = _earliest(merged.cancelled_at, at)
    return merged


def attribute(record: OrderRecord, stamps: Iterable[Document], window: timedelta) -> None:
    """Merge in what the conversation's stamps (`facts.stamp`) say about the window before the
    order: its customer messages attribute it; a reply that handed over, or an agent's reply
    that went out, makes it the humans'. Only ever adds: messages seen stay (their stamps
    expire long before orders stop changing), and a human never becomes the bot again."""
    if record.created_at is None or record.customer_hash is None:
        return
    start, end = record.created_at - window, record.created_at
    inside = [s for s in stamps if start <= s["at"] <= end]
    messages = {s["at"] for s in inside if s["kind"] == "in"}
    if not messages and not record.attributing_messages:
        return
    record.attributing_messages = sorted(messages | set(record.attributing_messages))
    human = any(
        s["kind"] == "out" and (s.get("hand_over") or (s["author"] == "agent" and s["sent"]))
        for s in inside
    )
    found: Handler = "human" if human else "bot"
    if _HANDLER_RANK[found] > _HANDLER_RANK[record.handler]:
        record.handler = found


def order_facts(record: OrderRecord) -> list[OrderFact]:
    """What the order contributes to the buckets, each at its moment (docs/kpis.md):

    created (at its creation), paid with its total as revenue (at the payment), attributed to
    the bot or to a human (at the payment), refunded with its total (when first seen refunded),
    cancelled (when first seen cancelled). A deleted order contributes nothing.
    """
    if not record.counts:
        return []
    assert record.newest_at is not None  # `counts` checked it
    facts: list[OrderFact] = [(record.created_at or record.newest_at, "orders.created", 1)]
    currency = record.currency or "unknown"
    total = Decimal(record.total or "0")
    if record.paid_at is not None:
        paid = record.paid_at
        facts += [
            (paid, "orders.paid", 1),
            (paid, f"revenue.{currency}.paid", total),
            (paid, f"revenue.{currency}.orders", 1),
        ]
        if record.handler is not None:
            facts += [
                (paid, f"orders.attributed.{record.handler}", 1),
                (paid, f"revenue.{currency}.attributed_{record.handler}", total),
            ]
    if record.refunded_at is not None:
        facts += [
            (record.refunded_at, "orders.refunded", 1),
            (record.refunded_at, f"revenue.{currency}.refunded", total),
        ]
    if record.cancelled_at is not None:
        facts.append((record.cancelled_at, "orders.cancelled", 1))
    return facts


def counted_facts(facts: Iterable[OrderFact]) -> list[CountedFact]:
    return [CountedFact(at=at, field=field, amount=str(amount)) for at, field, amount in facts]


def difference(before: Sequence[OrderFact], after: Sequence[OrderFact]) -> list[OrderFact]:
    """`after` minus `before`, per (moment, field); zero differences left out."""
    change: dict[tuple[datetime, str], Amount] = defaultdict(int)
    for at, field, amount in after:
        change[(at, field)] += amount
    for at, field, amount in before:
        change[(at, field)] -= amount
    return [(at, field, amount) for (at, field), amount in change.items() if amount != 0]


@dataclass(frozen=True)
class Conversion:
    """A customer-hour (`hour` set) or customer-day (`day` set) that led to a paid order."""

    store_id: str
    customer_hash: str
    hour: datetime | None = None
    day: date | None = None

    @property
    def id(self) -> str:
        if self.hour is not None:
            return f"h|{bucket_id(self.store_id, self.hour)}|{self.customer_hash}"
        assert self.day is not None
        return f"d|{day_id(self.store_id, self.day)}|{self.customer_hash}"

    @property
    def at(self) -> datetime:
        return claim_moment(self.hour, self.day)


def claim_moment(hour: datetime | None, day: date | None) -> datetime:
    """A conversion claim's moment, which its expiry counts from: its hour, or its day's start."""
    if hour is not None:
        return hour
    assert day is not None
    return datetime.combine(day, time(), UTC)


# Time for a snapshot to reach the aggregator after its change (a late webhook, an outage).
LATE_DELIVERY = timedelta(days=7)


def settled(event: OrderChanged, retention: timedelta, window: timedelta) -> bool:
    """Whether the order's KPI figures are final when this snapshot was made.

    An order's record (`kpi_orders`) expires a retention after its creation, and the claims it
    converted earlier still (up to the attribution window before it): a change made later,
    less a week for late delivery, could find them gone and count the order again. It is
    decided from the snapshot alone, so live aggregation and a rebuild agree.
    """
    if event.created_at is None or event.modified_at is None:
        return False
    return event.modified_at - event.created_at > retention - window - LATE_DELIVERY


def conversions(record: OrderRecord, zone: tzinfo) -> dict[str, Conversion]:
    """The customer-hours and customer-days this order converts: those in which the customer
    wrote within the window before it, for a paid order that counts (by claim id)."""
    if not record.counts or record.paid_at is None or record.customer_hash is None:
        return {}
    found: dict[str, Conversion] = {}
    for moment in record.attributing_messages:
        for claim in (
            Conversion(record.store_id, record.customer_hash, hour=hour_start(moment)),
            Conversion(record.store_id, record.customer_hash, day=local_date(moment, zone)),
        ):
            found[claim.id] = claim
    return found


def replay(
    snapshots: Sequence[OrderChanged],
    stamps: Sequence[Document],
    country: str,
    window: timedelta,
    retention: timedelta,
) -> dict[str, OrderRecord]:
    """The records live aggregation reaches from these snapshots (in log order) and the stamps
    of the conversations (`facts.stamp`), counted nothing yet: what a rebuild starts from."""
    records: dict[str, OrderRecord] = {}
    conversation_of: dict[str, tuple[str, ...]] = {}
    for event in snapshots:
        if settled(event, retention, window):
            continue
        key = order_key(event.store_id, event.order_id)
        number = None if event.deleted else normalise(event.billing_phone, country)
        hashed = customer_hash(number) if number else None
        record = observe(records.get(key), event, hashed)
        records[key] = record
        if number and record.newest_at == event.modified_at and record.customer_hash == hashed:
            conversation_of[key] = phone_conversation_ids(event.store_id, number)
    by_conversation: dict[str, list[Document]] = defaultdict(list)
    for stamp in stamps:
        by_conversation[stamp["conversation_id"]].append(stamp)
    for key, conversations in conversation_of.items():
        attribute(records[key], [s for c in conversations for s in by_conversation[c]], window)
    return records
