"""The WooCommerce collections and their indexes: snapshots, caches, sync checkpoints."""

from pymongo import ASCENDING, IndexModel

from shared.mongo import Indexes, Retention

WOOCOMMERCE_SNAPSHOTS = "woocommerce_snapshots"  # ingest: newest modified time per resource
WOOCOMMERCE_ORDERS = "woocommerce_orders"  # the enricher's caches, keyed "store:woocommerce id"
WOOCOMMERCE_CUSTOMERS = "woocommerce_customers"
WOOCOMMERCE_PRODUCTS = "woocommerce_products"
WOOCOMMERCE_SYNC = "woocommerce_sync"  # REST sync checkpoints, "store:resource"


def indexes(retention: Retention) -> Indexes:
    return {
        WOOCOMMERCE_ORDERS: [
            IndexModel([("store_id", ASCENDING), ("customer_id", ASCENDING)]),
            IndexModel([("store_id", ASCENDING), ("billing_e164", ASCENDING)]),
            IndexModel([("store_id", ASCENDING), ("number", ASCENDING)]),
            # Orders older than the window go (the order's creation at WooCommerce).
            IndexModel("created_at", name="woocommerce_order_retention", **retention.ttl),
        ],
        WOOCOMMERCE_CUSTOMERS: [
            IndexModel([("store_id", ASCENDING), ("billing_phone", ASCENDING)]),
            IndexModel([("store_id", ASCENDING), ("billing_e164", ASCENDING)]),
            IndexModel([("store_id", ASCENDING), ("email_lower", ASCENDING)]),
            # Only tombstones have `deleted_at`: a live customer stays while the store has them.
            # A deleted customer's personal fields go at once; the tombstone (ids and times) stops
            # an older snapshot, replayed from the journal or a topic, from bringing them back,
            # so it lasts as long as those keep snapshots.
            IndexModel("deleted_at", name="woocommerce_customer_tombstone", **retention.ttl),
        ],
    }
