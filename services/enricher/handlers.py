"""The enricher keeps each conversation's card current, exactly once per message."""

from services.enricher.cards import card_update, newest_state
from shared.events import MessageReceived, ReplySent
from shared.mongo import (
    CONVERSATIONS,
    PROCESSED_EVENTS,
    Database,
    Session,
    claim_new,
    in_transaction,
)

GROUP = "enricher"


async def on_message_received(event: MessageReceived, db: Database) -> None:
    await _update_card(event, db)


async def on_reply_sent(event: ReplySent, db: Database) -> None:
    await _update_card(event, db)


async def _update_card(event: MessageReceived | ReplySent, db: Database) -> None:
    conversations = db[CONVERSATIONS]

    async def apply(session: Session) -> None:
        ledger_id = f"{GROUP}:{event.event_id}"
        if not await claim_new(db, session, PROCESSED_EVENTS, [ledger_id]):
            return  # redelivered or replayed: already counted
        await conversations.update_one(
            {"_id": event.conversation_id}, card_update(event), upsert=True, session=session
        )
        # Only the newest event may set what describes "now": after `$max`, that is the one
        # whose time equals last_activity_at.
        await conversations.update_one(
            {"_id": event.conversation_id, "last_activity_at": event.occurred_at},
            {"$set": newest_state(event)},
            session=session,
        )

    await in_transaction(db, apply)
