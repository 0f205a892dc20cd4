"""The KPI collections and their indexes: buckets, per-customer claims, fact rows, order and
notification records."""

from pymongo import ASCENDING, IndexModel

from shared.mongo import Indexes, Retention

KPI_HOURLY = "kpi_hourly"
KPI_CUSTOMER_HOURS = "kpi_customer_hours"
KPI_DAILY = "kpi_daily"
KPI_CUSTOMER_DAYS = "kpi_customer_days"
KPI_CUSTOMERS = "kpi_customers"  # per store and customer hash: first and last message
CONVERSATION_FACTS = "conversation_facts"  # one row per closed conversation session
CONVERSATION_FACT_EVENTS = "conversation_fact_events"  # the facts the rows are derived from
KPI_ORDERS = "kpi_orders"  # per order: what the aggregator counted of it (no phone number)
KPI_CONVERSIONS = "kpi_conversions"  # converted customer-hours and -days, with their orders
KPI_NOTIFICATIONS = "kpi_notifications"  # per notification: what happened after it (no number)


def indexes(retention: Retention) -> Indexes:
    return {
        KPI_HOURLY: [IndexModel([("store_id", ASCENDING), ("hour", ASCENDING)])],
        KPI_CUSTOMER_HOURS: [IndexModel("claimed_at", **retention.ttl)],
        KPI_DAILY: [IndexModel([("store_id", ASCENDING), ("date", ASCENDING)])],
        KPI_CUSTOMER_DAYS: [IndexModel("claimed_at", **retention.ttl)],
        CONVERSATION_FACTS: [  # rows name the customer's number: they expire like messages
            IndexModel([("store_id", ASCENDING), ("closed_at", ASCENDING)]),
            IndexModel("conversation_id"),
            IndexModel([("store_id", ASCENDING), ("customer_hash", ASCENDING)]),
            IndexModel("closed_at", name="conversation_fact_retention", **retention.ttl),
        ],
        CONVERSATION_FACT_EVENTS: [
            IndexModel([("conversation_id", ASCENDING), ("at", ASCENDING)]),
            IndexModel("recorded_at", name="conversation_fact_event_retention", **retention.ttl),
        ],
        # The per-person rows expire like the claims; the buckets above keep their counts.
        KPI_CUSTOMERS: [IndexModel("last_at", name="kpi_customer_retention", **retention.ttl)],
        KPI_ORDERS: [
            IndexModel([("customer_hash", ASCENDING), ("created_at", ASCENDING)]),
            IndexModel("created_at", name="kpi_order_retention", **retention.ttl),
        ],
        KPI_CONVERSIONS: [IndexModel("at", name="kpi_conversion_retention", **retention.ttl)],
        KPI_NOTIFICATIONS: [
            IndexModel("sid", sparse=True),
            IndexModel([("customer_hash", ASCENDING), ("sent_at", ASCENDING)]),
            # the notifications an order is credited to: every batch with order snapshots
            # looks them up (without it, a scan of all notifications)
            IndexModel("orders.key", sparse=True),
            IndexModel("sent_at", name="kpi_notification_retention", **retention.ttl),
        ],
    }
