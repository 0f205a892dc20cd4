"""Kafka wiring: the FastStream publisher every service uses, and topic creation at start."""

import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import REGISTRY

from shared import topics
from shared.events import Event
from shared.settings import Settings

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code


def bootstrap_servers(settings: Settings) -> str:
    if not settings.kafka_bootstrap_servers:
        raise RuntimeError("KAFKA_BOOTSTRAP_SERVERS is not set (run through `balas run`)")
    return settings.kafka_bootstrap_servers


def broker_options(settings: Settings, client_id: str) -> dict[str, Any]:
    """Producer settings shared by KafkaBroker and ingest's KafkaRouter: acks from all replicas."""
    return {
        "bootstrap_servers": bootstrap_servers(settings),
        "client_id": client_id,
        "acks": "all",
        "enable_idempotence": settings.producer_idempotence,
        "middlewares": [KafkaPrometheusMiddleware(registry=REGISTRY, app_name=client_id)],
        "log_level": logging.DEBUG,
    }


def make_broker(settings: Settings, client_id: str) -> KafkaBroker:
    return KafkaBroker(**broker_options(settings, client_id))


async def publish(broker: KafkaBroker, event: Event) -> None:
    """Publish and wait for the broker's acknowledgement (acks=all)."""
    await broker.publish(
        event.model_dump_json(),
        topic=event.topic,
        key=event.key(),
        headers={"event-type": type(event).__name__, "schema-version": str(event.schema_version)},
    )


async def ensure_topics(settings: Settings) -> None:
    """Create every topic (and its dead-letter twin) that does not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, settings.kafka_partitions, settings.kafka_replication_factor)
            for name in topics.with_dead_letters()
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


async def read_topic(bootstrap: str, topic: str) -> list[ConsumerRecord]:
    """Every record in `topic` now, from the beginning, read without joining a consumer group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # fresh metadata, so new topics are seen
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(timeout_ms=500)
            records += [record for batch in batches.values() for record in batch]
        return records
    finally:
        await consumer.stop()
