"""Replay: re-drive a time range of a topic into one consumer group.

The range's records are copied, with their keys, values and headers, to the group's replay
topic `replay.<group>`, which every member of that group reads next to its own topics (see
`shared/consumer.py`). Why a replay topic rather than a reset of the group's offsets:

* a range can end (`--to`): an offset reset can only move where the group starts, after which
  it re-reads everything up to now;
* only that group sees the events again; re-publishing to the topic itself would re-drive
  every group (the responder included);
* the group keeps running and keeps its place on the live topic: Kafka refuses an offset reset
  while a group has members, so a reset means stopping the service;
* it needs nothing but produce and fetch, so it behaves the same on real Kafka and on the
  embedded broker (which neither resets offsets from outside a group nor keeps a time index).

With the embedded broker (KAFKA_JOURNAL) the range is read from the event journal instead,
which outlives the broker's restarts (shared/journal_scan.py).

Handlers deduplicate by `event_id`, so a replay changes only what was lost or deleted; the
events of a customer erased since are not copied (the erasure ledger).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared import kafka, mongo, topics
from shared.events import decode_event
from shared.journal import Journal
from shared.journal_scan import history
from shared.privacy.ledger import Erased, read_erased
from shared.settings import Settings

Progress = Callable[[int, int], None]  # (records scanned, records to scan)
IN_FLIGHT = 500  # copies sent before waiting for their acknowledgements


class ReplayRefused(Exception):
    """The replay cannot do what was asked; the message says why and what to do."""


@dataclass(frozen=True)
class Replayed:
    scanned: int
    copied: int
    replay_topic: str


async def replay(
    settings: Settings,
    topic: str,
    group_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Progress = lambda done, total: None,
) -> Replayed:
    """Copy the records of `topic` stamped in [since, until] to `replay.<group_id>`."""
    if since and until and until < since:
        raise ReplayRefused("--to is before --from")
    if topic not in topics.ALL:
        raise ReplayRefused(f"{topic!r} is not an event topic; choose from {', '.join(topics.ALL)}")
    bootstrap = kafka.bootstrap_servers(settings)
    await _check_group_reads(bootstrap, group_id, topic)
    target = topics.replay(group_id)
    await kafka.create_missing_topics(
        bootstrap,
        [target],
        settings.kafka.partitions,
        settings.kafka.replication_factor,
        {target: kafka.retention_config(settings)},  # copies of personal data
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="balas-replay",
        acks="all",
        enable_idempotence=settings.kafka.producer_idempotence,
    )
    client = mongo.connect(settings.mongodb.uri or "")
    db = client[settings.mongodb.database]
    # The embedded broker forgets its topics when it restarts; the journal keeps them.
    journal = Journal(db) if settings.kafka.journal else None
    await producer.start()
    try:
        erased = await read_erased(db)
        scanned, copied = await _copy(
            bootstrap, topic, target, Span(since, until), producer, progress, journal, erased
        )
    finally:
        await producer.stop()
        await client.close()
    return Replayed(scanned, copied, target)


async def _check_group_reads(bootstrap: str, group_id: str, topic: str) -> None:
    """Refuse a group that has never committed an offset on `topic`: none of its members
    would handle the copies (a typo in the group's name, or a group of other topics)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        partitions = (await admin.describe_topics([topic]))[0]["partitions"]
        wanted = [TopicPartition(topic, p["partition"]) for p in partitions]
        committed = await admin.list_consumer_group_offsets(group_id, partitions=wanted)
    finally:
        await admin.close()
    if not any(position.offset >= 0 for position in committed.values()):
        raise ReplayRefused(
            f"consumer group {group_id!r} has never read {topic}: nothing would handle the "
            "replayed records. Check the group's name (responder, enricher, kpi_aggregator)."
        )


async def _copy(
    bootstrap: str,
    topic: str,
    target: str,
    span: "Span",
    producer: AIOKafkaProducer,
    progress: Progress,
    journal: Journal | None,
    erased: Erased,
) -> tuple[int, int]:
    scanned = copied = 0
    pending: list[asyncio.Future[object]] = []
    async with history(bootstrap, topic, span.since, journal) as scan:
        progress(0, scan.total)
        async for batch in scan.batches():
            for record in batch:
                if span.holds(record.timestamp) and not _erased(erased, topic, record.value):
                    headers = [*(record.headers or ()), (topics.REPLAY_OF_HEADER, topic.encode())]
                    pending.append(
                        await producer.send(target, record.value, key=record.key, headers=headers)
                    )
                    copied += 1
            if len(pending) >= IN_FLIGHT:
                await asyncio.gather(*pending)
                pending = []
            scanned += len(batch)
            progress(scanned, max(scan.total, scanned))  # the log may hold more than reported
        await asyncio.gather(*pending)  # every copy acknowledged before we report success
    return scanned, copied


@dataclass(frozen=True)
class Span:
    since: datetime | None
    until: datetime | None

    def holds(self, timestamp_ms: int) -> bool:
        low = int(self.since.timestamp() * 1000) if self.since else None
        high = int(self.until.timestamp() * 1000) if self.until else None
        return (low is None or timestamp_ms >= low) and (high is None or timestamp_ms <= high)


def _erased(erased: Erased, topic: str, value: bytes | None) -> bool:
    """An erased customer's earlier event is never copied back (shared/privacy/ledger.py)."""
    try:
        return erased.covers(decode_event(topic, value or b""))
    except ValueError:
        return False  # not an event: the consumer dead-letters it as it would the original
