"""The conversations' collections and their indexes: whatever names a customer expires with the
message retention."""

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.mongo import Indexes, Retention

MESSAGES = "messages"
CONVERSATIONS = "conversations"
CONVERSATION_EVENTS = "conversation_events"  # the enricher's outbox of conversation facts
CSAT_SURVEYS = "csat_surveys"  # one per session: its send and rating
# statuses come before their message id was recorded (services/responder/early_statuses.py)
EARLY_DELIVERY_STATUSES = "early_delivery_statuses"
EARLY_STATUS_SECONDS = 24 * 3600  # long enough for a send recovery after an outage


def indexes(retention: Retention) -> Indexes:
    return {
        MESSAGES: [
            IndexModel([("conversation_id", ASCENDING), ("created_at", ASCENDING)]),
            IndexModel("twilio_sid", sparse=True),
            # order notifications only: a late snapshot's check, the release of held ones
            IndexModel("order_id", sparse=True),
            IndexModel("not_before", sparse=True),
            IndexModel("created_at", name="message_retention", **retention.ttl),
        ],
        CONVERSATIONS: [
            IndexModel([("store_id", ASCENDING), ("last_activity_at", DESCENDING)]),
            # the inbox's channel filter
            IndexModel(
                [("store_id", ASCENDING), ("channel", ASCENDING), ("last_activity_at", DESCENDING)]
            ),
            IndexModel("last_activity_at", name="conversation_retention", **retention.ttl),
            IndexModel([("status", ASCENDING), ("last_activity_at", ASCENDING)]),
            # the console's other conversations of a WooCommerce customer
            IndexModel([("store_id", ASCENDING), ("customer.id", ASCENDING)]),
        ],
        CONVERSATION_EVENTS: [
            IndexModel([("published", ASCENDING), ("recorded_at", ASCENDING)]),
            IndexModel("conversation_id"),
            IndexModel("recorded_at", name="conversation_event_retention", **retention.ttl),
        ],
        CSAT_SURVEYS: [  # they hold the customer's number
            IndexModel([("conversation_id", ASCENDING), ("sent_at", DESCENDING)]),
            IndexModel("twilio_sid", sparse=True),  # the SIDs a send recovery may not claim
            IndexModel("thanks_sid", sparse=True),
            IndexModel("created_at", name="csat_survey_retention", **retention.ttl),
        ],
        EARLY_DELIVERY_STATUSES: [
            IndexModel("received_at", expireAfterSeconds=EARLY_STATUS_SECONDS),
        ],
    }
