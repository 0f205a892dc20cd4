"""The WooCommerce collections and their indexes: snapshots, caches, sync checkpoints."""

from pymongo import ASCENDING, IndexModel

from shared.mongo import Indexes, Retention

WOOCOMMERCE_SNAPSHOTS = "woocommerce_snapshots"  # ingest: newest modified time per resource
WOOCOMMERCE_ORDERS = "woocommerce_orders"  # the enricher's caches, keyed "store:woocommerce id"
WOOCOMMERCE_CUSTOMERS = "woocommerce_customers"
WOOCOMMERCE_PRODUCTS = "woocommerce_products"
WOOCOMMERCE_SYNC = "woocommerce_sync"  # REST sync checkpoints, "store:resource"
# A customer deleted at WooCommerce loses its personal fields at once; the bare tombstone (ids
# and times, which stop a late older snapshot from bringing the customer back) goes a day later.
CUSTOMER_TOMBSTONE_SECONDS = 24 * 3600


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
            # Only tombstones have `deleted_at`: a live customer stays while the store has them.
            IndexModel(
                "deleted_at",
                name="woocommerce_customer_tombstone",
                expireAfterSeconds=CUSTOMER_TOMBSTONE_SECONDS,
            ),
        ],
    }
