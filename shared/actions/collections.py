"""The order actions' collections: the proposals waiting for a customer's confirmation, and the
ledger of actions confirmed (claimed before WooCommerce is called, outcome recorded after)."""

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.mongo import Indexes, Retention

ACTION_PROPOSALS = "order_action_proposals"  # `_id` = conversation: one open proposal at most
ORDER_ACTIONS = "order_actions"  # the ledger: `_id` = store|conversation|order|action|proposal


def indexes(retention: Retention) -> Indexes:
    return {
        ACTION_PROPOSALS: [
            IndexModel("created_at", name="order_action_proposal_retention", **retention.ttl),
        ],
        ORDER_ACTIONS: [
            IndexModel([("store_id", ASCENDING), ("created_at", DESCENDING)]),  # the audit
            IndexModel("conversation_id"),
            IndexModel("created_at", name="order_action_retention", **retention.ttl),
        ],
    }
