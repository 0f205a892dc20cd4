"""The enricher's outbox: conversation facts are recorded in the card's transaction and published
to Kafka after it commits, so a fact is never published for a change that was rolled back, and
never lost when the process dies between the commit and the publish.

The handler publishes its conversation's pending facts right after the commit; the sweep
publishes whatever is still pending after OUTBOX_GRACE (a crash, a Kafka outage). A fact can
therefore be published twice: its `event_id` is deterministic and consumers deduplicate on it.
A fact Kafka acknowledged is deleted, as ingest's outbox does: nothing reads a published one
(Kafka and the journal keep them; the claims ledger and the cards' conditional updates, not
the outbox, keep a redelivery from recording one again), and on the embedded server a delete
costs about half of the update that marked it published (docs/benchmarks.md, 2026-12-07).
Facts marked `published` by earlier versions expire with the retention.
"""

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from faststream.kafka import KafkaBroker
from pymongo import ASCENDING, UpdateOne

from shared.conversations.collections import CONVERSATION_EVENTS
from shared.events import ConversationEvent, decode_event, utcnow
from shared.kafka import publish
from shared.mongo import Database, Document, Session

OUTBOX_GRACE = timedelta(seconds=10)
PUBLISH_BATCH = 500


async def record(
    db: Database, session: Session, events: Sequence[ConversationEvent], *, new: bool = False
) -> None:
    """Keep `events` for publishing, in order (one write); an event recorded before is left as
    it is. With `new` the caller knows none was (their ids come from events it claimed in this
    transaction): one insert, about half an upsert's work on the embedded server, and a
    duplicate fails the transaction (BulkWriteError) instead."""
    if not events:
        return
    recorded_at = utcnow()
    documents = [
        {
            "_id": event.event_id,
            "conversation_id": event.conversation_id,
            "store_id": event.store_id,
            "topic": event.topic,
            "event_type": type(event).__name__,
            "payload": event.model_dump_json(),
            "published": False,
            "recorded_at": recorded_at,
            "order": order,
        }
        for order, event in enumerate(events)
    ]
    if new:
        await db[CONVERSATION_EVENTS].insert_many(documents, session=session)
        return
    await db[CONVERSATION_EVENTS].bulk_write(
        [
            UpdateOne({"_id": document.pop("_id")}, {"$setOnInsert": document}, upsert=True)
            for document in documents
        ],
        session=session,
    )


async def publish_pending(
    db: Database,
    broker: KafkaBroker,
    *,
    conversation_id: str | None = None,
    conversation_ids: Sequence[str] | None = None,
    store_id: str | None = None,
    recorded_before: datetime | None = None,
) -> int:
    """Publish pending facts (each conversation's oldest first, conversations side by side),
    then delete the ones Kafka acknowledged (in one write: a crash in between publishes them
    again, as the module says)."""
    query: dict[str, Any] = {"published": False}
    if conversation_id is not None:
        query["conversation_id"] = conversation_id
    if conversation_ids is not None:
        query["conversation_id"] = {"$in": list(conversation_ids)}
    if store_id is not None:
        query["store_id"] = store_id
    if recorded_before is not None:
        query["recorded_at"] = {"$lte": recorded_before}
    pending = (
        db[CONVERSATION_EVENTS]
        .find(query)
        .sort([("recorded_at", ASCENDING), ("order", ASCENDING)])
        .limit(PUBLISH_BATCH)
    )
    by_conversation: dict[str, list[Document]] = {}
    async for document in pending:
        by_conversation.setdefault(document["conversation_id"], []).append(document)
    published: list[str] = []

    async def publish_in_order(documents: list[Document]) -> None:
        for document in documents:
            await publish(broker, decode_event(document["topic"], document["payload"]))
            published.append(document["_id"])

    # Conversations side by side (their keys are their own): the producer sends what waits
    # together, where one fact at a time made a request and an acknowledgement each.
    try:
        outcomes = await asyncio.gather(
            *map(publish_in_order, by_conversation.values()), return_exceptions=True
        )
    finally:
        if published:
            await db[CONVERSATION_EVENTS].delete_many({"_id": {"$in": published}})
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return len(published)
