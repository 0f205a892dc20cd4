"""An accepted webhook's event reaches Kafka, or the outbox when Kafka does not answer in time.

aiokafka cannot take back a record once it was handed over: a publish that timed out goes on
and may land when Kafka is back. So the stored copy waits for that attempt: if it lands, the
copy is removed; if it fails, the copy goes to the relay at once. A copy whose attempt outlives
the outbox's grace (or whose process died) is relayed all the same, and if the attempt lands
too, consumers deduplicate on `event_id`. When MongoDB cannot take the event either, the attempt
gets one more publish timeout (on the embedded broker a MongoDB outage slows it: the journal
waits out ingest's MongoDB timeout first); if it does not land, the error reaches the caller.
"""

import asyncio
from enum import StrEnum

import structlog
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker
from pymongo.errors import PyMongoError

from services.ingest.metrics import OUTBOX_STORED
from services.ingest.outbox import Outbox
from shared.events import Event
from shared.kafka import publish

log = structlog.get_logger(__name__)


class Delivery(StrEnum):
    PUBLISHED = "published"
    STORED = "stored"  # in the outbox, for the relay


class Deliverer:
    def __init__(self, broker: KafkaBroker, outbox: Outbox, timeout_seconds: float) -> None:
        self._broker, self._outbox, self._timeout = broker, outbox, timeout_seconds
        self._followed: set[asyncio.Task[None]] = set()  # abandoned attempts still running

    async def deliver(self, event: Event) -> Delivery:
        attempt = asyncio.ensure_future(publish(self._broker, event))
        # An attempt given up on may fail later, unawaited: its error is logged here, once.
        attempt.add_done_callback(_log_late_failure)
        try:
            await asyncio.wait_for(asyncio.shield(attempt), self._timeout)
            return Delivery.PUBLISHED
        except (TimeoutError, KafkaError) as error:
            log.warning("kafka did not take the event; storing it in the outbox", error=repr(error))
        running = not attempt.done()
        try:
            await self._outbox.store(event, attempt_running=running)
        except PyMongoError:
            # MongoDB is down too; the attempt may only have been slowed by it (the journal).
            if running and await self._lands(attempt):
                return Delivery.PUBLISHED
            raise
        OUTBOX_STORED.inc()
        if running:  # it may have finished meanwhile: the follower settles it all the same
            follower = asyncio.create_task(self._settle(event, attempt))
            self._followed.add(follower)
            follower.add_done_callback(self._followed.discard)
        return Delivery.STORED

    async def _lands(self, attempt: asyncio.Future[None]) -> bool:
        """Whether a running attempt lands within another publish timeout."""
        try:
            await asyncio.wait_for(asyncio.shield(attempt), self._timeout)
        except Exception:
            return False
        return True

    async def _settle(self, event: Event, attempt: asyncio.Future[None]) -> None:
        try:
            await attempt
        except Exception:
            settled = self._outbox.hand_to_relay(event)
        else:
            settled = self._outbox.remove(event)
        try:
            await settled
        except PyMongoError as error:  # the copy is relayed after the grace instead
            log.warning("outbox copy not settled", event_id=event.event_id, error=repr(error))

    def close(self) -> None:
        for follower in self._followed:
            follower.cancel()


def _log_late_failure(attempt: asyncio.Future[None]) -> None:
    if not attempt.cancelled() and (error := attempt.exception()) is not None:
        log.info("a publish attempt ended in an error", error=repr(error))
