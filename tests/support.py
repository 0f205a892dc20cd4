"""Helpers for tests of every tier (a testing module: tests import it, never each other)."""

import asyncio
import inspect
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition


async def eventually(check: Callable[[], Awaitable[Any] | Any], timeout: float = 60.0) -> Any:
    """Poll until `check` (plain or async) returns something truthy; fail if it never does."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(
                f"condition not met within {timeout} s: {getattr(check, '__name__', check)}"
            )
        await asyncio.sleep(0.2)


def new_customer() -> str:
    return f"+62812{uuid.uuid4().int % 10**8:08d}"


async def read_topic(bootstrap_servers: str, topic: str) -> list[bytes]:
    """Every record value in `topic` right now, from the beginning, without joining a group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        if not partitions:
            await consumer.topics()  # refresh metadata once
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []
            ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        values: list[bytes] = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(timeout_ms=500)
            values += [record.value for records in batches.values() for record in records]
        return values
    finally:
        await consumer.stop()
