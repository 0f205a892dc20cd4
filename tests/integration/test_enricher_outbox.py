"""The enricher's outbox against the real MongoDB: conversations are published side by side, each
conversation's facts in order, and a fact Kafka did not take stays pending with the ones after it
while the other conversations' facts are published and deleted."""

import json
from typing import Any, cast

import pytest
from faststream.kafka import KafkaBroker

from services.enricher import outbox
from shared.conversations.collections import CONVERSATION_EVENTS
from shared.mongo import Database, in_transaction
from tests.support.events import Hour, MakeReceived, enriched

pytestmark = pytest.mark.slow


class _Kafka:
    """Takes every record but those keyed by `refused` (the outage of one partition)."""

    def __init__(self, refused: bytes) -> None:
        self.refused = refused
        self.taken: list[tuple[bytes, str]] = []

    async def publish(self, message: str, *, topic: str, key: bytes, **_: Any) -> None:
        if key == self.refused:
            raise ConnectionError("partition leader unavailable")
        self.taken.append((key, message))


async def test_a_refused_fact_stays_pending_with_its_later_ones_and_the_others_are_published(
    db: Database, make_received: MakeReceived, hour: Hour
) -> None:
    budi = make_received("+6281100000011", "Halo kak", at=hour(10))
    sari = make_received("+6281100000012", "Halo kak", at=hour(10))
    facts = [
        enriched(message, revision, hour(10), "greeting", "neutral")
        for message in (budi, sari)
        for revision in (1, 2, 3)
    ]

    async def record(session: Any) -> None:
        await outbox.record(db, session, facts, new=True)

    await in_transaction(db, record)
    kafka = _Kafka(refused=budi.conversation_id.encode())

    with pytest.raises(ConnectionError):
        await outbox.publish_pending(
            db,
            cast(KafkaBroker, kafka),
            conversation_ids=[budi.conversation_id, sari.conversation_id],
        )

    assert [key for key, _ in kafka.taken] == [sari.conversation_id.encode()] * 3
    assert [json.loads(message)["revision"] for _, message in kafka.taken] == [1, 2, 3]
    pending = db[CONVERSATION_EVENTS].find({"published": False}, {"conversation_id": 1})
    assert {document["conversation_id"] async for document in pending} == {budi.conversation_id}
    assert await db[CONVERSATION_EVENTS].count_documents({}) == 3  # the published ones deleted
