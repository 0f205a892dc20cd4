"""The privacy collections and their indexes: the erasure ledger, the store deletion records."""

from pymongo import ASCENDING, IndexModel

from shared.mongo import Indexes, Retention

# One record per erasure: when, who asked, the customer's hash (HMAC, never the number) and
# counts only. Replays and rebuilds read it to leave an erased customer's earlier events out;
# it expires with the event journal, after which no earlier event is left to bring back.
CUSTOMER_ERASURES = "customer_erasures"
# One record per store deletion: when, who asked, what was done at WooCommerce and Twilio, and
# documents removed per collection. No personal data, so it never expires: it outlives the store.
STORE_DELETIONS = "store_deletions"


def indexes(retention: Retention) -> Indexes:
    return {
        CUSTOMER_ERASURES: [
            IndexModel([("store_id", ASCENDING), ("customer_hash", ASCENDING)]),
            IndexModel("erased_at", name="customer_erasure_retention", **retention.ttl),
        ],
        STORE_DELETIONS: [IndexModel([("store_id", ASCENDING), ("started_at", ASCENDING)])],
    }
