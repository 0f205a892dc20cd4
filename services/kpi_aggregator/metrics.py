"""The KPI figures as Prometheus metrics, labelled by store, and the main counts by channel too
(bounded sets: the stores, `Channel`)."""

from collections.abc import Iterable

from prometheus_client import Counter, Histogram

from services.kpi_aggregator.buckets import CustomerHour, human_first_response_seconds
from services.kpi_aggregator.orders import Amount, OrderFact
from shared.events import (
    ConversationClosed,
    ConversationReopened,
    CsatRecorded,
    CsatSurveySent,
    DeliveryStatusChanged,
    Event,
    MessageReceived,
    ReplySent,
)
from shared.identity import channel_of
from shared.kpis.keys import FIRST_RESPONSE_BOUNDS

INBOUND = Counter(
    "balas_kpi_inbound_messages_total", "Customer messages, by channel.", ["store", "channel"]
)
OUTBOUND = Counter(
    "balas_kpi_outbound_messages_total",
    "Replies sent, by author and channel.",
    ["store", "author", "channel"],
)
NOT_SENT = Counter("balas_kpi_replies_not_sent_total", "Replies that could not go out.", ["store"])
CUSTOMER_HOURS = Counter(
    "balas_kpi_customer_hours_total", "Distinct customers per hour, summed.", ["store"]
)
FIRST_RESPONSE = Histogram(
    "balas_kpi_first_response_seconds",
    "First-response time of conversations.",
    ["store"],
    buckets=FIRST_RESPONSE_BOUNDS,
)
HUMAN_FIRST_RESPONSE = Histogram(
    "balas_kpi_human_first_response_seconds",
    "From a hand-over (or take-over) to the first agent reply that went out.",
    ["store"],
    buckets=FIRST_RESPONSE_BOUNDS,
)
DELIVERY_FAILURES = Counter(
    "balas_kpi_delivery_failures_total", "Messages Twilio could not deliver.", ["store"]
)
HAND_OVERS = Counter(
    "balas_kpi_hand_overs_total",
    "Conversations handed to a human, by reason and channel.",
    ["store", "reason", "channel"],
)

CONVERSATIONS_CLOSED = Counter(
    "balas_kpi_conversations_closed_total",
    "Conversation sessions closed, by outcome (four values) and channel.",
    ["store", "outcome", "channel"],
)
BOT_RESOLUTIONS_REOPENED = Counter(
    "balas_kpi_conversations_reopened_total",
    "Bot resolutions the customer reopened within the reopen window.",
    ["store"],
)
SESSIONS_NEW_OR_RETURNING = Counter(
    "balas_kpi_sessions_total",
    "Closed conversation sessions, new (the customer's first) or returning.",
    ["store", "kind"],
)
CSAT_ASKED = Counter("balas_kpi_csat_asked_total", "CSAT surveys that went out.", ["store"])
CSAT_RATINGS = Counter(
    "balas_kpi_csat_ratings_total", "CSAT ratings received, by score (1 to 5).", ["store", "score"]
)

ORDERS = Counter(
    "balas_kpi_orders_total",
    "Orders created, paid, refunded or cancelled (WooCommerce), each once.",
    ["store", "state"],
)
REVENUE = Counter(
    "balas_kpi_revenue_total",
    "Paid orders' totals, by currency (refunds not subtracted).",
    ["store", "currency"],
)
_ORDER_STATES = {"orders.created", "orders.paid", "orders.refunded", "orders.cancelled"}


def export_orders(changes: Iterable[tuple[str, OrderFact]]) -> None:
    """The net change of each figure (a payment time corrected by an older snapshot moves the
    order between buckets and nets to zero here); counters only grow, so a net fall (a deleted
    order) is left to the buckets."""
    net: dict[tuple[str, str], Amount] = {}
    for store_id, (_, name, amount) in changes:
        net[(store_id, name)] = net.get((store_id, name), 0) + amount
    for (store_id, name), amount in net.items():
        if amount <= 0:
            continue
        if name in _ORDER_STATES:
            ORDERS.labels(store_id, name.removeprefix("orders.")).inc(float(amount))
        elif name.startswith("revenue.") and name.endswith(".paid"):
            REVENUE.labels(store_id, name.split(".")[1]).inc(float(amount))


NOTIFICATIONS = Counter(
    "balas_kpi_notifications_total",
    "Messages Balas wrote first, by source and figure (sent, not_sent, delivered, read, "
    "replied, opted_out, orders), counted when the aggregator learns them.",
    ["store", "source", "figure"],
)


def export_notifications(changes: Iterable[tuple[str, str, Amount]]) -> None:
    """The notification counts a batch added (attributed revenue stays in the buckets; an
    order credited to a later notification moves, and counters only grow)."""
    for store_id, name, amount in changes:
        _, source, figure = name.split(".", 2)
        if amount > 0 and not figure.startswith("revenue."):
            NOTIFICATIONS.labels(store_id, source, figure).inc(float(amount))


def export(fresh: Iterable[Event], new_customer_hours: Iterable[CustomerHour]) -> None:
    """Count events that were new to the aggregator (never a redelivered one)."""
    for customer in new_customer_hours:
        CUSTOMER_HOURS.labels(customer.store_id).inc()
    for event in fresh:
        if isinstance(event, MessageReceived):
            INBOUND.labels(event.store_id, event.channel.value).inc()
        elif isinstance(event, ReplySent):
            if event.hand_over:
                HAND_OVERS.labels(event.store_id, event.hand_over.value, event.channel.value).inc()
            if not event.sent:
                NOT_SENT.labels(event.store_id).inc()
                continue
            OUTBOUND.labels(event.store_id, event.author.value, event.channel.value).inc()
            if event.first_response:
                FIRST_RESPONSE.labels(event.store_id).observe(event.response_seconds)
            if event.handed_over_at is not None:
                HUMAN_FIRST_RESPONSE.labels(event.store_id).observe(
                    human_first_response_seconds(event, event.handed_over_at)
                )
        elif isinstance(event, DeliveryStatusChanged) and event.status.is_failure:
            DELIVERY_FAILURES.labels(event.store_id).inc()
        elif isinstance(event, ConversationClosed):
            channel = channel_of(event.conversation_id).value
            CONVERSATIONS_CLOSED.labels(event.store_id, event.outcome.value, channel).inc()
            if event.first_session is not None:
                kind = "new" if event.first_session else "returning"
                SESSIONS_NEW_OR_RETURNING.labels(event.store_id, kind).inc()
        elif isinstance(event, CsatSurveySent) and event.sent:
            CSAT_ASKED.labels(event.store_id).inc()
        elif isinstance(event, CsatRecorded):
            CSAT_RATINGS.labels(event.store_id, str(event.rating)).inc()
        elif isinstance(event, ConversationReopened):
            BOT_RESOLUTIONS_REOPENED.labels(event.store_id).inc()
