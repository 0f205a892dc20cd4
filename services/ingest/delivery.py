"""An accepted webhook's event reaches Kafka, or the outbox when Kafka does not answer in time.

aiokafka cannot take back a record once it was handed over: a publish that timed out may still
land later, and the relay then publishes the same event (same `event_id`) again, which consumers
deduplicate. When MongoDB cannot take the event either, the error reaches the caller.
"""

import asyncio
from enum import StrEnum

import structlog
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker

from services.ingest.metrics import OUTBOX_STORED
from services.ingest.outbox import Outbox
from shared.events import Event
from shared.kafka import publish

log = structlog.get_logger(__name__)


class Delivery(StrEnum):
    PUBLISHED = "published"
    STORED = "stored"  # in the outbox, for the relay


async def deliver(broker: KafkaBroker, outbox: Outbox, event: Event, timeout: float) -> Delivery:
    try:
        await asyncio.wait_for(publish(broker, event), timeout)
        return Delivery.PUBLISHED
    except (TimeoutError, KafkaError) as error:
        log.warning("kafka did not take the event; storing it in the outbox", error=repr(error))
    await outbox.store(event)
    OUTBOX_STORED.inc()
    return Delivery.STORED
