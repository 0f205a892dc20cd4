"""Reading a topic's history from the event journal rather than the broker.

The embedded broker keeps topics only in memory: after it restarts, the history `balas replay`
and `balas kpi rebuild` need is no longer there, but every record published to it is in the
journal (shared/journal.py) for the retention period. With the journal on, the journal is a
superset of what the broker holds of the event topics, so readers of history take it from there
(`history`); the records come as the broker would hand them out, so callers need not care.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from aiokafka.structs import ConsumerRecord

from shared import kafka
from shared.journal import Journal, JournalEntry

BATCH = 500
_EPOCH = datetime.fromtimestamp(0, UTC)


class Scan(Protocol):
    """A bounded read of one topic: how many records it holds, then its records in batches."""

    @property
    def total(self) -> int: ...

    def batches(self) -> AsyncIterator[list[ConsumerRecord]]: ...


@dataclass(frozen=True)
class JournalScan:
    journal: Journal
    topic: str
    since: datetime
    total: int

    async def batches(self) -> AsyncIterator[list[ConsumerRecord]]:
        batch: list[ConsumerRecord] = []
        async for entry in self.journal.topic_range(self.topic, self.since):
            batch.append(as_record(entry, position=len(batch)))
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def as_record(entry: JournalEntry, position: int) -> ConsumerRecord:
    """A journal entry as a consumer record; the journal keeps no partition (-1) or offset
    (its position in the read instead)."""
    return ConsumerRecord(
        topic=entry.topic,
        partition=-1,
        offset=position,
        timestamp=int(entry.at.timestamp() * 1000),
        timestamp_type=0,
        key=entry.key,
        value=entry.value,
        checksum=None,
        serialized_key_size=len(entry.key or b""),
        serialized_value_size=len(entry.value),
        headers=entry.headers,
    )


@asynccontextmanager
async def history(
    bootstrap: str, topic: str, since: datetime | None, journal: Journal | None
) -> AsyncIterator[Scan]:
    """A scan of `topic` from `since` (all if None): from the journal when there is one, else
    from the broker."""
    if journal is None:
        async with kafka.scan_topic(bootstrap, topic, since) as scan:
            yield scan
        return
    start = since or _EPOCH
    yield JournalScan(journal, topic, start, await journal.count(topic, start))
