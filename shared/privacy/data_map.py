"""The personal-data map: every MongoDB collection and Kafka topic, what personal data it holds,
how one customer's documents are found in it, when they expire and how they are erased, and how
a store's documents are found in it when the store is deleted.

docs/privacy.md mirrors this registry; tests/integration/test_privacy_map.py compares it with
the real indexes and the event models, so the map cannot fall behind the code. Erasure
(erasure.py), export (export.py) and a store's deletion (store_deletion.py) are driven by it.
"""

from dataclasses import dataclass
from enum import StrEnum

from shared import journal, leases, mongo, topics
from shared.actions.collections import ACTION_PROPOSALS, ORDER_ACTIONS
from shared.broadcasts.collections import BROADCAST_RECIPIENTS, BROADCAST_SETTINGS, BROADCASTS
from shared.consent.collections import CONSENT_EVENTS
from shared.conversations.collections import (
    CONVERSATION_EVENTS,
    CONVERSATIONS,
    CSAT_SURVEYS,
    EARLY_DELIVERY_STATUSES,
    MESSAGES,
)
from shared.knowledge.collections import (
    KNOWLEDGE_CHUNKS,
    KNOWLEDGE_DOCUMENTS,
    KNOWLEDGE_FILES,
    KNOWLEDGE_GAPS,
    KNOWLEDGE_REVISIONS,
)
from shared.kpis.collections import (
    CONVERSATION_FACT_EVENTS,
    CONVERSATION_FACTS,
    KPI_CONVERSIONS,
    KPI_CUSTOMER_DAYS,
    KPI_CUSTOMER_HOURS,
    KPI_CUSTOMERS,
    KPI_DAILY,
    KPI_HOURLY,
    KPI_NOTIFICATIONS,
    KPI_ORDERS,
)
from shared.notifications.orders import ORDER_NOTIFICATION_SETTINGS
from shared.privacy.collections import CUSTOMER_ERASURES, STORE_DELETIONS
from shared.privacy.store_map import StoreFinder
from shared.stores.collections import BOT_SETTINGS, BOT_SETTINGS_HISTORY, STORES
from shared.woocommerce.collections import (
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_PRODUCTS,
    WOOCOMMERCE_SNAPSHOTS,
    WOOCOMMERCE_SYNC,
)


class Personal(StrEnum):
    """The kinds of personal data Balas may hold about a customer."""

    PHONE = "phone"  # also inside conversation ids ("store:+62...")
    NAME = "name"
    EMAIL = "email"
    ADDRESS = "address"
    MESSAGE_TEXT = "message text"
    MEDIA = "media"  # links to the customer's attachments at Twilio
    OCR_TEXT = "OCR text"
    CUSTOMER_HASH = "customer hash"  # keyed HMAC of the phone: pseudonymous, still personal


class Finder(StrEnum):
    """Which key finds one customer's documents in a collection."""

    CONVERSATION_ID = "conversation_id"  # a `conversation_id` field
    ID_IS_CONVERSATION = "_id is the conversation id"
    EVENT_KEY = "Kafka key"  # stored events keyed by their conversation (journal, outbox)
    CUSTOMER_HASH = "customer_hash"  # a `customer_hash` field
    CLAIM_SUFFIX = "_id ends with |customer_hash"  # the KPI claim ledgers
    WOOCOMMERCE_CUSTOMER = "WooCommerce customer"  # billing phone, customer id or e-mail
    STAFF = "console user"  # a staff member's own data, not a customer's


class Erasure(StrEnum):
    DELETE = "delete"
    # Identifiers replaced by one random token per erasure (the number, the conversation id,
    # the customer hash, in `_id` too) and personal fields removed: counts stay right.
    PSEUDONYMISE = "pseudonymise"
    ACCOUNT_REMOVAL = "removed with the console account"


@dataclass(frozen=True)
class Holding:
    """A collection's place in the map. `expiry` is the field of its TTL index (None: never
    expires); personal data that a TTL within RETENTION_DAYS does not remove says in `kept`
    how long it stays and why. `store_finder` is required, so a collection cannot be added
    without saying what deleting a store removes from it."""

    collection: str
    purpose: str
    holds: frozenset[Personal]
    finder: Finder | None
    expiry: str | None
    erasure: Erasure | None
    store_finder: StoreFinder
    payload: str | None = None  # EVENT_KEY holdings: the field holding the serialised event
    kept: str = ""

    @property
    def personal(self) -> bool:
        return bool(self.holds)


def _personal(*kinds: Personal) -> frozenset[Personal]:
    return frozenset(kinds)


_CONVERSATION = _personal(Personal.PHONE, Personal.MESSAGE_TEXT)
_NONE: frozenset[Personal] = frozenset()
_TTL_EXPIRES_AT = "expires_at"


def _impersonal(
    collection: str, purpose: str, store_finder: StoreFinder, expiry: str | None = None
) -> Holding:
    """A collection without personal data: nothing of a customer's to find or erase."""
    return Holding(collection, purpose, _NONE, None, expiry, None, store_finder)


COLLECTIONS: tuple[Holding, ...] = (
    Holding(
        MESSAGES,
        "the conversation's messages, shown to agents and read by the answerer",
        _personal(Personal.PHONE, Personal.MESSAGE_TEXT, Personal.MEDIA, Personal.OCR_TEXT),
        Finder.CONVERSATION_ID,
        "created_at",
        Erasure.DELETE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        CONVERSATIONS,
        "the conversation card: status, summary, linked WooCommerce customer",
        _personal(Personal.PHONE, Personal.NAME, Personal.MESSAGE_TEXT),
        Finder.ID_IS_CONVERSATION,
        "last_activity_at",
        Erasure.DELETE,
        StoreFinder.ID_PREFIX,
    ),
    Holding(
        CONVERSATION_EVENTS,
        "the enricher's outbox of conversation events (full payloads), deleted once published",
        _CONVERSATION,
        Finder.CONVERSATION_ID,
        "recorded_at",
        Erasure.DELETE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        CSAT_SURVEYS,
        "satisfaction surveys sent and their ratings",
        _personal(Personal.PHONE),
        Finder.CONVERSATION_ID,
        "created_at",
        Erasure.DELETE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        ACTION_PROPOSALS,
        "an order action the bot proposed and awaits the customer's confirmation of "
        "(docs/actions.md)",
        _personal(Personal.PHONE, Personal.ADDRESS),
        Finder.ID_IS_CONVERSATION,
        "created_at",
        Erasure.DELETE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        ORDER_ACTIONS,
        "the ledger and audit of order actions confirmed by customers, with their outcome",
        _personal(Personal.PHONE, Personal.ADDRESS),
        Finder.CONVERSATION_ID,
        "created_at",
        Erasure.DELETE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        KNOWLEDGE_GAPS,
        "questions the bot could not ground, grouped for the store's admins",
        _CONVERSATION,
        Finder.CONVERSATION_ID,
        "created_at",
        Erasure.DELETE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        CONVERSATION_FACTS,
        "one KPI row per closed conversation session (no text)",
        _personal(Personal.PHONE, Personal.CUSTOMER_HASH),
        Finder.CONVERSATION_ID,
        "closed_at",
        Erasure.PSEUDONYMISE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        CONVERSATION_FACT_EVENTS,
        "the event stamps the fact rows are derived from (no text)",
        _personal(Personal.PHONE),
        Finder.CONVERSATION_ID,
        "recorded_at",
        Erasure.PSEUDONYMISE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        KPI_CUSTOMER_HOURS,
        "claims: each customer counts once per hour",
        _personal(Personal.CUSTOMER_HASH),
        Finder.CLAIM_SUFFIX,
        "claimed_at",
        Erasure.PSEUDONYMISE,
        StoreFinder.ID_PREFIX,
    ),
    Holding(
        KPI_CUSTOMER_DAYS,
        "claims: each customer counts once per day",
        _personal(Personal.CUSTOMER_HASH),
        Finder.CLAIM_SUFFIX,
        "claimed_at",
        Erasure.PSEUDONYMISE,
        StoreFinder.ID_PREFIX,
    ),
    Holding(
        KPI_CUSTOMERS,
        "each customer's first message: new versus returning customers",
        _personal(Personal.CUSTOMER_HASH),
        Finder.CLAIM_SUFFIX,
        "last_at",
        Erasure.PSEUDONYMISE,
        StoreFinder.ID_PREFIX,
    ),
    Holding(
        KPI_CONVERSIONS,
        "customer-hours and -days that led to a paid order",
        _personal(Personal.CUSTOMER_HASH),
        Finder.CLAIM_SUFFIX,
        "at",
        Erasure.PSEUDONYMISE,
        StoreFinder.ID_PREFIX,
    ),
    Holding(
        KPI_ORDERS,
        "what the aggregator counted of each order, with its buyer's hash",
        _personal(Personal.CUSTOMER_HASH),
        Finder.CUSTOMER_HASH,
        "created_at",
        Erasure.PSEUDONYMISE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        KPI_NOTIFICATIONS,
        "what happened after each message Balas wrote first (delivered, read, replied), with "
        "the customer's hash",
        _personal(Personal.CUSTOMER_HASH),
        Finder.CUSTOMER_HASH,
        "sent_at",
        Erasure.PSEUDONYMISE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        WOOCOMMERCE_CUSTOMERS,
        "the cached WooCommerce customer: linking a number to a customer, answering",
        _personal(Personal.PHONE, Personal.NAME, Personal.EMAIL),
        Finder.WOOCOMMERCE_CUSTOMER,
        "deleted_at",  # tombstones only
        Erasure.DELETE,
        StoreFinder.STORE_ID,
        kept="while the store has the customer: deleted at WooCommerce, the personal fields go "
        "at once, the tombstone (ids and times) with the retention",
    ),
    Holding(
        WOOCOMMERCE_ORDERS,
        "the cached WooCommerce orders: order status answers, attribution",
        _personal(Personal.PHONE),
        Finder.WOOCOMMERCE_CUSTOMER,
        "created_at",
        Erasure.DELETE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        journal.JOURNAL,
        "the durable copy of every event published to the embedded broker",
        _personal(*Personal),
        Finder.EVENT_KEY,
        "at",
        Erasure.DELETE,
        StoreFinder.EVENT_KEY,
        payload="value",
    ),
    Holding(
        "ingest_outbox",  # services/ingest/outbox.py
        "inbound events Kafka did not take yet, until the relay publishes them",
        _personal(Personal.PHONE, Personal.NAME, Personal.MESSAGE_TEXT, Personal.MEDIA),
        Finder.EVENT_KEY,
        None,
        Erasure.DELETE,
        StoreFinder.EVENT_KEY,
        payload="event",
        kept="until Kafka takes the event: the relay deletes each once published",
    ),
    Holding(
        "console_reads",  # services/console/collections.py
        "which conversations each console user has read",
        _personal(Personal.PHONE),
        Finder.CONVERSATION_ID,
        "read_at",
        Erasure.DELETE,
        StoreFinder.CONVERSATION_ID,
    ),
    Holding(
        CONSENT_EVENTS,
        "the customer's grants and withdrawals of consent to be written to, with their wording",
        _personal(Personal.PHONE, Personal.MESSAGE_TEXT),
        Finder.CONVERSATION_ID,
        None,
        Erasure.DELETE,
        StoreFinder.STORE_ID,
        kept="while the customer is a contact of the store: the proof that a notification or "
        "broadcast was allowed, and a withdrawal must outlive the conversation it was said in; "
        "erasing the customer deletes it",
    ),
    Holding(
        BROADCAST_RECIPIENTS,
        "who a broadcast was sent to: number, first name, how their message ended",
        _personal(Personal.PHONE, Personal.NAME),
        Finder.CONVERSATION_ID,
        "created_at",
        Erasure.DELETE,
        StoreFinder.STORE_ID,
    ),
    Holding(
        CUSTOMER_ERASURES,
        "the erasure ledger: counts only, so replays never bring an erased customer back",
        _personal(Personal.CUSTOMER_HASH),
        None,
        "erased_at",
        None,
        StoreFinder.STORE_ID,
    ),
    _impersonal(
        STORE_DELETIONS,
        "store deletion records: when, who asked, counts per collection",
        StoreFinder.NOT_PER_STORE,
    ),
    Holding(
        "console_users",  # services/console/collections.py
        "staff accounts: e-mail, password hash, role",
        _personal(Personal.EMAIL),
        Finder.STAFF,
        None,
        Erasure.ACCOUNT_REMOVAL,
        StoreFinder.MEMBERSHIP,
        kept="while the staff member has an account",
    ),
    _impersonal(
        "console_sessions", "staff sign-in sessions", StoreFinder.WITH_ACCOUNTS, _TTL_EXPIRES_AT
    ),
    Holding(
        "console_login_failures",
        "the login brake: failed sign-ins per e-mail and address",
        _personal(Personal.EMAIL),
        Finder.STAFF,
        _TTL_EXPIRES_AT,
        None,
        StoreFinder.NOT_PER_STORE,
    ),
    Holding(
        "console_invites",
        "one-time invite links to the team: the invitee's e-mail and role",
        _personal(Personal.EMAIL),
        Finder.STAFF,
        _TTL_EXPIRES_AT,
        None,
        StoreFinder.STORE_ID,
    ),
    Holding(
        "console_audit",
        "who changed a store's set-up or team, when, and what (staff e-mails)",
        _personal(Personal.EMAIL),
        Finder.STAFF,
        "at",
        None,
        StoreFinder.STORE_ID,
    ),
    _impersonal(
        "webhook_receipts",
        "Twilio message ids already accepted",
        StoreFinder.NOT_PER_STORE,
        "received_at",
    ),
    _impersonal(
        EARLY_DELIVERY_STATUSES,
        "delivery statuses come before their message id was recorded",
        StoreFinder.NOT_PER_STORE,
        "received_at",
    ),
    _impersonal(
        mongo.PROCESSED_EVENTS,
        "exactly-once claims by event id",
        StoreFinder.NOT_PER_STORE,
        "claimed_at",
    ),
    _impersonal(journal.JOURNAL_MARKS, "the journal's watermark", StoreFinder.NOT_PER_STORE),
    _impersonal(leases.LEASES, "one holder per named job", StoreFinder.NOT_PER_STORE),
    _impersonal(
        "dead_letter_redrives", "which dead letters were re-driven", StoreFinder.NOT_PER_STORE
    ),
    _impersonal("kpi_migrations", "KPI migrations done", StoreFinder.NOT_PER_STORE),
    _impersonal(KPI_HOURLY, "KPI hour buckets: counts only", StoreFinder.STORE_ID),
    _impersonal(KPI_DAILY, "KPI day buckets: counts only", StoreFinder.STORE_ID),
    _impersonal(STORES, "the store, its numbers and encrypted secrets", StoreFinder.ID_IS_STORE),
    _impersonal(BOT_SETTINGS, "the store's bot settings", StoreFinder.ID_IS_STORE),
    _impersonal(
        ORDER_NOTIFICATION_SETTINGS, "order notification templates", StoreFinder.ID_IS_STORE
    ),
    _impersonal(
        BROADCASTS, "broadcasts: template, segment, schedule, status", StoreFinder.STORE_ID
    ),
    _impersonal(
        BROADCAST_SETTINGS, "the store's broadcast sending limits", StoreFinder.ID_IS_STORE
    ),
    _impersonal(BOT_SETTINGS_HISTORY, "every saved bot settings version", StoreFinder.STORE_ID),
    _impersonal(
        "reply_library", "the store's canned replies and templates", StoreFinder.ID_IS_STORE
    ),
    _impersonal(KNOWLEDGE_DOCUMENTS, "the store's own documents", StoreFinder.STORE_ID),
    _impersonal(KNOWLEDGE_CHUNKS, "passages of the store's documents", StoreFinder.STORE_ID),
    _impersonal(KNOWLEDGE_REVISIONS, "knowledge version counters", StoreFinder.ID_IS_STORE),
    _impersonal(
        f"{KNOWLEDGE_FILES}.files", "GridFS: the store's uploads", StoreFinder.FILE_METADATA
    ),
    _impersonal(f"{KNOWLEDGE_FILES}.chunks", "GridFS: their bytes", StoreFinder.WITH_FILES),
    _impersonal(WOOCOMMERCE_PRODUCTS, "the cached catalogue", StoreFinder.STORE_ID),
    _impersonal(WOOCOMMERCE_SNAPSHOTS, "newest modified time per resource", StoreFinder.STORE_ID),
    _impersonal(WOOCOMMERCE_SYNC, "REST sync checkpoints", StoreFinder.STORE_ID),
)

BY_COLLECTION = {holding.collection: holding for holding in COLLECTIONS}


@dataclass(frozen=True)
class TopicHolding:
    """A Kafka topic's place in the map: the personal fields of the events it carries. Kafka
    cannot delete one record, so a topic's personal data lasts until the topic's retention; the
    journal's copy is erased, and replays consult the erasure ledger."""

    topic: str
    purpose: str
    fields: frozenset[str]
    keyed_by_conversation: bool


def _fields(*names: str) -> frozenset[str]:
    return frozenset(names)


TOPICS: tuple[TopicHolding, ...] = (
    TopicHolding(
        topics.WHATSAPP_INBOUND,
        "customers' messages as received",
        # a media `id` (Cloud API) reaches the customer's file at Meta while Meta keeps it; an
        # e-mail's subject is its text, and its thread's Message-IDs name the customer's domain
        _fields(
            "conversation_id",
            "customer_number",
            "profile_name",
            "text",
            "media",
            "url",
            "id",
            "subject",
            "references",
        ),
        True,
    ),
    TopicHolding(topics.WHATSAPP_STATUS, "delivery states", _fields("conversation_id"), True),
    TopicHolding(
        topics.MESSAGES_OUTBOUND,
        "replies sent (they may quote the customer)",
        _fields("conversation_id", "text", "snippet"),
        True,
    ),
    TopicHolding(
        topics.AGENT_COMMANDS,
        "agents' replies and actions",
        _fields("conversation_id", "text", "template_variables"),
        True,
    ),
    TopicHolding(
        topics.CONVERSATIONS_ENRICHED,
        "conversation card snapshots and closes",
        _fields("conversation_id", "summary", "customer_id"),
        True,
    ),
    TopicHolding(
        topics.CONVERSATIONS_CSAT,
        "satisfaction surveys and ratings",
        _fields("conversation_id", "customer_number"),
        True,
    ),
    TopicHolding(
        topics.WOOCOMMERCE_ORDERS,
        "WooCommerce order states",
        _fields("customer_id", "billing_phone", "first_name", "tracking_number"),
        False,
    ),
    TopicHolding(
        topics.WOOCOMMERCE_CUSTOMERS,
        "WooCommerce customers",
        _fields("customer_id", "email", "first_name", "last_name", "billing_phone"),
        False,
    ),
    TopicHolding(topics.WOOCOMMERCE_PRODUCTS, "the catalogue", _fields(), False),
    TopicHolding(topics.KNOWLEDGE_DOCUMENTS, "knowledge document changes", _fields(), False),
    TopicHolding(topics.CUSTOMERS_ERASED, "erasures done", _fields("customer_hash"), False),
    TopicHolding(topics.STORES_DELETED, "stores deleted", _fields(), False),
)

BY_TOPIC = {holding.topic: holding for holding in TOPICS}

# Event fields that never hold personal data; any other field of an event must be listed as
# personal on its topic (the map's test reads every event model).
NOT_PERSONAL_EVENT_FIELDS = frozenset(
    {
        "schema_version", "event_id", "occurred_at", "store_id", "event_type", "topic",
        "message_sid", "channel", "channel_account", "store_number", "content_type",
        "twilio_sid", "status", "error_code", "message_id", "in_reply_to", "author", "sent",
        "not_sent_reason", "source",
        "customer_message_at", "response_seconds", "first_response", "hand_over", "llm",
        "model", "latency_seconds", "prompt_tokens", "completion_tokens", "citations", "kind",
        "ref", "document_id", "filename", "locator", "agent_id", "handed_over_at", "revision",
        "outcome", "latest_intent", "latest_sentiment", "sentiment_trend", "next_action",
        "open_order_numbers", "reopens", "opened_at", "last_activity_at", "first_session",
        "closed_by", "confirmed", "previous_outcome", "closed_at", "session_opened_at",
        "last_customer_message_at", "reason", "survey_id", "rating", "change", "deleted",
        "modified_at", "order_id", "number", "currency", "total", "created_at", "paid_at",
        "line_items", "product_id", "name", "quantity", "sku", "permalink", "price",
        "regular_price", "sale_price", "stock_status", "stock_quantity", "version", "action",
        "command_id", "command", "template_sid", "assignee_id", "requested_by", "removed",
        "catalog_visibility", "image_url", "courier", "sent_as", "categories", "id", "slug",
        "order_action", "order_number", "reaction_to",
    }
)  # fmt: skip
