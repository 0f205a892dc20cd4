"""The enricher keeps each conversation's card current, exactly once per message."""

from dataclasses import dataclass

from pymongo import AsyncMongoClient

from services.enricher.cards import card_update, last_message
from shared.events import MessageReceived, ReplySent
from shared.mongo import (
    CONVERSATIONS,
    PROCESSED_EVENTS,
    Database,
    Document,
    Session,
    claim_new,
    in_transaction,
)

GROUP = "enricher"


@dataclass(frozen=True)
class EnricherDeps:
    mongo: AsyncMongoClient[Document]
    db: Database


async def on_message_received(event: MessageReceived, deps: EnricherDeps) -> None:
    await _update_card(event, deps)


async def on_reply_sent(event: ReplySent, deps: EnricherDeps) -> None:
    await _update_card(event, deps)


async def _update_card(event: MessageReceived | ReplySent, deps: EnricherDeps) -> None:
    conversations = deps.db[CONVERSATIONS]

    async def apply(session: Session) -> None:
        ledger_id = f"{GROUP}:{event.event_id}"
        if not await claim_new(deps.db, session, PROCESSED_EVENTS, [ledger_id]):
            return  # redelivered or replayed: already counted
        await conversations.update_one(
            {"_id": event.conversation_id}, card_update(event), upsert=True, session=session
        )
        # Only the newest event may become the last message: after `$max`, that is the one
        # whose time equals last_activity_at.
        await conversations.update_one(
            {"_id": event.conversation_id, "last_activity_at": event.occurred_at},
            {"$set": {"last_message": last_message(event)}},
            session=session,
        )

    await in_transaction(deps.mongo, apply)
