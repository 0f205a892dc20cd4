"""Kafka wiring: the FastStream publisher every service uses, topic creation at start, reads
of a topic until its log is drained (dead letters, replay, KPI rebuild), and where logs and
consumer groups stand (the journal's watermark, `balas topics`)."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import IncompatibleBrokerVersion
from aiokafka.structs import ConsumerRecord
from faststream import BaseMiddleware
from faststream.context import ContextRepo
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient

from shared import mongo, topics
from shared.events import Event
from shared.journal import Journal
from shared.mongo import Document
from shared.settings import Settings

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code
DYNAMIC_TOPIC_CONFIG = 1  # DescribeConfigs: a value set on the topic itself

TopicConfigs = Mapping[str, Mapping[str, str]]  # topic -> config name -> value
DRAIN_POLL_MS = 200  # how long a reader's poll waits for records before looking again


def bootstrap_servers(settings: Settings) -> str:
    if not settings.kafka.bootstrap_servers:
        raise RuntimeError("KAFKA_BOOTSTRAP_SERVERS is not set (run through `balas run`)")
    return settings.kafka.bootstrap_servers


def broker_options(
    settings: Settings,
    client_id: str,
    *,
    journal_timeout_seconds: float | None = None,
    on_journal_outage: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Producer settings of every service's `Broker`: acks from all
    replicas, and with KAFKA_JOURNAL every publish copied to the journal first (shared/journal.py;
    ingest passes its MongoDB timeout and publishes unjournaled past it, see Journal.middleware)
    through a MongoDB client of its own, which only a `Broker` closes when it stops."""
    middlewares: list[Any] = [KafkaPrometheusMiddleware(registry=REGISTRY, app_name=client_id)]
    if settings.kafka.journal:
        if not settings.mongodb.uri:
            raise RuntimeError("KAFKA_JOURNAL needs MONGODB_URI (run through `balas run`)")
        client = mongo.connect(settings.mongodb.uri, journal_timeout_seconds)
        journal = Journal(client[settings.mongodb.database])
        middlewares.append(JournalMiddleware(journal.middleware(on_journal_outage), client))
    return {
        "bootstrap_servers": bootstrap_servers(settings),
        "client_id": client_id,
        "acks": "all",
        "enable_idempotence": settings.kafka.producer_idempotence,
        "middlewares": middlewares,
        "log_level": logging.DEBUG,
    }


@dataclass(frozen=True)
class JournalMiddleware:
    """The journal's middleware (Journal.middleware) with the MongoDB client that only it
    writes through: the broker that carries it closes the client when it stops (Broker)."""

    build: Callable[..., BaseMiddleware]
    client: AsyncMongoClient[Document]

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> BaseMiddleware:
        return self.build(msg, context=context)


class Broker(KafkaBroker):
    """A KafkaBroker that closes its journal's MongoDB client when it stops: nothing else
    holds that client, and its monitor tasks would otherwise outlive the broker."""

    async def stop(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> None:
        try:
            await super().stop(exc_type, exc_val, exc_tb)
        finally:
            for middleware in self.middlewares:
                if isinstance(middleware, JournalMiddleware):
                    await middleware.client.close()


def make_broker(settings: Settings, client_id: str) -> KafkaBroker:
    return Broker(**broker_options(settings, client_id))


@asynccontextmanager
async def running(broker: KafkaBroker) -> AsyncIterator[KafkaBroker]:
    """`broker` started for the block: ingest's and the console's producer, for their lifespan.
    They publish only, so they need none of FastStream's FastAPI integration (deprecated, it
    leaves FastStream in 1.0), and without it there is no AsyncAPI page that could publish."""
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


async def publish(broker: KafkaBroker, event: Event) -> None:
    """Publish and wait for the broker's acknowledgement (acks=all)."""
    await broker.publish(
        event.model_dump_json(),
        topic=event.topic,
        key=event.key(),
        headers={"event-type": type(event).__name__, "schema-version": str(event.schema_version)},
    )


def retention_config(settings: Settings) -> dict[str, str]:
    """A topic carrying personal data keeps its records as long as MongoDB keeps them."""
    return {"retention.ms": str(int(settings.retention.window.total_seconds() * 1000))}


def retention_configs(settings: Settings) -> dict[str, dict[str, str]]:
    return {name: retention_config(settings) for name in topics.with_dead_letters(topics.PERSONAL)}


async def ensure_topics(settings: Settings) -> None:
    """Create every topic (and its dead-letter twin) that does not exist yet, and give the ones
    with personal data RETENTION_DAYS, existing ones too (a changed setting applies at start)."""
    configs = retention_configs(settings)
    await create_missing_topics(
        bootstrap_servers(settings),
        topics.with_dead_letters(),
        settings.kafka.partitions,
        settings.kafka.replication_factor,
        configs,
    )
    await align_topic_configs(bootstrap_servers(settings), configs)


async def create_missing_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    replication_factor: int,
    configs: TopicConfigs | None = None,
) -> None:
    """Create the topics of `names` that do not exist yet, with their `configs`; existing ones
    are left as they are."""
    configs = configs or {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name, partitions, replication_factor, topic_configs=dict(configs.get(name, {}))
            )
            for name in names
            if name not in existing
        ]
        if missing:
            response = await admin.create_topics(missing)
            refused = [
                f"{topic}: {message or code}"
                for topic, code, *rest in response.topic_errors
                for message in [rest[0] if rest else None]
                if code not in (0, TOPIC_ALREADY_EXISTS)  # another service created it first
            ]
            if refused:
                raise RuntimeError("Kafka refused to create topics: " + "; ".join(refused))
            log.info("created %d topics", len(missing))
    finally:
        await admin.close()


async def align_topic_configs(bootstrap: str, wanted: TopicConfigs) -> None:
    """Set `wanted` on the existing topics where their configs differ."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in wanted]
        )
        changes = config_changes([response.to_object() for response in described], wanted)
        if not changes:
            return
        try:
            responses = await admin.alter_configs(
                [
                    ConfigResource(ConfigResourceType.TOPIC, name, configs=dict(configs))
                    for name, configs in changes.items()
                ]
            )
        except IncompatibleBrokerVersion:
            # The embedded broker cannot change a topic; it keeps topics in memory only, so
            # they are created anew, with these configs, at every start.
            log.warning("the broker cannot change topic configs: %s keep theirs", sorted(changes))
            return
        refused = [
            f"{resource['resource_name']}: {resource['error_message'] or resource['error_code']}"
            for response in responses
            for resource in response.to_object()["resources"]
            if resource["error_code"] != 0
        ]
        if refused:
            raise RuntimeError("Kafka refused to change topic configs: " + "; ".join(refused))
        log.info("topic configs set on %d topics", len(changes))
    finally:
        await admin.close()


def config_changes(described: Iterable[Mapping[str, Any]], wanted: TopicConfigs) -> TopicConfigs:
    """Per topic that differs from `wanted`, the configs to send. AlterConfigs replaces all of a
    topic's own values, so those it has (set by an operator) are sent back with the wanted ones.
    A topic the broker does not know is left out: it is created with its configs."""
    changes: dict[str, dict[str, str]] = {}
    for response in described:
        for resource in response["resources"]:
            name = resource["resource_name"]
            if resource["error_code"] != 0 or name not in wanted:
                continue
            entries = resource["config_entries"]
            current = {entry["config_names"]: entry["config_value"] for entry in entries}
            if all(current.get(key) == value for key, value in wanted[name].items()):
                continue
            own = {
                entry["config_names"]: entry["config_value"]
                for entry in entries
                if entry.get("config_source") == DYNAMIC_TOPIC_CONFIG
                or entry.get("is_default") is False  # DescribeConfigs v0
            }
            changes[name] = {**own, **wanted[name]}
    return changes


async def read_topic(bootstrap: str, topic: str) -> list[ConsumerRecord]:
    """Every record in `topic`, from the beginning until the log is drained, read without
    joining a consumer group."""
    async with scan_topic(bootstrap, topic) as scan:
        return [record async for batch in scan.batches() for record in batch]


async def drain(
    consumer: AIOKafkaConsumer,
    start: Mapping[TopicPartition, int],
    reported_end: Mapping[TopicPartition, int],
) -> AsyncIterator[list[ConsumerRecord]]:
    """The records of the partitions of `start`, from there to the end of the log, a fetch at a
    time. Every reader of a topic reads through here; `consumer` has no partitions assigned yet.

    A reported end offset is only a lower bound: the embedded broker reports a partition's end
    as its last batch's *first* offset + 1, hiding the rest of that batch. A fetch answers whole
    batches, and the consumer's position after them is past each batch's last offset, so a
    position at or past the reported end has read that last batch whole. A fetch answer also
    carries the log's true end (its high watermark): a partition is done once its position has
    reached both, without waiting for an answer with nothing."""
    open_ = {tp for tp, offset in start.items() if offset < reported_end[tp]}
    if not open_:
        return
    # Assigned and placed without an await between, so that no fetch goes out from elsewhere:
    # the embedded broker holds a fetch that finds nothing for its whole wait.
    consumer.assign(list(open_))
    for tp in open_:
        consumer.seek(tp, start[tp])
    while open_:
        fetched = await consumer.getmany(*open_, timeout_ms=DRAIN_POLL_MS)
        for tp in list(open_):  # paused before the records go out, for the same reason
            if await consumer.position(tp) >= max(reported_end[tp], consumer.highwater(tp) or 0):
                open_.discard(tp)
                consumer.pause(tp)
        for records in fetched.values():
            yield records


@dataclass
class TopicScan:
    """A read of one topic from `start` to the end of its log (see `drain`), without joining a
    consumer group. Records produced while the scan runs may be part of it."""

    consumer: AIOKafkaConsumer
    start: dict[TopicPartition, int]
    end: dict[TopicPartition, int]  # as the broker reported them: the log holds at least these

    @property
    def total(self) -> int:
        """How many records the reported end offsets promise: the scan reads at least these."""
        return sum(max(0, self.end[tp] - self.start[tp]) for tp in self.start)

    async def batches(self) -> AsyncIterator[list[ConsumerRecord]]:
        """The scan's records, a fetch at a time."""
        async for records in drain(self.consumer, self.start, self.end):
            yield records


@asynccontextmanager
async def scan_topic(
    bootstrap: str, topic: str, since: datetime | None = None
) -> AsyncIterator[TopicScan]:
    """Open a scan of `topic` from the first records stamped at or after `since` (all if None).

    The start comes from Kafka's time index (ListOffsets by timestamp). A broker without one
    (the embedded broker answers timestamp -1) makes the scan start at the beginning: callers
    filter by time themselves, so the result is the same, only slower.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # fresh metadata, so new topics are seen
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        beginning = await consumer.beginning_offsets(partitions) if partitions else {}
        end = await consumer.end_offsets(partitions) if partitions else {}
        start = dict(beginning)
        if since is not None and partitions:
            wanted_ms = int(since.timestamp() * 1000)
            found = await consumer.offsets_for_times(dict.fromkeys(partitions, wanted_ms))
            for tp, answer in found.items():
                if answer is None:  # nothing stamped at or after `since`
                    start[tp] = end[tp]
                elif answer.timestamp >= wanted_ms:  # a broker that keeps a time index
                    start[tp] = max(answer.offset, beginning[tp])
        yield TopicScan(consumer, start, end)
    finally:
        await consumer.stop()


async def committed_by_group(
    bootstrap: str, partitions: list[TopicPartition]
) -> dict[str, dict[TopicPartition, int]]:
    """Each consumer group's committed offsets on `partitions`, read without joining the group
    (partitions it never committed are left out). Through a consumer's offset fetch: the admin
    client's (`list_consumer_group_offsets`) is misread against the embedded broker."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        groups = [str(group) for group, *_ in await admin.list_consumer_groups()]
    finally:
        await admin.close()
    return {group: await _committed(bootstrap, group, partitions) for group in groups}


async def _committed(
    bootstrap: str, group: str, partitions: list[TopicPartition]
) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        found = await asyncio.gather(*(consumer.committed(tp) for tp in partitions))
        return {
            tp: offset for tp, offset in zip(partitions, found, strict=True) if offset is not None
        }
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class LogBounds:
    """The offsets a partition's log holds: `first` up to, not including, `end`."""

    first: int
    end: int


async def log_bounds(
    bootstrap: str, partitions: list[TopicPartition]
) -> dict[TopicPartition, LogBounds]:
    """Where each partition's log starts and really ends. A reported end offset is only a lower
    bound (see `drain`), so each partition's last reported record is read again and the log
    drained from there: `end` is one past the last record read."""
    if not partitions:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        first = await consumer.beginning_offsets(partitions)
        reported = await consumer.end_offsets(partitions)
        ends = dict(reported)
        last_reported = {tp: end - 1 for tp, end in reported.items() if end > first[tp]}
        async for records in drain(consumer, last_reported, reported):
            last = records[-1]
            tp = TopicPartition(last.topic, last.partition)
            ends[tp] = max(ends[tp], last.offset + 1)
        return {tp: LogBounds(first[tp], ends[tp]) for tp in partitions}
    finally:
        await consumer.stop()
