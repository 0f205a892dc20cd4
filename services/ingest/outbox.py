"""Events Kafka did not take in time, kept in MongoDB until the relay publishes them.

Each stored event is the full event (its original `event_id`) with its topic and key, keyed by
the event id, so storing one twice keeps one copy. The relay (services/ingest/relay.py)
publishes them unchanged and deletes them.
"""

from pymongo import IndexModel

from shared.events import Event, decode_event, utcnow
from shared.mongo import Database, Indexes, Retention

INGEST_OUTBOX = "ingest_outbox"


def indexes(retention: Retention) -> Indexes:
    return {INGEST_OUTBOX: [IndexModel("stored_at")]}  # the relay takes the oldest first


class Outbox:
    def __init__(self, db: Database) -> None:
        self._collection = db[INGEST_OUTBOX]

    async def store(self, event: Event) -> None:
        stored = {
            "topic": event.topic,
            "key": event.key(),
            "event": event.model_dump_json(),
            "stored_at": utcnow(),
        }
        await self._collection.update_one(
            {"_id": event.event_id}, {"$setOnInsert": stored}, upsert=True
        )

    async def oldest(self, limit: int) -> list[Event]:
        stored = self._collection.find().sort("stored_at", 1).limit(limit)
        return [decode_event(document["topic"], document["event"]) async for document in stored]

    async def remove(self, event: Event) -> None:
        await self._collection.delete_one({"_id": event.event_id})

    async def size(self) -> int:
        return await self._collection.count_documents({})
