"""The dashboard's figures for a store and a range of local dates, read from the KPI buckets.

Everything is computed as docs/kpis.md defines it: sums of the `kpi_daily` buckets of the range
(the store's local dates), rates as ratios of sums, first-response percentiles from the summed
histograms (`keys.percentile`), the volume chart per local hour (one local day: the UTC hour
buckets of that day) or per local date. Labels (intents, sentiments) come from the labelled
customer messages of the range, the split of first responses by who answered from the fact
table's closed sessions. Nothing is estimated: a figure without data is None.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from bson import Decimal128
from pydantic import BaseModel, Field

from shared.channels import Channel
from shared.conversations import csat
from shared.events import ConversationOutcome, HandOverReason, NotificationSource
from shared.kpis.collections import CONVERSATION_FACTS, KPI_DAILY, KPI_HOURLY
from shared.kpis.keys import FIRST_RESPONSE_BOUNDS, OVERFLOW, percentile
from shared.kpis.repository import label_counts_between
from shared.kpis.zones import zone_named
from shared.mongo import Database, Document
from shared.stores.directory import Store

RangeName = Literal["today", "7d", "30d", "custom"]
MAX_DAYS = 366
TOP_INTENTS = 8
HISTOGRAM_SLOTS = [*(f"{bound:g}" for bound in FIRST_RESPONSE_BOUNDS), OVERFLOW]


class BadRange(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    name: RangeName
    first: date
    last: date  # included

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def hourly(self) -> bool:
        return self.first == self.last


def resolve_period(
    name: str, today: date, first: date | None = None, last: date | None = None
) -> Period:
    """today, 7d, 30d (ending today, local), or custom first..last; BadRange otherwise."""
    if name == "today":
        return Period("today", today, today)
    if name == "7d":
        return Period("7d", today - timedelta(days=6), today)
    if name == "30d":
        return Period("30d", today - timedelta(days=29), today)
    if name != "custom" or first is None or last is None:
        raise BadRange(f"unknown range {name!r}")
    if last < first:
        raise BadRange("the end date is before the start date")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadRange(f"at most {MAX_DAYS} days")
    return Period("custom", first, last)


class Revenue(BaseModel):
    currency: str
    paid: Decimal
    refunded: Decimal
    net: Decimal
    orders: int
    average_order_value: Decimal | None
    attributed_bot: Decimal
    attributed_human: Decimal


class Percentiles(BaseModel):
    p50: float | None
    p90: float | None
    count: int


class Series(BaseModel):
    labels: list[str]
    inbound: list[float]
    bot: list[float]
    agent: list[float]
    orders_paid: list[float]


class ChannelFigures(BaseModel):
    """The counts split by channel (`by_channel.<channel>` of the buckets, docs/kpis.md)."""

    channel: Channel
    inbound: int
    outbound_bot: int
    outbound_agent: int
    hand_overs: int
    closed: int


class NotificationFigures(BaseModel):
    """The figures of the messages Balas wrote first, of one source (`notifications.<source>`
    of the buckets, counted in the send's day: docs/kpis.md#notifications)."""

    source: NotificationSource
    sent: int
    not_sent: int
    delivered: int
    read: int
    replied: int
    opted_out: int
    orders: int  # placed within NOTIFICATION_ATTRIBUTION_DAYS after, credited to it
    revenue: Decimal  # their paid totals in the store's currency


class Dashboard(BaseModel):
    store_id: str
    timezone: str
    currency: str
    first: date
    last: date
    granularity: Literal["hour", "day"]
    inbound: int
    customers: int  # customer-days: each customer once per local day
    outbound_bot: int
    outbound_agent: int
    replies_not_sent: int
    first_response: Percentiles  # every first response in the buckets
    first_response_by: dict[str, Percentiles]  # closed sessions: "bot" / "agent"
    human_first_response: Percentiles  # from the hand-over to the first agent reply
    human_response: Percentiles  # every agent reply, from the message it answers
    histogram: dict[str, int]
    average_reply_seconds: float | None
    closed: int
    outcomes: dict[str, int]
    reopened: int
    confirmed: int  # bot resolutions the customer confirmed (docs/kpis.md, Outcomes)
    bot_resolution_rate: float | None
    hand_overs: dict[str, int]
    hand_over_rate: float | None  # hand-over replies / closed sessions (docs/kpis.md)
    delivery_failed: int
    delivery_read: int
    orders_created: int
    orders_paid: int
    orders_refunded: int
    orders_cancelled: int
    orders_attributed_bot: int
    orders_attributed_human: int
    revenue: list[Revenue]  # the store's currency first
    conversions: int
    conversion_rate: float | None
    intents: list[tuple[str, int]]
    sentiments: dict[str, int]
    csat_ratings: int  # 1-5 ratings given after a close (csat.ratings)
    csat_rate: float | None  # satisfied ratings (csat.SATISFIED: 4-5) / ratings
    csat_average: float | None
    series: Series
    by_channel: list[ChannelFigures] = Field(default_factory=list)  # channels with counts
    notifications: list[NotificationFigures] = Field(default_factory=list)  # sources with any

    def notified(self, figure: str) -> int:
        """A notification count over every source."""
        return sum(int(getattr(found, figure)) for found in self.notifications)

    @property
    def notified_revenue(self) -> Decimal:
        return sum((found.revenue for found in self.notifications), Decimal(0))


def local_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start of `first` and of the day after `last`, in the store's timezone."""
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


async def load_dashboard(db: Database, store: Store, period: Period) -> Dashboard:
    zone = zone_named(store.timezone)
    days = await (
        db[KPI_DAILY]
        .find({"store_id": store.id, "date": {"$gte": f"{period.first}", "$lte": f"{period.last}"}})
        .to_list()
    )
    totals = summed(days)
    start, end = local_bounds(period.first, period.last, zone)
    if period.hourly:
        hours = await (
            db[KPI_HOURLY]
            .find({"store_id": store.id, "hour": {"$gte": start, "$lt": end}})
            .to_list()
        )
        series = hourly_series(hours, start, zone)
    else:
        series = daily_series(days, period)
    histogram = {
        slot: int(totals.get(f"first_response.histogram.{slot}", 0)) for slot in HISTOGRAM_SLOTS
    }
    outcomes = {
        o.value: int(totals.get(f"conversations.closed.{o.value}", 0)) for o in ConversationOutcome
    }
    closed = sum(outcomes.values())
    hand_overs = {r.value: int(totals.get(f"hand_overs.{r.value}", 0)) for r in HandOverReason}
    customers = int(totals.get("unique_customers", 0))
    conversions = int(totals.get("conversion.customers", 0))
    replies = totals.get("response_time.count", 0)
    intents, sentiments = await label_counts(db, store.id, start, end)
    ratings = int(totals.get("csat.ratings", 0))
    satisfied = sum(int(totals.get(f"csat.histogram.{score}", 0)) for score in csat.SATISFIED)
    return Dashboard(
        store_id=store.id,
        timezone=zone.key,
        currency=store.currency,
        first=period.first,
        last=period.last,
        granularity="hour" if period.hourly else "day",
        inbound=int(totals.get("inbound_messages", 0)),
        customers=customers,
        outbound_bot=int(totals.get("outbound_messages.bot", 0)),
        outbound_agent=int(totals.get("outbound_messages.agent", 0)),
        replies_not_sent=int(totals.get("replies_not_sent", 0)),
        first_response=Percentiles(
            p50=percentile(histogram, 0.5),
            p90=percentile(histogram, 0.9),
            count=sum(histogram.values()),
        ),
        first_response_by=await first_responses_by_responder(db, store.id, start, end),
        human_first_response=histogram_percentiles(totals, "human_first_response"),
        human_response=histogram_percentiles(totals, "human_response_time"),
        histogram=histogram,
        average_reply_seconds=float(totals["response_time.sum_seconds"]) / float(replies)
        if replies
        else None,
        closed=closed,
        outcomes=outcomes,
        reopened=int(totals.get("conversations.reopened", 0)),
        confirmed=int(totals.get("conversations.confirmed_by_customer", 0)),
        bot_resolution_rate=outcomes[ConversationOutcome.RESOLVED_BY_BOT.value] / closed
        if closed
        else None,
        hand_overs=hand_overs,
        hand_over_rate=sum(hand_overs.values()) / closed if closed else None,
        delivery_failed=int(totals.get("delivery.failed", 0)),
        delivery_read=int(totals.get("delivery.read", 0)),
        orders_created=int(totals.get("orders.created", 0)),
        orders_paid=int(totals.get("orders.paid", 0)),
        orders_refunded=int(totals.get("orders.refunded", 0)),
        orders_cancelled=int(totals.get("orders.cancelled", 0)),
        orders_attributed_bot=int(totals.get("orders.attributed.bot", 0)),
        orders_attributed_human=int(totals.get("orders.attributed.human", 0)),
        revenue=revenues(totals, store.currency),
        conversions=conversions,
        conversion_rate=conversions / customers if customers else None,
        intents=intents,
        sentiments=sentiments,
        csat_ratings=ratings,
        csat_rate=(satisfied / ratings) if ratings else None,
        csat_average=float(totals.get("csat.sum", 0)) / ratings if ratings else None,
        series=series,
        by_channel=channel_figures(totals),
        notifications=notification_figures(totals, store.currency),
    )


def notification_figures(
    totals: Mapping[str, float | Decimal], currency: str
) -> list[NotificationFigures]:
    """Each source with a notification in `totals`, in the order of `NotificationSource`."""
    found = []
    for source in NotificationSource:
        prefix = f"notifications.{source.value}."
        figures = {
            name: int(totals.get(prefix + name, 0))
            for name in ("sent", "not_sent", "delivered", "read", "replied", "opted_out", "orders")
        }
        revenue = Decimal(totals.get(f"{prefix}revenue.{currency}", 0))
        if figures["sent"] or figures["not_sent"]:
            found.append(NotificationFigures(source=source, revenue=revenue, **figures))
    return found


def channel_figures(totals: Mapping[str, float | Decimal]) -> list[ChannelFigures]:
    """Each channel with a count in `totals`, in the order of `Channel`."""
    found = []
    for channel in Channel:
        prefix = f"by_channel.{channel.value}."
        split = {
            path.removeprefix(prefix): n for path, n in totals.items() if path.startswith(prefix)
        }
        if not split:
            continue

        def count(name: str, split: Mapping[str, float | Decimal] = split) -> int:
            return int(sum(n for path, n in split.items() if f"{path}.".startswith(f"{name}.")))

        found.append(
            ChannelFigures(
                channel=channel,
                inbound=count("inbound_messages"),
                outbound_bot=count("outbound_messages.bot"),
                outbound_agent=count("outbound_messages.agent"),
                hand_overs=count("hand_overs"),
                closed=count("conversations.closed"),
            )
        )
    return found


def summed(documents: Iterable[Document]) -> dict[str, float | Decimal]:
    """The buckets' numeric fields added up by dotted path; money (Decimal128) stays exact."""
    totals: dict[str, float | Decimal] = {}
    for document in documents:
        for path, value in _leaves(document):
            if isinstance(value, Decimal128):
                totals[path] = Decimal(totals.get(path, 0)) + value.to_decimal()
            elif isinstance(value, int | float) and not isinstance(value, bool):
                totals[path] = totals.get(path, 0) + value  # type: ignore[operator]
    return totals


def _leaves(document: Mapping[str, object], prefix: str = "") -> Iterable[tuple[str, object]]:
    for key, value in document.items():
        if key in ("_id", "store_id", "hour", "date", "timezone"):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, f"{path}.")
        else:
            yield path, value


def revenues(totals: Mapping[str, float | Decimal], store_currency: str) -> list[Revenue]:
    currencies = {path.split(".")[1] for path in totals if path.startswith("revenue.")}
    found: list[Revenue] = []
    for currency in sorted(currencies, key=lambda c: (c != store_currency, c)):

        def amount(name: str, currency: str = currency) -> Decimal:
            return Decimal(totals.get(f"revenue.{currency}.{name}", 0))

        orders = int(totals.get(f"revenue.{currency}.orders", 0))
        paid = amount("paid")
        found.append(
            Revenue(
                currency=currency,
                paid=paid,
                refunded=amount("refunded"),
                net=paid - amount("refunded"),
                orders=orders,
                average_order_value=paid / orders if orders else None,
                attributed_bot=amount("attributed_bot"),
                attributed_human=amount("attributed_human"),
            )
        )
    return found


def hourly_series(hours: Iterable[Document], start: datetime, zone: ZoneInfo) -> Series:
    """24 local hours of one day (23 or 25 where clocks change) from the UTC hour buckets."""
    by_hour = {document["hour"].replace(tzinfo=UTC): document for document in hours}
    end = (start.astimezone(zone) + timedelta(days=1)).replace(hour=0).astimezone(UTC)
    slots: list[datetime] = []
    moment = start
    while moment < end:
        slots.append(moment)
        moment += timedelta(hours=1)
    return _series(
        [f"{slot.astimezone(zone):%H:%M}" for slot in slots], [by_hour.get(s) for s in slots]
    )


def daily_series(days: Iterable[Document], period: Period) -> Series:
    by_day = {document["date"]: document for document in days}
    dates = [f"{period.first + timedelta(days=n)}" for n in range(period.days)]
    return _series(dates, [by_day.get(day) for day in dates])


def _series(labels: list[str], documents: list[Document | None]) -> Series:
    def values(*path: str) -> list[float]:
        found = []
        for document in documents:
            value: object = document or {}
            for part in path:
                value = value.get(part, 0) if isinstance(value, Mapping) else 0
            found.append(float(value) if isinstance(value, int | float) else 0.0)
        return found

    return Series(
        labels=labels,
        inbound=values("inbound_messages"),
        bot=values("outbound_messages", "bot"),
        agent=values("outbound_messages", "agent"),
        orders_paid=values("orders", "paid"),
    )


async def label_counts(
    db: Database, store_id: str, start: datetime, end: datetime
) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """The top intents and the sentiment mix of the range's labelled customer messages."""
    counts = await label_counts_between(db, store_id, start, end)
    return Counter(counts.intents).most_common(TOP_INTENTS), dict(counts.sentiments)


def histogram_percentiles(totals: Mapping[str, float | Decimal], prefix: str) -> Percentiles:
    """p50 and p90 of a bucket histogram (`<prefix>.histogram.<slot>`) summed over the range."""
    histogram = {slot: int(totals.get(f"{prefix}.histogram.{slot}", 0)) for slot in HISTOGRAM_SLOTS}
    return Percentiles(
        p50=percentile(histogram, 0.5),
        p90=percentile(histogram, 0.9),
        count=sum(histogram.values()),
    )


async def first_responses_by_responder(
    db: Database, store_id: str, start: datetime, end: datetime
) -> dict[str, Percentiles]:
    """Per closed session of the range, its first response by who gave it (the fact table):
    the bot and people apart, never mixed (docs/kpis.md, Response times)."""
    rows = db[CONVERSATION_FACTS].find(
        {
            "store_id": store_id,
            "closed_at": {"$gte": start, "$lt": end},
            "first_response_seconds": {"$ne": None},
        },
        {"first_response_seconds": 1, "first_responder": 1},
    )
    seconds: dict[str, list[float]] = {"bot": [], "agent": []}
    async for row in rows:
        responder = row.get("first_responder")
        if responder in seconds:
            seconds[responder].append(float(row["first_response_seconds"]))
    return {
        responder: Percentiles(
            p50=exact_percentile(values, 0.5), p90=exact_percentile(values, 0.9), count=len(values)
        )
        for responder, values in seconds.items()
    }


def exact_percentile(values: list[float], quantile: float) -> float | None:
    """Linear interpolation between the closest ranks; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = quantile * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
