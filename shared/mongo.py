"""MongoDB wiring: one async client per process, collections by name, indexes created at start."""

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from shared.settings import Settings

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Session = AsyncClientSession
T = TypeVar("T")

STORES = "stores"
WEBHOOK_RECEIPTS = "webhook_receipts"
MESSAGES = "messages"
CONVERSATIONS = "conversations"
CONVERSATION_EVENTS = "conversation_events"  # the enricher's outbox of conversation facts
PROCESSED_EVENTS = "processed_events"
KPI_HOURLY = "kpi_hourly"
KPI_CUSTOMER_HOURS = "kpi_customer_hours"
KPI_DAILY = "kpi_daily"
KPI_CUSTOMER_DAYS = "kpi_customer_days"
CONVERSATION_FACTS = "conversation_facts"  # one row per closed conversation session
CONVERSATION_FACT_EVENTS = "conversation_fact_events"  # the facts the rows are derived from
KPI_ORDERS = "kpi_orders"  # per order: what the aggregator counted of it (no phone number)
KPI_CONVERSIONS = "kpi_conversions"  # converted customer-hours and -days, with their orders
DEAD_LETTER_REDRIVES = "dead_letter_redrives"
WOOCOMMERCE_SNAPSHOTS = "woocommerce_snapshots"  # ingest: newest modified time per resource
WOOCOMMERCE_ORDERS = "woocommerce_orders"  # the enricher's caches, keyed "store:woocommerce id"
WOOCOMMERCE_CUSTOMERS = "woocommerce_customers"
WOOCOMMERCE_PRODUCTS = "woocommerce_products"
WOOCOMMERCE_SYNC = "woocommerce_sync"  # REST sync checkpoints, "store:resource"
LEASES = "leases"  # one holder per named job across processes (shared/leases.py)
KNOWLEDGE_DOCUMENTS = "knowledge_documents"  # the store's uploaded documents and their status
KNOWLEDGE_CHUNKS = "knowledge_chunks"  # "<document>:<version>:<n>", only the active version answers
KNOWLEDGE_REVISIONS = "knowledge_revisions"  # per store: bumped whenever what answers changes
KNOWLEDGE_FILES = "knowledge_files"  # GridFS bucket: originals and extracted texts
BOT_SETTINGS = "bot_settings"  # per store, `version` grows on every save
BOT_SETTINGS_HISTORY = "bot_settings_history"  # every saved version, `_id` "store:version"
KNOWLEDGE_GAPS = "knowledge_gaps"  # questions the bot could not ground: store_id, question,
# conversation_id, created_at (written by the responder, grouped by the console)
CSAT_SURVEYS = "csat_surveys"  # one per session: its send and rating
KPI_CUSTOMERS = "kpi_customers"  # per store and customer hash: first message (`first_at`)
CONSOLE_USERS = "console_users"  # console accounts: email (unique), argon2id hash, role, store_ids
CONSOLE_SESSIONS = "console_sessions"  # `_id` = SHA-256 of the cookie's session id, expires_at
CONSOLE_LOGIN_FAILURES = "console_login_failures"  # failed logins per e-mail/address and window
CONSOLE_READS = "console_reads"  # per user and conversation: read up to `read_at` (unread marks)
REPLY_LIBRARY = "reply_library"  # per store: canned replies and approved WhatsApp templates

_DAY = 24 * 3600
WEBHOOK_RECEIPT_TTL_SECONDS = 7 * _DAY  # far beyond Twilio's retry horizon
# MongoDB error codes for "this index exists with other options" (unnamed, named).
INDEX_OPTIONS_CONFLICTS = (85, 86)


def connect(uri: str) -> AsyncMongoClient[Document]:
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)


def _indexes(retention_seconds: int) -> dict[str, list[IndexModel]]:
    ttl = {"expireAfterSeconds": retention_seconds}
    return {
        STORES: [IndexModel("whatsapp_number", unique=True)],
        WEBHOOK_RECEIPTS: [
            IndexModel("received_at", expireAfterSeconds=WEBHOOK_RECEIPT_TTL_SECONDS)
        ],
        MESSAGES: [
            IndexModel([("conversation_id", ASCENDING), ("created_at", ASCENDING)]),
            IndexModel("twilio_sid", sparse=True),
            IndexModel("created_at", name="message_retention", **ttl),
        ],
        CONVERSATIONS: [
            IndexModel([("store_id", ASCENDING), ("last_activity_at", DESCENDING)]),
            IndexModel("last_activity_at", name="conversation_retention", **ttl),
            IndexModel([("status", ASCENDING), ("last_activity_at", ASCENDING)]),
        ],
        CONVERSATION_EVENTS: [
            IndexModel([("published", ASCENDING), ("recorded_at", ASCENDING)]),
            IndexModel("conversation_id"),
            IndexModel("recorded_at", name="conversation_event_retention", **ttl),
        ],
        PROCESSED_EVENTS: [IndexModel("claimed_at", **ttl)],
        KPI_HOURLY: [IndexModel([("store_id", ASCENDING), ("hour", ASCENDING)])],
        KPI_CUSTOMER_HOURS: [IndexModel("claimed_at", **ttl)],
        KPI_DAILY: [IndexModel([("store_id", ASCENDING), ("date", ASCENDING)])],
        KPI_CUSTOMER_DAYS: [IndexModel("claimed_at", **ttl)],
        CONVERSATION_FACTS: [  # rows name the customer's number: they expire like messages
            IndexModel([("store_id", ASCENDING), ("closed_at", ASCENDING)]),
            IndexModel("conversation_id"),
            IndexModel([("store_id", ASCENDING), ("customer_hash", ASCENDING)]),
            IndexModel("closed_at", name="conversation_fact_retention", **ttl),
        ],
        CONVERSATION_FACT_EVENTS: [
            IndexModel([("conversation_id", ASCENDING), ("at", ASCENDING)]),
            IndexModel("recorded_at", name="conversation_fact_event_retention", **ttl),
        ],
        CSAT_SURVEYS: [  # they hold the customer's number: they expire like messages
            IndexModel([("conversation_id", ASCENDING), ("sent_at", DESCENDING)]),
            IndexModel("created_at", name="csat_survey_retention", **ttl),
        ],
        BOT_SETTINGS_HISTORY: [IndexModel([("store_id", ASCENDING), ("version", DESCENDING)])],
        KNOWLEDGE_GAPS: [  # customers' own words: they expire like messages
            IndexModel([("store_id", ASCENDING), ("created_at", DESCENDING)]),
            IndexModel("created_at", name="knowledge_gap_retention", **ttl),
        ],
        WOOCOMMERCE_ORDERS: [
            IndexModel([("store_id", ASCENDING), ("customer_id", ASCENDING)]),
            IndexModel([("store_id", ASCENDING), ("billing_e164", ASCENDING)]),
            IndexModel([("store_id", ASCENDING), ("number", ASCENDING)]),
        ],
        WOOCOMMERCE_CUSTOMERS: [
            IndexModel([("store_id", ASCENDING), ("billing_phone", ASCENDING)]),
            IndexModel([("store_id", ASCENDING), ("billing_e164", ASCENDING)]),
        ],
        KPI_ORDERS: [IndexModel([("customer_hash", ASCENDING), ("created_at", ASCENDING)])],
        KNOWLEDGE_DOCUMENTS: [IndexModel([("store_id", ASCENDING), ("status", ASCENDING)])],
        KNOWLEDGE_CHUNKS: [
            IndexModel("store_id"),
            IndexModel([("document_id", ASCENDING), ("version", ASCENDING)]),
        ],
        f"{KNOWLEDGE_FILES}.files": [IndexModel("metadata.document_id")],
        CONSOLE_USERS: [IndexModel("email", unique=True), IndexModel("store_ids")],
        CONSOLE_SESSIONS: [IndexModel("expires_at", expireAfterSeconds=0), IndexModel("user_id")],
        CONSOLE_LOGIN_FAILURES: [IndexModel("expires_at", expireAfterSeconds=0)],
        # conversation ids name the customer's number: markers expire like messages
        CONSOLE_READS: [IndexModel("read_at", name="console_read_retention", **ttl)],
    }


async def ensure_indexes(db: Database, settings: Settings) -> None:
    """Idempotent: creating an index that exists with the same options is a no-op.

    A changed retention (MESSAGE_RETENTION_DAYS) changes the TTL of existing indexes in place.
    """
    retention = settings.message_retention_days * _DAY
    for collection, indexes in _indexes(retention).items():
        try:
            await db[collection].create_indexes(indexes)
        except OperationFailure as error:
            if error.code not in INDEX_OPTIONS_CONFLICTS:
                raise
            await _retune_ttl(db, collection, indexes)
            await db[collection].create_indexes(indexes)


async def _retune_ttl(db: Database, collection: str, indexes: list[IndexModel]) -> None:
    for index in indexes:
        spec = index.document
        if "expireAfterSeconds" in spec:
            await db.command(
                "collMod",
                collection,
                index={
                    "keyPattern": dict(spec["key"]),
                    "expireAfterSeconds": spec["expireAfterSeconds"],
                },
            )


async def in_transaction(db: Database, work: Callable[[Session], Awaitable[T]]) -> T:
    """Run `work` in one transaction; transient conflicts are retried by the driver."""
    async with db.client.start_session() as session:
        return await session.with_transaction(work)


async def claim_new(
    db: Database, session: Session, collection: str, ids: Iterable[str]
) -> set[str]:
    """Of `ids`, the ones not recorded in `collection` yet, recorded now (inside `session`).

    With the caller's writes in the same transaction this makes an effect exactly-once per id:
    a redelivered or replayed event finds its id taken and changes nothing.
    """
    wanted = set(ids)
    if not wanted:
        return set()
    taken = db[collection].find({"_id": {"$in": list(wanted)}}, {"_id": 1}, session=session)
    fresh = wanted - {document["_id"] async for document in taken}
    claimed_at = datetime.now(UTC)
    if fresh:
        await db[collection].insert_many(
            [{"_id": id_, "claimed_at": claimed_at} for id_ in sorted(fresh)], session=session
        )
    return fresh
