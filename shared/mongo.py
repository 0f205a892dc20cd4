"""MongoDB wiring: one async client per process, collections by name, indexes created at start."""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pymongo import AsyncMongoClient, IndexModel, monitoring
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, OperationFailure

from shared.metrics import MONGODB_COMMANDS
from shared.settings import Settings

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Session = AsyncClientSession
T = TypeVar("T")

PROCESSED_EVENTS = "processed_events"  # claim ledgers of exactly-once effects (claim_new)

_DAY = 24 * 3600
DUPLICATE_KEY = 11000  # MongoDB's error code
# MongoDB error codes for "this index exists with other options" (unnamed, named).
INDEX_OPTIONS_CONFLICTS = (85, 86)


def command_and_collection(event: monitoring.CommandStartedEvent) -> tuple[str, str]:
    """The command's name and the collection it acts on ("" for none)."""
    # getMore names its cursor's collection apart; the others name it as their value.
    key = "collection" if event.command_name == "getMore" else event.command_name
    target = event.command.get(key)
    return event.command_name, target if isinstance(target, str) else ""


class _CommandCounter(monitoring.CommandListener):
    """Counts the commands a client sends (balas_mongodb_commands_total), per command and
    collection; the servers' heartbeats are not commands and stay out."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        MONGODB_COMMANDS.labels(*command_and_collection(event)).inc()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def connect(uri: str, timeout_seconds: float | None = None) -> AsyncMongoClient[Document]:
    """A client; with `timeout_seconds`, every operation fails past it instead of waiting."""
    timeout_ms = int(timeout_seconds * 1000) if timeout_seconds else None
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        serverSelectionTimeoutMS=10_000,
        timeoutMS=timeout_ms,
        event_listeners=[_CommandCounter()],
    )


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept (RETENTION_DAYS), as TTL index options."""

    seconds: int

    @property
    def ttl(self) -> dict[str, int]:
        return {"expireAfterSeconds": self.seconds}


Indexes = dict[str, list[IndexModel]]  # collection -> its indexes
# Each module that owns collections declares their indexes as one of these; every process
# creates those of the collections it uses at start (shared/collections.py collects them).
IndexPlan = Callable[[Retention], Indexes]


def indexes(retention: Retention) -> Indexes:
    return {PROCESSED_EVENTS: [IndexModel("claimed_at", **retention.ttl)]}


async def ensure_indexes(db: Database, settings: Settings, plans: Iterable[IndexPlan]) -> None:
    """Idempotent: creating an index that exists with the same options is a no-op.

    A changed retention (RETENTION_DAYS) changes the TTL of existing indexes in place.
    """
    retention = Retention(settings.retention.days * _DAY)
    declared = [plan(retention) for plan in plans]
    for collection, indexes in (item for plan in declared for item in plan.items()):
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


def only_duplicate_keys(error: BulkWriteError) -> bool:
    """Whether every write a bulk write lost failed on a duplicate key."""
    return {e.get("code") for e in error.details.get("writeErrors", [])} == {DUPLICATE_KEY}


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


class _ClaimTaken(Exception):
    """An id `_claim_all` was to claim had been claimed before."""


# Claims ids of `collection` inside the session's transaction; returns the ones it claimed.
Claim = Callable[[Session, str, Iterable[str]], Awaitable[set[str]]]


async def in_claiming_transaction(
    db: Database, work: Callable[[Session, Claim], Awaitable[T]]
) -> T:
    """`work` in one transaction, with a `Claim` for its exactly-once ids that is first one
    insert of them all (the usual case: none was claimed before). If one was (a redelivery, a
    replayed copy, another replica), that insert fails the transaction, and `work` runs again
    with `claim_new`, which reads the ledger first and claims only the free ids."""

    async def claim_all(session: Session, collection: str, ids: Iterable[str]) -> set[str]:
        wanted = set(ids)
        if wanted:
            claimed_at = datetime.now(UTC)
            documents = [{"_id": id_, "claimed_at": claimed_at} for id_ in sorted(wanted)]
            try:
                await db[collection].insert_many(documents, session=session)
            except BulkWriteError as error:
                codes = {e.get("code") for e in error.details.get("writeErrors", [])}
                if DUPLICATE_KEY in codes:
                    raise _ClaimTaken(collection) from error
                raise
        return wanted

    async def claim_free(session: Session, collection: str, ids: Iterable[str]) -> set[str]:
        return await claim_new(db, session, collection, ids)

    try:
        return await in_transaction(db, lambda session: work(session, claim_all))
    except _ClaimTaken:
        return await in_transaction(db, lambda session: work(session, claim_free))
