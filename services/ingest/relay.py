"""The outbox relay: a background task of every ingest replica; the one holding the lease
publishes stored events, oldest first and unchanged, as soon as Kafka takes them, and deletes
each once Kafka acknowledged it. A relay that dies mid-way leaves its events stored; the next
holder publishes them again with the same `event_id`, which consumers deduplicate.

Rounds that find nothing to relay come ever further apart, up to `IDLE_PAUSE_SECONDS`, so an
idle ingest asks MongoDB little; an event this process hands to the relay starts a round at
once, and a round that relayed something keeps the pace at `ROUND_SECONDS`.
"""

import contextlib
from datetime import timedelta

import structlog
from faststream.kafka import KafkaBroker

from services.ingest.metrics import OUTBOX_EVENTS, OUTBOX_RELAYED
from services.ingest.outbox import Outbox
from shared.kafka import publish
from shared.leases import Lease, new_holder
from shared.mongo import Database

log = structlog.get_logger(__name__)

RELAY_LEASE = "ingest-outbox-relay"
LEASE_TTL = timedelta(seconds=30)  # a dead relay's successor starts this long after
ROUND_SECONDS = 1.0
IDLE_PAUSE_SECONDS = 5.0  # between rounds that found nothing; far below the lease's TTL
LONGEST_PAUSE_SECONDS = 8.0  # between failed rounds: how late the relay sees Kafka is back
BATCH = 100


class Relay:
    def __init__(self, db: Database, broker: KafkaBroker, outbox: Outbox) -> None:
        self._lease = Lease(db, RELAY_LEASE, new_holder(), LEASE_TTL)
        self._broker, self._outbox = broker, outbox

    async def run(self) -> None:
        """Rounds until cancelled; a failed round (Kafka or MongoDB down) is tried again."""
        pause = ROUND_SECONDS
        try:
            while True:
                try:
                    relayed = await self.relay_round()
                    pause = ROUND_SECONDS if relayed else min(2 * pause, IDLE_PAUSE_SECONDS)
                except Exception as error:  # the next round tries again; events stay stored
                    log.warning("outbox relay round failed", error=repr(error))
                    pause = min(2 * pause, LONGEST_PAUSE_SECONDS)  # a long outage logs little
                await self._outbox.due_or_after(pause)
        finally:  # another replica takes over now rather than when the lease expires
            with contextlib.suppress(Exception):
                await self._lease.release()

    async def relay_round(self) -> int:
        """Relays what is due; how many events it relayed."""
        OUTBOX_EVENTS.set(await self._outbox.size())
        if not await self._lease.take():  # another replica relays
            return 0
        relayed = 0
        while events := await self._outbox.oldest(BATCH):
            for event in events:
                await publish(self._broker, event)  # the producer's own timeout bounds it
                await self._outbox.remove(event)
                OUTBOX_RELAYED.inc()
            relayed += len(events)
            log.info("outbox events relayed to kafka", count=len(events))
            await self._lease.renew()
            OUTBOX_EVENTS.set(await self._outbox.size())
        return relayed
