"""An agent closes a conversation (`close` on `agent.commands`): the enricher, which owns the
card's lifecycle, closes the session at once like the idle sweep would, with the outcome
`resolved_by_human` if an agent replied in the session, else `resolved_by_bot`, and records
`ConversationClosed` (`closed_by` = the agent) and a snapshot in the outbox. The responder gives
the conversation back to the bot for the same command (services/responder/agent_commands.py).
Other commands are the responder's; they change the card through the replies they produce.
"""

from datetime import datetime

import structlog
from faststream.kafka import KafkaBroker

from services.enricher import outbox
from services.enricher.cards import card_turns, derived_state, enriched_event
from services.enricher.conversation import since
from services.enricher.handlers import GROUP
from services.enricher.metrics import CONVERSATIONS_CLOSED
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import (
    AgentCommandIssued,
    Author,
    ConversationClosed,
    ConversationOutcome,
    ConversationStatus,
    event_id_for,
)
from shared.identity import masked
from shared.mongo import PROCESSED_EVENTS, Database, Document, Session, claim_new, in_transaction

log = structlog.get_logger(__name__)

_HUMAN_REPLY_STATES = ("sent", "sending")  # `sending`: the responder is putting it out now


async def on_agent_command(
    event: AgentCommandIssued, db: Database, broker: KafkaBroker | None = None
) -> None:
    if event.command != "close":
        return
    ending = await in_transaction(db, lambda session: _close(db, session, event))
    if ending is not None:
        CONVERSATIONS_CLOSED.labels(ending.value).inc()
        log.info(
            "conversation closed by an agent",
            conversation=masked(event.conversation_id),
            outcome=ending.value,
        )
    if broker is not None:
        await outbox.publish_pending(db, broker, conversation_id=event.conversation_id)


async def _close(
    db: Database, session: Session, event: AgentCommandIssued
) -> ConversationOutcome | None:
    if not await claim_new(db, session, PROCESSED_EVENTS, [f"{GROUP}:{event.event_id}"]):
        return None  # applied before
    conversations = db[CONVERSATIONS]
    open_card = {"_id": event.conversation_id, "status": {"$ne": ConversationStatus.CLOSED.value}}
    card = await conversations.find_one(open_card, session=session)
    if card is None:
        return None  # closed already (or never seen): nothing to close
    # A customer message read before the command stays inside the session it closes.
    closed_at: datetime = max(event.occurred_at, card["last_activity_at"])
    human = await _agent_replied(db, session, card)
    ending = ConversationOutcome.RESOLVED_BY_HUMAN if human else ConversationOutcome.RESOLVED_BY_BOT
    changes = {
        "status": ConversationStatus.CLOSED.value,
        "outcome": ending.value,
        "closed_at": closed_at,
        "closed_by": event.agent_id,
        "revision": card.get("revision", 0) + 1,
    }
    card.update(changes)
    changes.update(derived_state(card, now=closed_at))
    card.update(changes)
    await conversations.update_one(open_card, {"$set": changes}, session=session)
    fact = ConversationClosed(
        event_id=event_id_for("conversations.closed", event.conversation_id, closed_at.isoformat()),
        occurred_at=closed_at,
        store_id=card["store_id"],
        conversation_id=event.conversation_id,
        outcome=ending,
        opened_at=card.get("opened_at"),
        last_activity_at=card["last_activity_at"],
        reopens=card.get("reopens", 0),
        closed_by=event.agent_id,
    )
    snapshot_id = event_id_for("conversations.enriched", fact.event_id)
    await outbox.record(db, session, [fact, enriched_event(card, snapshot_id, closed_at)])
    return ending


async def _agent_replied(db: Database, session: Session, card: Document) -> bool:
    """An agent reply of the session reached (or is reaching) the customer: on the card, or
    already in the responder's messages when its `ReplySent` is not read yet."""
    opened_at = card.get("opened_at")
    turns = since(card_turns(card), opened_at)
    if any(turn.author == Author.AGENT.value and turn.sent for turn in turns):
        return True
    query: Document = {
        "conversation_id": card["_id"],
        "direction": "outbound",
        "author": Author.AGENT.value,
        "state": {"$in": list(_HUMAN_REPLY_STATES)},
    }
    if opened_at is not None:
        query["created_at"] = {"$gte": opened_at}
    return await db[MESSAGES].find_one(query, {"_id": 1}, session=session) is not None
