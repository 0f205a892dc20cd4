"""The enricher keeps each conversation's card current and labels customer messages, once each.

Each event is applied in one MongoDB transaction guarded by the `processed_events` ledger: the
counts, the labels, the card's turns and what it concludes from them (trend, open topics, next
action, summary), a reopen, and the facts to publish (the outbox). The facts are published
after the commit; a redelivered event changes nothing and only publishes what is still pending.
"""

from typing import Any

from faststream.kafka import KafkaBroker

from services.enricher import outbox
from services.enricher.cards import (
    card_turns,
    card_update,
    derived_state,
    enriched_event,
    labels_state,
    newest_state,
)
from services.enricher.classification import Classification, Classifier
from services.enricher.conversation import (
    RECENT_TURNS,
    LifecyclePolicy,
    Turn,
    counts_as_reopen,
    customer_turn,
    reply_turn,
    since,
)
from services.enricher.customers import commerce_view
from services.enricher.metrics import CONVERSATIONS_REOPENED
from services.enricher.summary import ExtractiveSummariser, Summariser, Summary
from shared.conversations import csat
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.conversations.messages import inbound_message_document
from shared.events import (
    ConversationEvent,
    ConversationOutcome,
    ConversationReopened,
    ConversationStatus,
    MessageReceived,
    ReplySent,
    event_id_for,
)
from shared.mongo import PROCESSED_EVENTS, Database, Document, Session, claim_new, in_transaction

GROUP = "enricher"
DEFAULT_POLICY = LifecyclePolicy()
_EXTRACTIVE = ExtractiveSummariser()


async def on_message_received(
    event: MessageReceived,
    db: Database,
    classifier: Classifier,
    broker: KafkaBroker | None = None,
    summariser: Summariser = _EXTRACTIVE,
    policy: LifecyclePolicy = DEFAULT_POLICY,
) -> None:
    if await csat.settle(db, event) is not None:
        return  # a CSAT rating (the responder records it): not a turn, reopens nothing
    if not await _processed(db, event):
        # Classify and summarise before the transaction (an LLM takes seconds); the ledger
        # makes storing them once.
        labels = (await classifier.classify([event.text]))[0] if event.text.strip() else None
        turn = customer_turn(event, labels.model_dump(mode="json") if labels else None)
        summary = await summariser.summarise(await _session_turns(db, event, turn))
        await _update_card(event, db, turn, policy, labels, summary)
    await _publish(db, broker, event)


async def on_reply_sent(
    event: ReplySent,
    db: Database,
    broker: KafkaBroker | None = None,
    policy: LifecyclePolicy = DEFAULT_POLICY,
) -> None:
    if not await _processed(db, event):
        await _update_card(event, db, reply_turn(event), policy)
    await _publish(db, broker, event)


async def _processed(db: Database, event: ConversationEvent) -> bool:
    """A shortcut past the LLM for redeliveries; the transaction's claim is what decides."""
    return await db[PROCESSED_EVENTS].find_one({"_id": f"{GROUP}:{event.event_id}"}) is not None


async def _publish(db: Database, broker: KafkaBroker | None, event: ConversationEvent) -> None:
    """Without a broker (a test, a tool) the facts stay pending for the sweep to publish."""
    if broker is not None:
        await outbox.publish_pending(db, broker, conversation_id=event.conversation_id)


async def _session_turns(db: Database, event: MessageReceived, turn: Turn) -> list[Turn]:
    """The turns the summary is made of: the current session's (a new one if this reopens)."""
    card = await db[CONVERSATIONS].find_one({"_id": event.conversation_id})
    if card is None or card.get("status") == ConversationStatus.CLOSED:
        return [turn]
    return [*since(card_turns(card), card.get("opened_at")), turn]


async def _update_card(
    event: MessageReceived | ReplySent,
    db: Database,
    turn: Turn,
    policy: LifecyclePolicy,
    labels: Classification | None = None,
    summary: Summary | None = None,
) -> None:
    conversations = db[CONVERSATIONS]

    async def apply(session: Session) -> bool:
        ledger_id = f"{GROUP}:{event.event_id}"
        if not await claim_new(db, session, PROCESSED_EVENTS, [ledger_id]):
            return False  # redelivered or replayed: already counted
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
        card = await conversations.find_one({"_id": event.conversation_id}, session=session)
        assert card is not None  # upserted above
        changes, facts = _session_change(card, event, policy)
        turns = sorted([*card_turns(card), turn], key=lambda t: t.at)[-RECENT_TURNS:]
        changes["recent_turns"] = [t.model_dump(mode="python") for t in turns]
        changes["revision"] = card.get("revision", 0) + 1
        if summary is not None and _newest_customer_message(card, event):
            changes["summary"] = {**summary.model_dump(), "at": event.occurred_at}
        if isinstance(event, MessageReceived):
            # The WooCommerce customer and last orders of this number (customers.py).
            changes.update(await commerce_view(db, session, event.store_id, event.customer_number))
        card.update(changes)
        changes.update(derived_state(card, now=event.occurred_at))
        card.update(changes)
        await conversations.update_one(
            {"_id": event.conversation_id}, {"$set": changes}, session=session
        )
        snapshot_id = event_id_for("conversations.enriched", event.event_id)
        facts.append(enriched_event(card, snapshot_id, event.occurred_at))
        await outbox.record(db, session, facts)
        return any(isinstance(fact, ConversationReopened) for fact in facts)

    if await in_transaction(db, apply):
        CONVERSATIONS_REOPENED.inc()


def _session_change(
    card: Document, event: MessageReceived | ReplySent, policy: LifecyclePolicy
) -> tuple[dict[str, Any], list[ConversationEvent]]:
    """Open a session, keep it open, or reopen a closed one on the customer's new message."""
    if card.get("status") != ConversationStatus.CLOSED:
        opened_at = min(filter(None, [card.get("opened_at"), event.occurred_at]))
        return {"status": ConversationStatus.OPEN.value, "opened_at": opened_at}, []
    if not isinstance(event, MessageReceived):
        return {}, []  # a late reply to a closed conversation is kept, and changes no state
    changes: dict[str, Any] = {
        "status": ConversationStatus.OPEN.value,
        "opened_at": event.occurred_at,
        "outcome": None,
        "previous_outcome": card.get("outcome"),
        "previous_closed_at": card.get("closed_at"),
        "closed_at": None,
    }
    facts: list[ConversationEvent] = []
    if counts_as_reopen(
        card.get("outcome"), card.get("closed_at"), event.occurred_at, policy.reopen_window
    ):
        changes["reopens"] = card.get("reopens", 0) + 1
        facts.append(
            ConversationReopened(
                event_id=event_id_for("conversations.reopened", event.event_id),
                occurred_at=event.occurred_at,
                store_id=event.store_id,
                conversation_id=event.conversation_id,
                previous_outcome=ConversationOutcome(card["outcome"]),
                closed_at=card["closed_at"],
                message_sid=event.message_sid,
            )
        )
    return changes, facts


def _newest_customer_message(card: Document, event: MessageReceived | ReplySent) -> bool:
    summarised_at = (card.get("summary") or {}).get("at")
    return isinstance(event, MessageReceived) and (
        summarised_at is None or summarised_at <= event.occurred_at
    )


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
