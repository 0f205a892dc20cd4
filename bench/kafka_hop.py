"""One Kafka hop on this broker: an acks=all send, until a consumer's getmany returns it.

The consumer is a bare aiokafka consumer with the same defaults and poll timeout as the
services' consumers (shared/consumer.py), so this is the share of the pipeline overhead that
the broker and client settings alone account for.
"""

import asyncio
import random
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.load import Tick
from bench.stats import Latency
from shared.settings import Settings

HOP_TOPIC = "bench.kafka-hop"
POLL_TIMEOUT_MS = 200  # as KeyedConsumer polls
DEFAULT_FETCH_MAX_WAIT_MS = 500  # aiokafka's default, which the services keep


async def measure_kafka_hop(
    settings: Settings, samples: int, tick: Tick, fetch_max_wait_ms: int = DEFAULT_FETCH_MAX_WAIT_MS
) -> Latency:
    """`fetch_max_wait_ms`: how long the broker may hold a fetch that found nothing new."""
    bootstrap = settings.kafka.bootstrap_servers
    topic = f"{HOP_TOPIC}-{fetch_max_wait_ms}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(topic, settings.kafka.partitions, settings.kafka.replication_factor)]
        )
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-hop-{fetch_max_wait_ms}",
        enable_auto_commit=False,
        fetch_max_wait_ms=fetch_max_wait_ms,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=settings.kafka.producer_idempotence,
    )
    await consumer.start()
    await producer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS)
        # A fresh group starts at the log's end, looked up lazily: a hop sent before that
        # lookup is behind the position and never read, so the wait below would never end.
        for partition in consumer.assignment():
            await consumer.position(partition)
        hops = []
        for index in range(samples):
            await asyncio.sleep(random.uniform(0.02, 0.1))  # land anywhere in a poll
            sent = time.perf_counter()
            await producer.send_and_wait(topic, b"hop", key=str(index).encode())
            while not any((await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS)).values()):
                pass
            hops.append(time.perf_counter() - sent)
            tick()
        return Latency.of(hops)
    finally:
        await producer.stop()
        await consumer.stop()
