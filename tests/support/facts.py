"""The conversation facts the enricher recorded, read back: still pending in its outbox, or
published (the outbox deletes a fact once Kafka acknowledged it)."""

from typing import TypeVar

from shared.conversations.collections import CONVERSATION_EVENTS
from shared.events import ConversationEvent, decode_event
from shared.mongo import Database
from shared.settings import Settings
from tests.support.kafka import records_mentioning

F = TypeVar("F", bound=ConversationEvent)


async def recorded_facts(
    settings: Settings, db: Database, conversation_id: str, kind: type[F]
) -> list[F]:
    """One conversation's facts of `kind`, each copy: the outbox's, then the topic's."""
    pending = db[CONVERSATION_EVENTS].find(
        {"conversation_id": conversation_id, "event_type": kind.__name__, "published": False}
    )
    found = [decode_event(document["topic"], document["payload"]) async for document in pending]
    for value in await records_mentioning(settings, kind.topic, conversation_id):
        found.append(decode_event(kind.topic, value))
    return [
        fact for fact in found if isinstance(fact, kind) and fact.conversation_id == conversation_id
    ]
