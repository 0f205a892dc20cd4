"""How a store's documents are found in each collection of the personal-data map: what
deleting a store (store_deletion.py) removes, collection by collection.

Every collection of the map must be named here (tests/unit/test_store_map.py): a collection
added to the map without saying how a store's documents are found in it fails that test, so
a store's deletion cannot forget one.
"""

import re
from enum import StrEnum

from shared import journal, leases, mongo
from shared.actions.collections import ACTION_PROPOSALS, ORDER_ACTIONS
from shared.broadcasts.collections import BROADCAST_RECIPIENTS, BROADCAST_SETTINGS, BROADCASTS
from shared.consent.collections import CONSENT_EVENTS
from shared.conversations.collections import (
    CONVERSATION_EVENTS,
    CONVERSATIONS,
    CSAT_SURVEYS,
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
from shared.mongo import Document
from shared.notifications.orders import ORDER_NOTIFICATION_SETTINGS
from shared.privacy.collections import CUSTOMER_ERASURES, STORE_DELETIONS
from shared.stores.collections import BOT_SETTINGS, BOT_SETTINGS_HISTORY, STORES
from shared.woocommerce.collections import (
    WOOCOMMERCE_CUSTOMERS,
    WOOCOMMERCE_ORDERS,
    WOOCOMMERCE_PRODUCTS,
    WOOCOMMERCE_SNAPSHOTS,
    WOOCOMMERCE_SYNC,
)


class StoreFinder(StrEnum):
    STORE_ID = "store_id"  # a `store_id` field
    ID_IS_STORE = "_id is the store id"
    ID_PREFIX = "_id starts with the store id"  # "store:+62...", "store|2026-12-06|hash"
    CONVERSATION_ID = "conversation_id starts with the store id"
    EVENT_KEY = "Kafka key"  # the store id, or a conversation id of the store
    FILE_METADATA = "GridFS metadata.store_id"  # removed with their chunks
    WITH_FILES = "removed with their files"
    MEMBERSHIP = "store_ids of console users"  # the store leaves the list; an empty one goes
    WITH_ACCOUNTS = "removed with the console account"  # a user's sessions
    NOT_PER_STORE = "holds no store's documents"


STORE_FINDERS: dict[str, StoreFinder] = {
    MESSAGES: StoreFinder.STORE_ID,
    CONVERSATIONS: StoreFinder.ID_PREFIX,
    CONVERSATION_EVENTS: StoreFinder.STORE_ID,
    CSAT_SURVEYS: StoreFinder.STORE_ID,
    ACTION_PROPOSALS: StoreFinder.STORE_ID,
    ORDER_ACTIONS: StoreFinder.STORE_ID,
    CONSENT_EVENTS: StoreFinder.STORE_ID,
    KNOWLEDGE_GAPS: StoreFinder.STORE_ID,
    CONVERSATION_FACTS: StoreFinder.STORE_ID,
    CONVERSATION_FACT_EVENTS: StoreFinder.STORE_ID,
    KPI_CUSTOMER_HOURS: StoreFinder.ID_PREFIX,
    KPI_CUSTOMER_DAYS: StoreFinder.ID_PREFIX,
    KPI_CUSTOMERS: StoreFinder.ID_PREFIX,
    KPI_CONVERSIONS: StoreFinder.ID_PREFIX,
    KPI_ORDERS: StoreFinder.STORE_ID,
    KPI_NOTIFICATIONS: StoreFinder.STORE_ID,
    KPI_HOURLY: StoreFinder.STORE_ID,
    KPI_DAILY: StoreFinder.STORE_ID,
    WOOCOMMERCE_CUSTOMERS: StoreFinder.STORE_ID,
    WOOCOMMERCE_ORDERS: StoreFinder.STORE_ID,
    WOOCOMMERCE_PRODUCTS: StoreFinder.STORE_ID,
    WOOCOMMERCE_SNAPSHOTS: StoreFinder.STORE_ID,
    WOOCOMMERCE_SYNC: StoreFinder.STORE_ID,
    journal.JOURNAL: StoreFinder.EVENT_KEY,
    "ingest_outbox": StoreFinder.EVENT_KEY,
    "console_reads": StoreFinder.CONVERSATION_ID,
    CUSTOMER_ERASURES: StoreFinder.STORE_ID,
    "console_invites": StoreFinder.STORE_ID,
    "console_audit": StoreFinder.STORE_ID,
    "console_sessions": StoreFinder.WITH_ACCOUNTS,
    "console_users": StoreFinder.MEMBERSHIP,
    BOT_SETTINGS: StoreFinder.ID_IS_STORE,
    ORDER_NOTIFICATION_SETTINGS: StoreFinder.ID_IS_STORE,
    BROADCASTS: StoreFinder.STORE_ID,
    BROADCAST_RECIPIENTS: StoreFinder.STORE_ID,
    BROADCAST_SETTINGS: StoreFinder.ID_IS_STORE,
    BOT_SETTINGS_HISTORY: StoreFinder.STORE_ID,
    "reply_library": StoreFinder.ID_IS_STORE,
    KNOWLEDGE_DOCUMENTS: StoreFinder.STORE_ID,
    KNOWLEDGE_CHUNKS: StoreFinder.STORE_ID,
    KNOWLEDGE_REVISIONS: StoreFinder.ID_IS_STORE,
    f"{KNOWLEDGE_FILES}.chunks": StoreFinder.WITH_FILES,
    f"{KNOWLEDGE_FILES}.files": StoreFinder.FILE_METADATA,
    # Last: while the store's document is there, a deletion cut short is run again in full.
    STORES: StoreFinder.ID_IS_STORE,
    # Kept: the record of the deletion itself, and what belongs to no store.
    STORE_DELETIONS: StoreFinder.NOT_PER_STORE,
    "console_login_failures": StoreFinder.NOT_PER_STORE,  # by e-mail and address
    "webhook_receipts": StoreFinder.NOT_PER_STORE,  # Twilio message ids, expiring
    mongo.PROCESSED_EVENTS: StoreFinder.NOT_PER_STORE,  # event ids, expiring
    journal.JOURNAL_MARKS: StoreFinder.NOT_PER_STORE,
    leases.LEASES: StoreFinder.NOT_PER_STORE,
    "dead_letter_redrives": StoreFinder.NOT_PER_STORE,
    "kpi_migrations": StoreFinder.NOT_PER_STORE,
}

QUERIED = (
    StoreFinder.STORE_ID,
    StoreFinder.ID_IS_STORE,
    StoreFinder.ID_PREFIX,
    StoreFinder.CONVERSATION_ID,
)


def store_filter(finder: StoreFinder, store_id: str) -> Document:
    """The query finding the store's documents, for the finders in QUERIED."""
    # A store id has no ':' or '|' (shared/stores/fields.py), so "toko:" never matches "toko-2:".
    prefix = {"$regex": f"^{re.escape(store_id)}[:|]"}
    match finder:
        case StoreFinder.STORE_ID:
            return {"store_id": store_id}
        case StoreFinder.ID_IS_STORE:
            return {"_id": store_id}
        case StoreFinder.ID_PREFIX:
            return {"_id": prefix}
        case StoreFinder.CONVERSATION_ID:
            return {"conversation_id": prefix}
    raise ValueError(f"{finder} is not a query")


def owns_key(store_id: str, key: bytes | str | None) -> bool:
    """Whether a stored event's Kafka key is the store's own or one of its conversations'."""
    if key is None:
        return False
    text = key.decode(errors="replace") if isinstance(key, bytes) else key
    return text == store_id or text.startswith(f"{store_id}:")
