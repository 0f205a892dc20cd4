"""Bringing an embedded broker that restarted empty back to what the system had accepted.

While the broker runs, the supervisor keeps the journal's low-watermark (`keep_watermark`):
whenever every consumer group has committed up to the end of every partition it reads, all
that was journaled before the check began is finished, and the watermark moves there. Under a
constant lag it stays put, so a recovery republishes more, never less. Which groups read which
topic is remembered in the journal, so a group that has not rejoined a restarted broker still
counts (a group retired for good holds the watermark back until its entries expire).

After a restart, `recover` recreates the topics with their partitions and publishes again every
journal entry from a safety margin before the watermark on (and every dead letter, which no
group consumes); consumers deduplicate by event id. It uses a plain producer, so republished
records are not journaled twice.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared import kafka, mongo, topics
from shared.journal import Journal
from shared.settings import Settings

log = structlog.get_logger(__name__)

# Record timestamps come from the producers' clocks; the margin absorbs their skew and the
# time between a journal insert and the publish it precedes.
SAFETY_MARGIN = timedelta(minutes=1)


async def keep_watermark(settings: Settings) -> None:
    """Advance the watermark if every group has caught up."""
    checked_from = datetime.now(UTC)
    bootstrap = kafka.bootstrap_servers(settings)
    client = mongo.connect(settings.mongodb.uri or "")
    try:
        journal = Journal(client[settings.mongodb.database])
        ends = await _end_offsets(bootstrap)
        committed = await kafka.committed_by_group(bootstrap, list(ends))
        seen = {(tp.topic, group) for group, offsets in committed.items() for tp in offsets}
        await journal.add_readers(seen)
        if caught_up(ends, committed, await journal.readers()):
            await journal.advance_watermark(checked_from)
    finally:
        await client.close()


def caught_up(
    ends: dict[TopicPartition, int],
    committed: dict[str, dict[TopicPartition, int]],
    readers: set[tuple[str, str]],
) -> bool:
    """Whether every reader of every partition holding records has committed its end. A topic
    no group is known to read is unfinished: its readers have not got to it yet."""
    for tp, end in ends.items():
        groups = [group for topic, group in readers if topic == tp.topic]
        if not groups or any(committed.get(group, {}).get(tp, 0) < end for group in groups):
            return False
    return True


async def _end_offsets(bootstrap: str) -> dict[TopicPartition, int]:
    """The end offset of every partition that holds records, dead letters left out."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        names = [name for name in await consumer.topics() if not topics.is_dead_letter(name)]
        partitions = [
            TopicPartition(name, p) for name in names for p in consumer.partitions_for_topic(name)
        ]
        if not partitions:
            return {}
        beginnings = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        return {tp: end for tp, end in ends.items() if end > beginnings[tp]}
    finally:
        await consumer.stop()


async def recover(settings: Settings) -> int:
    """Recreate the topics and republish what was unfinished; how many records were sent."""
    await kafka.ensure_topics(settings)
    bootstrap = kafka.bootstrap_servers(settings)
    client = mongo.connect(settings.mongodb.uri or "")
    try:
        journal = Journal(client[settings.mongodb.database])
        watermark = await journal.watermark()
        since = watermark - SAFETY_MARGIN if watermark else datetime.min.replace(tzinfo=UTC)
        entries = [entry async for entry in journal.unfinished(since)]
        await kafka.create_missing_topics(
            bootstrap,
            {entry.topic for entry in entries},
            settings.kafka.partitions,
            settings.kafka.replication_factor,
        )
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            sent = [  # in journal order, so each key's events stay in order
                await producer.send(entry.topic, entry.value, key=entry.key, headers=entry.headers)
                for entry in entries
            ]
            await asyncio.gather(*sent)  # every record acknowledged before the recovery counts
        finally:
            await producer.stop()
    finally:
        await client.close()
    log.info(
        "republished the journal's unfinished events",
        records=len(entries),
        since=since.isoformat(),
    )
    return len(entries)
