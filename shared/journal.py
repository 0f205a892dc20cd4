"""The event journal: a durable copy, in MongoDB, of everything published to the embedded broker.

The embedded broker keeps topics only in memory, so a publish there counts as accepted only once
its records are also in the journal: a FastStream middleware inserts them (one insert_many per
publish) before the broker sees them. After the broker restarts empty, the supervisor publishes
again what some consumer group had not finished (shared/broker_recovery.py); `balas replay` and
`balas kpi rebuild` read a range here when the broker no longer holds it. A real Kafka is durable
itself, so there the journal is off (KAFKA_JOURNAL).

Entries expire with the messages (RETENTION_DAYS).
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faststream import BaseMiddleware
from faststream.context import ContextRepo
from faststream.kafka.response import KafkaPublishCommand
from pymongo import ASCENDING, IndexModel
from pymongo.errors import PyMongoError

from shared.mongo import Database, Document, Indexes, Retention

JOURNAL = "event_journal"
JOURNAL_MARKS = "event_journal_marks"  # one document: the low-watermark of unfinished events
_WATERMARK_ID = "unfinished_since"
_READERS_ID = "readers"  # every (topic, consumer group) pair ever seen committing


def indexes(retention: Retention) -> Indexes:
    return {
        JOURNAL: [
            IndexModel("at", **retention.ttl),
            IndexModel([("topic", ASCENDING), ("at", ASCENDING)]),
        ]
    }


@dataclass(frozen=True)
class JournalEntry:
    """One published record as the broker received it."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    at: datetime

    @classmethod
    def from_mongo(cls, document: Document) -> "JournalEntry":
        return cls(
            topic=document["topic"],
            key=document.get("key"),
            value=document["value"],
            headers=[(name, value) for name, value in document.get("headers", [])],
            at=document["at"],
        )


class Journal:
    def __init__(self, db: Database) -> None:
        self._entries = db[JOURNAL]
        self._marks = db[JOURNAL_MARKS]

    async def record(self, command: KafkaPublishCommand) -> None:
        """Keep the records of one publish (a batch is one insert)."""
        at = datetime.now(UTC)
        headers = [[name, str(value).encode()] for name, value in (command.headers or {}).items()]
        key = _as_bytes(command.key) if command.key is not None else None
        await self._entries.insert_many(
            [
                {
                    "topic": command.destination,
                    "key": key,
                    "value": _as_bytes(body),
                    "headers": headers,
                    "at": at,
                }
                for body in command.batch_bodies
            ]
        )

    def middleware(
        self, on_outage: Callable[[], None] | None = None
    ) -> Callable[..., BaseMiddleware]:
        """A FastStream middleware (for `middlewares=[...]`) that journals every publish first.
        With `on_outage` (ingest), a publish whose journal copy MongoDB does not take goes to the
        broker all the same and `on_outage` counts it: a webhook refused is lost for sure, an
        unjournaled event only if the broker dies too before it is consumed."""
        journal = self

        class JournalFirst(BaseMiddleware):
            async def publish_scope(
                self, call_next: Callable[[Any], Awaitable[Any]], cmd: Any
            ) -> Any:
                try:
                    await journal.record(cmd)
                except PyMongoError:
                    if on_outage is None:
                        raise
                    on_outage()
                return await call_next(cmd)

        def build(msg: Any, /, *, context: ContextRepo) -> BaseMiddleware:
            return JournalFirst(msg, context=context)

        return build

    async def unfinished(self, since: datetime) -> AsyncIterator[JournalEntry]:
        """Every entry journaled at or after `since`, and every dead letter (parked, never
        consumed, so no watermark covers them), in the order they were journaled."""
        wanted = {"$or": [{"at": {"$gte": since}}, {"topic": {"$regex": r"\.dlq$"}}]}
        found = self._entries.find(wanted).sort([("at", ASCENDING), ("_id", 1)])
        async for document in found:
            yield JournalEntry.from_mongo(document)

    async def topic_range(self, topic: str, since: datetime) -> AsyncIterator[JournalEntry]:
        """The entries of `topic` journaled since `since`, oldest first."""
        found = self._entries.find({"topic": topic, "at": {"$gte": since}}).sort(
            [("at", ASCENDING), ("_id", 1)]
        )
        async for document in found:
            yield JournalEntry.from_mongo(document)

    async def count(self, topic: str, since: datetime) -> int:
        return await self._entries.count_documents({"topic": topic, "at": {"$gte": since}})

    async def watermark(self) -> datetime | None:
        """Before this, every consumer group had finished every journaled event (None: unknown)."""
        mark = await self._marks.find_one({"_id": _WATERMARK_ID})
        return mark["at"] if mark else None

    async def readers(self) -> set[tuple[str, str]]:
        """Every (topic, group) seen reading, kept across broker restarts: a group that has not
        rejoined the restarted broker yet still holds the watermark back."""
        found = await self._marks.find_one({"_id": _READERS_ID})
        return {(topic, group) for topic, group in found["pairs"]} if found else set()

    async def add_readers(self, pairs: set[tuple[str, str]]) -> None:
        await self._marks.update_one(
            {"_id": _READERS_ID},
            {"$addToSet": {"pairs": {"$each": [list(pair) for pair in sorted(pairs)]}}},
            upsert=True,
        )

    async def advance_watermark(self, at: datetime) -> None:
        """Move the watermark to `at`, never back."""
        await self._marks.update_one({"_id": _WATERMARK_ID}, {"$max": {"at": at}}, upsert=True)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()
