"""Reading the session's shared Kafka topics and running consumers on them in a test."""

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream.kafka import KafkaBroker

from shared import kafka
from shared.consumer import BatchConsumer, KeyedConsumer, RetryPolicy
from shared.events import DeadLetter, DeliveryStatus, DeliveryStatusChanged, Event, MessageReceived
from shared.settings import Settings
from tests.support import events, waiting
from tests.support.waiting import DEADLINE_SECONDS

RETRY = RetryPolicy(max_attempts=3, backoff_seconds=0.01, backoff_max_seconds=0.05)
# Batches after which the embedded broker reported a partition's end offset as 7 of 9: the last
# batch's first offset + 1.
BURST = (1, 5, 3)
Record = tuple[bytes | None, bytes]  # key, value
PublishBurst = Callable[[str, Sequence[Record]], Awaitable[None]]  # topic, records
E = TypeVar("E", bound=Event)


async def publish_in_batches(
    settings: Settings, topic: str, records: Sequence[Record], partition: int = 0
) -> None:
    """Publish `records` to one partition of `topic` as real multi-record batches of `BURST`."""
    assert len(records) == sum(BURST)
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers(settings),
        acks="all",
        enable_idempotence=settings.kafka.producer_idempotence,
    )
    await producer.start()
    try:
        rest = list(records)
        for size in BURST:
            batch = producer.create_batch()
            for key, value in rest[:size]:
                assert batch.append(key=key, value=value, timestamp=None) is not None
            rest = rest[size:]
            await (await producer.send_batch(batch, topic, partition=partition))
    finally:
        await producer.stop()


async def read_topic(bootstrap_servers: str, topic: str) -> list[bytes]:
    """Every record value in `topic` right now, from the beginning."""
    return [record.value for record in await kafka.read_topic(bootstrap_servers, topic)]


async def records_mentioning(settings: Settings, topic: str, mark: str) -> list[bytes]:
    """The record values of the session's shared `topic` that contain `mark`, an id of the
    test's own (its store, conversation, command, broadcast). The topic also holds every other
    test's records, of the topic's other event types or no event at all (poison records): a test
    decodes and checks only these, never the whole topic."""
    values = await read_topic(kafka.bootstrap_servers(settings), topic)
    return [value for value in values if mark.encode() in value]


async def events_with_id(settings: Settings, topic: str, event_id: str) -> list[dict[str, Any]]:
    """Every copy of one event in the shared `topic`, as JSON."""
    return [
        event
        for value in await records_mentioning(settings, topic, event_id)
        if isinstance(event := json.loads(value), dict) and event.get("event_id") == event_id
    ]


async def read_dead_letters(
    bootstrap_servers: str,
    topic: str,
    group: str,
    wanted: Callable[[DeadLetter], bool],
    count: int,
) -> list[DeadLetter]:
    """Read a dead-letter topic from its start until `count` letters of the test's own consumer
    `group` match `wanted`; other records there are other tests' and are not decoded."""
    reader = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await reader.start()
    found: list[DeadLetter] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE_SECONDS
        while len(found) < count and loop.time() < deadline:
            batches = await reader.getmany(timeout_ms=200)
            for records in batches.values():
                ours = (r.value for r in records if r.value and group.encode() in r.value)
                letters = map(DeadLetter.model_validate_json, ours)
                found.extend(
                    letter
                    for letter in letters
                    if letter.consumer_group == group and wanted(letter)
                )
    finally:
        await reader.stop()
    return found


@dataclass
class Consumers:
    """Builds consumers with the test retry policy and stops whatever a test leaves running."""

    settings: Settings
    broker: KafkaBroker
    _running: list[KeyedConsumer | BatchConsumer] = field(default_factory=list)

    def _options(
        self,
        group_id: str,
        max_in_flight: int,
        batch_wait_seconds: float = 0.0,
        paced_fetches: bool | None = None,
    ) -> dict[str, Any]:
        if paced_fetches is None:
            paced_fetches = self.settings.kafka.paced_fetches
        return {
            "batch_wait_seconds": batch_wait_seconds,
            "paced_fetches": paced_fetches,
            "bootstrap_servers": kafka.bootstrap_servers(self.settings),
            "group_id": group_id,
            "dead_letters": self.broker,
            "retry": RETRY,
            "max_in_flight": max_in_flight,
            "commit_interval_seconds": 0.05,
            "session_timeout_seconds": self.settings.consumers.group_session_timeout_seconds,
        }

    async def keyed(
        self,
        group_id: str,
        routes: dict[str, Any],
        max_in_flight: int = 100,
        batch_topics: Iterable[str] = (),
        batch_handler: Any = None,
        paced_fetches: bool | None = None,  # None: as the settings say
    ) -> KeyedConsumer:
        consumer = KeyedConsumer(
            routes=routes,
            batch_topics=batch_topics,
            batch_handler=batch_handler,
            **self._options(group_id, max_in_flight, paced_fetches=paced_fetches),
        )
        await self._start(consumer)
        return consumer

    async def batch(
        self,
        group_id: str,
        topic_names: Iterable[str],
        handler: Any,
        max_in_flight: int = 500,
        batch_wait_seconds: float = 0.0,
    ) -> BatchConsumer:
        consumer = BatchConsumer(
            topic_names=topic_names,
            handler=handler,
            **self._options(group_id, max_in_flight, batch_wait_seconds),
        )
        await self._start(consumer)
        return consumer

    async def _start(self, consumer: KeyedConsumer | BatchConsumer) -> None:
        await consumer.start()
        self._running.append(consumer)

    async def stop(self, consumer: KeyedConsumer | BatchConsumer, grace_seconds: float) -> None:
        self._running.remove(consumer)
        await consumer.stop(grace_seconds=grace_seconds)

    async def stop_all(self) -> None:
        while self._running:
            await self.stop(self._running[-1], grace_seconds=1.0)


async def publish_all(broker: KafkaBroker, published: Iterable[Event]) -> None:
    """Publish events one by one, in order, as the services do."""
    for event in published:
        await kafka.publish(broker, event)


def new_group_id() -> str:
    """A consumer group of one test: it reads the shared topics from their start."""
    return f"test-{uuid.uuid4().hex[:12]}"


@dataclass
class ConsumerKit:
    """What a consumer test works with: its own store on the session's shared topics (handlers
    skip other tests' events by their store id), a publisher, consumers and dead letters."""

    settings: Settings
    broker: KafkaBroker
    consumers: Consumers
    store_id: str

    new_group_id = staticmethod(new_group_id)
    wait_until = staticmethod(waiting.wait_until)

    def received(self, customer: str, text: str) -> MessageReceived:
        """`customer`'s message to this test's store; `text` doubles as a label."""
        return events.received(customer, text, store_id=self.store_id)

    def delivered(self, label: str) -> DeliveryStatusChanged:
        """A new status callback of this test's store; `label` (its error code) names it."""
        return events.status_changed(
            DeliveryStatus.DELIVERED,
            datetime.now(UTC),
            sid=f"SM{uuid.uuid4().hex}",
            store_id=self.store_id,
            error_code=label,
        )

    def own(self, batch: Iterable[Event], kind: type[E]) -> list[E]:
        """The events of `kind` in `batch` that belong to this test's store."""
        return [
            event for event in batch if isinstance(event, kind) and event.store_id == self.store_id
        ]

    async def publish(self, published: Iterable[Event]) -> None:
        await publish_all(self.broker, published)

    async def dead_letters(
        self, topic: str, group: str, wanted: Callable[[DeadLetter], bool], count: int
    ) -> list[DeadLetter]:
        """Read a dead-letter topic from its start until `count` letters of `group` match
        `wanted`."""
        bootstrap = kafka.bootstrap_servers(self.settings)
        return await read_dead_letters(bootstrap, topic, group, wanted, count)
