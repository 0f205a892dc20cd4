"""Events Kafka did not take in time, kept in MongoDB until the relay publishes them.

Each stored event is the full event (its original `event_id`) with its topic and key, keyed by
the event id, so storing one twice keeps one copy. The relay (services/ingest/relay.py)
publishes them unchanged and deletes them, from `relay_after` on: at once when the webhook's own
publish failed, after `ATTEMPT_GRACE` while that publish may still land (services/ingest/
delivery.py settles it sooner).
"""

import asyncio
import contextlib
from datetime import timedelta

from pymongo import IndexModel

from shared.events import Event, decode_event, utcnow
from shared.mongo import Database, Indexes, Retention

INGEST_OUTBOX = "ingest_outbox"
# How long a copy waits for its webhook's own publish, which may land when Kafka is back; its
# process settles it as soon as it knows (a dead process never does).
ATTEMPT_GRACE = timedelta(seconds=60)


def indexes(retention: Retention) -> Indexes:
    return {INGEST_OUTBOX: [IndexModel("stored_at")]}  # the relay takes the oldest first


class Outbox:
    def __init__(self, db: Database) -> None:
        self._collection = db[INGEST_OUTBOX]
        self._due = asyncio.Event()  # this process stored an event to relay now

    async def store(self, event: Event, attempt_running: bool) -> None:
        now = utcnow()
        stored = {
            "topic": event.topic,
            "key": event.key(),
            "event": event.model_dump_json(),
            "stored_at": now,
            "relay_after": now + ATTEMPT_GRACE if attempt_running else now,
        }
        await self._collection.update_one(
            {"_id": event.event_id}, {"$setOnInsert": stored}, upsert=True
        )
        if not attempt_running:
            self._due.set()

    async def hand_to_relay(self, event: Event) -> None:
        """The webhook's own publish failed for good: relay the copy now."""
        await self._collection.update_one(
            {"_id": event.event_id}, {"$set": {"relay_after": utcnow()}}
        )
        self._due.set()

    async def due_or_after(self, seconds: float) -> None:
        """Returns once this process stored an event to relay now, or after `seconds`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._due.wait(), seconds)
        self._due.clear()

    async def oldest(self, limit: int) -> list[Event]:
        """The oldest events the relay may publish now."""
        due = self._collection.find({"relay_after": {"$lte": utcnow()}})
        stored = due.sort("stored_at", 1).limit(limit)
        return [decode_event(document["topic"], document["event"]) async for document in stored]

    async def remove(self, event: Event) -> None:
        await self._collection.delete_one({"_id": event.event_id})

    async def size(self) -> int:
        return await self._collection.count_documents({})
