"""The enricher keeps each conversation's card current and labels customer messages, once each."""

from services.enricher.cards import card_update, labels_state, newest_state
from services.enricher.classification import Classification, Classifier
from shared.events import MessageReceived, ReplySent
from shared.messages import inbound_message_document
from shared.mongo import (
    CONVERSATIONS,
    MESSAGES,
    PROCESSED_EVENTS,
    Database,
    Session,
    claim_new,
    in_transaction,
)

GROUP = "enricher"


async def on_message_received(event: MessageReceived, db: Database, classifier: Classifier) -> None:
    # Classify before the transaction (an LLM takes seconds); the ledger makes storing it once.
    labels = (await classifier.classify([event.text]))[0] if event.text.strip() else None
    await _update_card(event, db, labels)


async def on_reply_sent(event: ReplySent, db: Database) -> None:
    await _update_card(event, db)


async def _update_card(
    event: MessageReceived | ReplySent, db: Database, labels: Classification | None = None
) -> None:
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
        if isinstance(event, MessageReceived) and labels is not None:
            await _store_labels(event, labels, db, session)

    await in_transaction(db, apply)


async def _store_labels(
    event: MessageReceived, labels: Classification, db: Database, session: Session
) -> None:
    """On the message, and on the card while this is the customer's newest labelled message."""
    message = inbound_message_document(event)
    await db[MESSAGES].update_one(
        {"_id": message.pop("_id")},
        {"$setOnInsert": message, "$set": {"classification": labels.model_dump(mode="json")}},
        upsert=True,
        session=session,
    )
    not_newer = [
        {"latest_labels_at": {"$exists": False}},
        {"latest_labels_at": {"$lte": event.occurred_at}},
    ]
    await db[CONVERSATIONS].update_one(
        {"_id": event.conversation_id, "$or": not_newer},
        {"$set": labels_state(labels, event.occurred_at)},
        session=session,
    )
