"""The broadcast collections and their indexes.

`broadcasts` holds what an owner set (template, segment, schedule) and where the sending is;
`broadcast_recipients` one row per broadcast and customer, made once when the sending starts,
so progress and a resumed sweep read the same list. `broadcast_settings` holds a store's
sending limits."""

from pymongo import ASCENDING, IndexModel

from shared.mongo import Indexes, Retention

BROADCASTS = "broadcasts"
BROADCAST_RECIPIENTS = "broadcast_recipients"  # `_id` "<broadcast id>:<phone>": one per customer
BROADCAST_SETTINGS = "broadcast_settings"  # `_id` the store id


def indexes(retention: Retention) -> Indexes:
    return {
        BROADCASTS: [
            IndexModel([("store_id", ASCENDING), ("created_at", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("scheduled_at", ASCENDING)]),
        ],
        BROADCAST_RECIPIENTS: [
            IndexModel([("broadcast_id", ASCENDING), ("state", ASCENDING)]),
            IndexModel("conversation_id"),  # how erasure finds the customer
            # A recipient row is personal data (the number): it goes with the retention.
            IndexModel("created_at", name="broadcast_recipient_retention", **retention.ttl),
        ],
    }
