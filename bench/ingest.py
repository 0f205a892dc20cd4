"""Run 1: signed webhooks/s through ingest, beside raw aiokafka publishes to the same broker.

Ingest answers a webhook only after Kafka acknowledged its event (acks=all), so a raw
`send_and_wait(acks="all")` of the same event is the ceiling ingest is measured against.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import cycle, islice

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.load import Throughput, Tick, closed_loop
from bench.webhooks import Webhook, WebhookPoster
from services.ingest import twilio_forms
from shared.settings import Settings
from shared.stores.directory import Store

RAW_TOPIC = "bench.raw-publish"


@dataclass(frozen=True)
class IngestResult:
    webhooks: Throughput
    raw_publish: Throughput
    payload_bytes: int

    @property
    def ratio(self) -> float:
        """Ingest's share of what the broker takes from a bare producer."""
        return self.webhooks.per_second / self.raw_publish.per_second


@dataclass(frozen=True)
class Record:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def records_of(webhooks: Sequence[Webhook], store: Store) -> list[Record]:
    """What ingest publishes for these webhooks (payload, key, headers), serialized up front."""
    records = []
    for webhook in webhooks:
        event = twilio_forms.message_received(twilio_forms.parse_inbound(webhook.form), store)
        headers = [
            ("event-type", type(event).__name__.encode()),
            ("schema-version", str(event.schema_version).encode()),
        ]
        records.append(Record(event.key(), event.model_dump_json().encode(), headers))
    return records


async def measure_webhooks(
    ingest_url: str, webhooks: Sequence[Webhook], concurrency: int, warmup: int, tick: Tick
) -> Throughput:
    async with WebhookPoster(ingest_url, concurrency) as poster:
        await asyncio.gather(*(poster.post(webhook) for webhook in webhooks[:warmup]))
        return await closed_loop(webhooks[warmup:], concurrency, poster.post, tick)


async def measure_raw_publish(
    settings: Settings,
    records: Sequence[Record],
    count: int,
    concurrency: int,
    warmup: int,
    tick: Tick,
) -> Throughput:
    """`count` sends of `records` over and over (payloads and keys repeat; Kafka does not mind)."""
    assert settings.kafka.bootstrap_servers
    await _create_topic(settings, RAW_TOPIC)
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka.bootstrap_servers,
        client_id="bench-raw",
        acks="all",
        enable_idempotence=settings.kafka.producer_idempotence,
    )
    await producer.start()
    try:

        async def send(record: Record) -> None:
            await producer.send_and_wait(
                RAW_TOPIC, record.value, key=record.key, headers=record.headers
            )

        await asyncio.gather(*(send(record) for record in records[:warmup]))
        return await closed_loop(islice(cycle(records), count), concurrency, send, tick)
    finally:
        await producer.stop()


async def _create_topic(settings: Settings, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        if name not in await admin.list_topics():
            await admin.create_topics(
                [NewTopic(name, settings.kafka.partitions, settings.kafka.replication_factor)]
            )
    finally:
        await admin.close()
